package session

import (
	"context"
	"slices"

	"popgate/pop3"
)

// Message is one message of a snapshot.
type Message struct {
	UID    string // stable id: the server's UIDL, or synthesized (see Session.SyntheticIDs)
	Number int    // message number on the session's current connection; changes on reconnect
	Size   int64  // octets as LIST reports them; advisory
}

// Session is one request's handle on a sign-in: the shared server-side
// state plus the key from the request's cookie, which lets it sign in again
// when the connection was lost. Login and Manager.FromRequest return one
// per request; don't keep it beyond the request. Its methods are safe for
// concurrent use: the ones that talk to the server take turns on the one
// connection, waiting for each other until their context ends (ErrBusy),
// and View, which doesn't, still waits for a request in progress on the
// session. After sign-out or expiry they return ErrNoSession (ErrClosed
// when shutdown ended the session).
type Session struct {
	st  *state
	key []byte
}

// ID returns the session id. It doesn't perform I/O.
func (s *Session) ID() string { return s.st.id }

// Ended reports whether the session has ended: signed out, expired, taken
// over by a new sign-in or ended by Close. It neither waits for the
// session nor performs I/O. A caller that keeps something per session id
// checks it after storing, since the session may have ended, and told
// RegisterOnEnd's functions so, before the store.
func (s *Session) Ended() bool {
	st, ok := s.st.m.store.get(s.st.id)
	return !ok || st != s.st
}

// Username returns the POP3 user name. It doesn't perform I/O.
func (s *Session) Username() string { return s.st.username }

// Upstream returns the server the session signed in to. It doesn't perform
// I/O.
func (s *Session) Upstream() Upstream { return s.st.up }

// pendingInOrder lists the pending UIDs in server order. The caller holds
// mu.
func (st *state) pendingInOrder() []string {
	out := make([]string, 0, len(st.pending))
	for uid := range st.pending {
		out = append(out, uid)
	}
	slices.SortFunc(out, func(a, b string) int {
		i, _ := st.byUID.lookup(a)
		j, _ := st.byUID.lookup(b)
		return i - j
	})
	return out
}

// Messages returns the snapshot in server order (oldest first) without the
// messages pending deletion. It makes sure the connection is alive first, so
// after a reconnect it is a new snapshot, with new mail. The slice is
// shared with the session and other requests: don't modify it (append
// copies, since its capacity is its length). A page costs no copy of a
// large mailbox's list: the list is filtered again only after a deletion,
// Undo or a new snapshot.
func (s *Session) Messages(ctx context.Context) ([]Message, error) {
	st, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer s.unlock()
	if err := st.withConn(ctx, s.key, func(*pop3.Client) error { return nil }); err != nil {
		return nil, err
	}
	return st.visibleMsgs(), nil
}

// visibleMsgs returns msgs without the pending deletions, filtered once
// per change. The caller holds mu.
func (st *state) visibleMsgs() []Message {
	if st.visible != nil {
		return st.visible
	}
	if len(st.pending) == 0 {
		st.visible = st.msgs[:len(st.msgs):len(st.msgs)]
	} else {
		out := make([]Message, 0, len(st.msgs))
		for _, m := range st.msgs {
			if _, gone := st.pending[m.UID]; !gone {
				out = append(out, m)
			}
		}
		st.visible = out[:len(out):len(out)]
	}
	return st.visible
}
