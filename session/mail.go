package session

import (
	"context"
	"io"

	"popgate/pop3"
)

// maxHeaderSize cuts longer header blocks (TOP n 0): a header is read
// whole into memory before it is parsed for the index.
const maxHeaderSize = 64 << 10

// Retr sends RETR for uid and calls fn with the message's exact bytes as a
// stream, valid only until fn returns. It returns ErrNotFound for a UID not
// in the snapshot or pending deletion, or that the server no longer has.
// A connection found dead before the message started is replaced once;
// after fn has started nothing is retried, and fn's error is returned as it
// is.
func (s *Session) Retr(ctx context.Context, uid string, fn func(r io.Reader) error) error {
	st, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer s.unlock()
	var r io.Reader
	err = st.withConn(ctx, s.key, func(c *pop3.Client) error {
		i, ok := st.byUID.lookup(uid)
		if _, gone := st.pending[uid]; !ok || gone {
			return ErrNotFound
		}
		var err error
		r, err = c.Retr(ctx, st.msgs[i].Number)
		return notFoundOr(err)
	})
	if err != nil {
		return err
	}
	err = fn(r)
	st.connUsed = st.m.now()
	if st.client != nil && st.client.Err() != nil {
		st.drop()
	}
	return err
}

// Delete adds uids to the pending deletions and sends DELE for them. The
// pending set lives in the session, not in the connection: if the
// connection is lost they are marked again on the next one, and only
// sign-out (or expiry) commits them. A UID not in the snapshot makes Delete
// return ErrNotFound without changing anything; one already pending is
// ignored. If the server can't be reached the deletions stay pending and
// the error is returned.
func (s *Session) Delete(ctx context.Context, uids ...string) error {
	st, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer s.unlock()
	for _, uid := range uids {
		if _, ok := st.byUID.lookup(uid); !ok {
			return ErrNotFound
		}
	}
	var pos []int
	for _, uid := range uids {
		if _, ok := st.pending[uid]; !ok {
			st.pending[uid] = false
			p, _ := st.byUID.lookup(uid)
			pos = append(pos, p)
		}
	}
	st.visible = nil
	st.idx.setGone(pos, true)
	return st.withConn(ctx, s.key, func(*pop3.Client) error {
		_, err := st.mark(ctx)
		return err
	})
}

// Undo clears the pending deletions and sends RSET. If RSET fails, the
// connection is closed without QUIT instead, which unmarks everything just
// as well; so Undo only fails after sign-out.
func (s *Session) Undo(ctx context.Context) error {
	st, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer s.unlock()
	clear(st.pending)
	st.visible = nil
	st.idx.clearGone()
	st.idxNext = len(st.msgs) // what was pending may wait for the indexer
	st.startIndexer(false)
	if st.client == nil {
		return nil
	}
	if err := st.client.Rset(ctx); err != nil {
		st.m.log.Debug("session: RSET failed, closing instead", append(st.logAttrs(), "error", err)...)
		st.drop()
		return nil
	}
	st.connUsed = st.m.now()
	return nil
}

// Refresh takes a new snapshot, which shows mail that arrived since: it
// closes the connection without QUIT (committing nothing), signs in again
// and marks the pending deletions again by UID; those no longer on the
// server drop out of the pending set. While the server's LOGIN-DELAY forbids
// a new sign-in, Refresh returns a *LoginDelayError and keeps the current
// connection and snapshot.
func (s *Session) Refresh(ctx context.Context) error {
	st, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer s.unlock()
	// Under LOGIN-DELAY, keep the connection we have rather than lose it
	// and be refused a new one.
	if err := st.m.delays.check(delayKey(st.up, st.username), st.m.now()); err != nil {
		return err
	}
	st.drop()
	return st.withConn(ctx, s.key, func(*pop3.Client) error { return nil })
}
