package session

import (
	"context"
	"time"

	"popgate/pop3"
)

// View is what a page shows about a session besides its messages, read in
// one turn on the session.
type View struct {
	// Pending are the UIDs pending deletion, in server order.
	Pending []string
	// SnapshotTime is when the current snapshot was taken.
	SnapshotTime time.Time
	// SyntheticIDs reports that the server lacks UIDL, so that UIDs are
	// derived from each message's header block: the UI should say so.
	SyntheticIDs bool
	// Capabilities are what the server announced with CAPA after sign-in
	// on the current or last connection, nil without CAPA; don't modify
	// them.
	Capabilities pop3.Capabilities
}

// View returns what a page shows about the session besides its messages:
// Pending, SnapshotTime, SyntheticIDs and Capabilities, in one turn on the
// session, so that a page never waits for the background indexer more
// than once. It waits for a request in progress only until ctx ends
// (ErrBusy). It doesn't perform I/O.
func (s *Session) View(ctx context.Context) (View, error) {
	st, err := s.lock(ctx)
	if err != nil {
		return View{}, err
	}
	defer s.unlock()
	v := View{SnapshotTime: st.snapTime, SyntheticIDs: st.synthetic, Capabilities: st.caps}
	if len(st.pending) > 0 {
		v.Pending = st.pendingInOrder()
	}
	return v, nil
}
