package session

import (
	"time"

	"popgate/pop3"
)

// View is what a page shows about a session besides its messages, read in
// one turn on the session.
type View struct {
	// Pending are the UIDs pending deletion, in server order (see Pending).
	Pending []string
	// SnapshotTime is when the current snapshot was taken.
	SnapshotTime time.Time
	// SyntheticIDs reports that the server lacks UIDL (see SyntheticIDs).
	SyntheticIDs bool
	// Capabilities are the server's CAPA reply (see Capabilities); don't
	// modify them.
	Capabilities pop3.Capabilities
}

// View returns Pending, SnapshotTime, SyntheticIDs and Capabilities
// together, taking the session's lock once instead of four times: a page
// that needs them all then never waits for the background indexer more
// than once. It doesn't perform I/O and is safe for concurrent use.
func (s *Session) View() View {
	st := s.hold()
	defer s.unlock()
	v := View{SnapshotTime: st.snapTime, SyntheticIDs: st.synthetic, Capabilities: st.caps}
	if len(st.pending) > 0 {
		v.Pending = st.pendingInOrder()
	}
	return v
}
