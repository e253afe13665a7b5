package session

import (
	"context"
	"sync"
	"time"
)

// reaperWorkers bounds the sessions the reaper handles at once, so that one
// unresponsive server delays the others by no more than its own timeouts.
const reaperWorkers = 16

// reapLockWait bounds how long the reaper waits for an expired session
// that is busy with a request.
const reapLockWait = time.Second

// reaper runs reap every reapInterval until Close.
func (m *Manager) reaper() {
	defer close(m.reaped)
	t := time.NewTicker(m.cfg.reapInterval())
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.reap()
		}
	}
}

// reap ends expired sessions as sign-out does and deals with connections
// idle for ConnIdleTimeout, and returns when all of that is done.
func (m *Manager) reap() {
	now := m.now()
	m.delays.prune(now)
	sem := make(chan struct{}, reaperWorkers)
	var wg sync.WaitGroup
	for _, st := range m.store.all() {
		var work func(ctx context.Context)
		switch {
		case st.expired(now):
			work = func(ctx context.Context) {
				// A session busy with a request (a long download past the
				// absolute lifetime) waits for the next round rather than
				// hold up the others.
				wait, cancel := context.WithTimeout(ctx, reapLockWait)
				defer cancel()
				st.signOut(wait, ctx, signOutHow{ifExpired: true})
			}
		case st.connIdle(now):
			work = st.idleConn
		default:
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(m.bgCtx, backgroundTimeout)
			defer cancel()
			work(ctx)
		})
	}
	wg.Wait()
}

// connIdle reports, without waiting for a busy session, whether its
// connection has been idle for ConnIdleTimeout.
func (st *state) connIdle(now time.Time) bool {
	if !st.mu.TryLock() {
		return false // in use, so not idle
	}
	defer st.mu.Unlock()
	return st.client != nil && now.Sub(st.connUsed) >= st.m.cfg.ConnIdleTimeout
}

// idleConn closes an idle connection without QUIT, which commits nothing
// and releases the server's mailbox lock for the user's other mail
// programs. A session with pending deletions, or on a server with
// LOGIN-DELAY, keeps it alive with NOOP instead: without the cookie's key
// the reaper could not sign in again to commit the deletions at expiry,
// and the user's next request could not sign in again soon.
func (st *state) idleConn(ctx context.Context) {
	if !st.mu.TryLock() {
		return // in use again, so not idle
	}
	defer st.mu.Unlock()
	now := st.m.now()
	if st.ended || st.client == nil || now.Sub(st.connUsed) < st.m.cfg.ConnIdleTimeout {
		return // used or closed meanwhile
	}
	if len(st.pending) == 0 && st.delay == 0 {
		st.drop()
		st.m.log.Debug("session: idle connection closed", st.logAttrs()...)
		return
	}
	if err := st.client.Noop(ctx); err != nil {
		st.drop()
		st.m.log.Warn("session: kept-alive connection lost",
			append(st.logAttrs(), "pending", len(st.pending), "error", err)...)
		return
	}
	st.connUsed = st.m.now()
}
