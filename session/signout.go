package session

import (
	"context"
	"errors"

	"popgate/pop3"
)

// signOut ends the session as sign-out does: it marks what is pending on a
// live connection and sends QUIT, which commits the marks. With key it may
// sign in again to do so; without (the reaper, shutdown) it can only use
// the connection that is still open, and logs the deletions it had to
// give up. The caller has removed the session from the store. Afterwards
// the session is wiped whatever happened.
func (st *state) signOut(ctx context.Context, key []byte) (deleted int, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return 0, ErrNoSession
	}
	st.ended = true
	defer st.wipe()
	if len(st.pending) == 0 {
		// Nothing to commit: QUIT only to be polite and release the lock
		// at once; a failure changes nothing for the user.
		if st.client != nil && st.client.Err() == nil {
			st.client.Quit(ctx)
		}
		st.m.log.Info("session: signed out", st.logAttrs()...)
		return 0, nil
	}
	deleted, err = st.commit(ctx, key)
	if deleted > 0 && st.m.cfg.Committed != nil {
		st.m.cfg.Committed(deleted)
	}
	if err != nil {
		st.m.log.Warn("session: pending deletions were not committed",
			append(st.logAttrs(), "pending", len(st.pending), "error", err)...)
		return deleted, err
	}
	st.m.log.Info("session: signed out", append(st.logAttrs(), "deleted", deleted)...)
	return deleted, nil
}

// commit marks the pending deletions and sends QUIT, trying once more on a
// new connection (key permitting) when the connection dies on the way. That
// is safe even after a QUIT whose reply was lost: the new snapshot no
// longer lists what it removed, so those drop out of pending and only the
// rest is marked again. They count as deleted: they are gone, as the user
// asked.
func (st *state) commit(ctx context.Context, key []byte) (deleted int, err error) {
	for attempt := 0; ; attempt++ {
		before := len(st.pending)
		c, err := st.ensure(ctx, key)
		if err == nil {
			deleted += before - len(st.pending) // vanished since the last snapshot
			var marked int
			marked, err = st.mark(ctx)
			if err == nil {
				err = c.Quit(ctx)
				if err == nil {
					if refused := len(st.pending) - marked; refused > 0 {
						st.m.log.Warn("session: server refused some deletions", append(st.logAttrs(), "refused", refused)...)
					}
					clear(st.pending)
					return deleted + marked, nil
				}
				if isServerError(err) {
					return deleted, err // the server said no; trying again won't help
				}
			}
			st.drop()
		}
		var broken *pop3.BrokenError
		if attempt > 0 || key == nil || ctx.Err() != nil || !errors.As(err, &broken) {
			return deleted, err
		}
	}
}

// isServerError reports whether err is a -ERR reply.
func isServerError(err error) bool {
	var perr *pop3.Error
	return errors.As(err, &perr)
}
