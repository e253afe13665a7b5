package session

import (
	"context"
	"errors"
	"time"

	"popgate/pop3"
)

// signOutHow says who signs a session out, and so what signOut may do.
type signOutHow struct {
	key       []byte // the cookie's key, if the caller has it
	keep      bool   // keep the session when the commit fails (the user's sign-out)
	ifExpired bool   // only if the session is still expired (the reaper)
}

// errNotExpired is signOut's answer to the reaper about a session that a
// request renewed while the reaper waited for it.
var errNotExpired = errors.New("session: no longer expired")

// signOutTimeout bounds the commit of a user's sign-out, which runs
// detached from the request: a browser that closes the tab or a proxy that
// gives up must not cut it short (see Manager.Logout).
const signOutTimeout = time.Minute

// signOut ends the session as sign-out does: it marks what is pending on a
// live connection and sends QUIT, which commits the marks. It waits for the
// session's turn until wait ends, then works under ctx.
//
// With how.key it may sign in again to commit; without (expiry by the
// reaper, the takeover by a new sign-in, shutdown) it can only use the
// connection that is still open, or the key a request left (leaveKey).
// With how.keep (the user's sign-out) a commit that fails leaves the
// session as it was, pending deletions and all, so that the user can try
// again: err is then not nil and the session goes on. Otherwise the session
// ends anyway, and kept lists the UIDs whose deletion was not committed,
// for the caller to carry over or log. With how.ifExpired it does nothing
// (errNotExpired) unless the session is still expired once its turn came.
//
// Once it ends, the session is out of the store and wiped, and, once its
// lock is released, the Manager's users are told (RegisterOnEnd). A session
// that had ended already gives ErrNoSession.
func (st *state) signOut(wait, ctx context.Context, how signOutHow) (deleted int, kept []string, err error) {
	if err := st.mu.LockContext(wait); err != nil {
		return 0, nil, err
	}
	if st.ended {
		defer st.mu.Unlock()
		st.left.Store(nil) // a key left after the end (expire's)
		return 0, nil, ErrNoSession
	}
	defer func() {
		ended := st.ended
		st.mu.Unlock()
		if ended {
			st.m.ended(st.id) // this call ended it
		}
	}()
	if how.ifExpired && !st.expired(st.m.now()) {
		return 0, nil, errNotExpired // a request came meanwhile
	}
	key := how.key
	if key == nil {
		key = st.leftKey()
	}
	if st.expired(st.m.now()) {
		st.m.log.Info("session: expired", st.logAttrs()...)
	}
	if len(st.pending) == 0 {
		// Nothing to commit: QUIT only to be polite and release the lock
		// at once; a failure changes nothing for the user.
		if st.client != nil && st.client.Err() == nil {
			st.client.Quit(ctx)
		}
		st.end()
		st.m.log.Info("session: signed out", st.logAttrs()...)
		return 0, nil, nil
	}
	deleted, err = st.commit(ctx, key)
	if deleted > 0 && st.m.cfg.Committed != nil {
		st.m.cfg.Committed(deleted)
	}
	if err != nil {
		attrs := append(st.logAttrs(), "deleted", deleted, "pending", len(st.pending), "error", err)
		if how.keep {
			if st.m.closing.Load() {
				st.leaveKey(key) // for Close to try once more
			}
			st.m.log.Warn("session: sign-out could not commit; the session keeps its deletions", attrs...)
			return deleted, nil, err
		}
		kept = st.pendingInOrder()
		st.end()
		st.m.log.Warn("session: pending deletions were not committed", attrs...)
		return deleted, kept, err
	}
	st.end()
	st.m.log.Info("session: signed out", append(st.logAttrs(), "deleted", deleted)...)
	return deleted, nil, nil
}

// end marks the session ended, takes it out of the store and forgets what
// it held. The caller holds mu.
func (st *state) end() {
	st.ended = true
	st.m.store.remove(st.id)
	st.wipe()
}

// commit marks the pending deletions and sends QUIT, trying once more on a
// new connection (key permitting) when the connection dies on the way. That
// is safe even after a QUIT whose reply was lost: the new snapshot no
// longer lists what it removed, so those drop out of pending and only the
// rest is marked again. They count as deleted: they are gone, as the user
// asked. On success pending is empty; on failure it holds what is left.
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
					st.drop()
					return deleted + marked, nil
				}
			}
			st.drop() // the marks are void: QUIT closes the connection, a failed DELE broke it
			if isServerError(err) {
				return deleted, err // the server said no; trying again now won't help
			}
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
