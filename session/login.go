package session

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"popgate/pop3"
)

// Login is LoginFrom for a caller that serves no browser, such as a
// benchmark: its connection counts in no network's share.
func (m *Manager) Login(ctx context.Context, up Upstream, username, password string) (*Session, error) {
	return m.LoginFrom(ctx, netip.Addr{}, up, username, password)
}

// LoginFrom dials up, signs in as username and takes the snapshot (UIDL, or
// synthesized ids on a server without it, and LIST sizes). ctx bounds all of
// it. The password is kept only sealed with a new random key, which the
// returned Session carries for SetCookie; every Login makes a new session
// id. client is the browser's address: the session's connections, now and
// when it signs in again, count in the share of its ClientNetwork
// (Config.MaxConnsPerNetwork).
//
// Errors are those of package pop3 as they are (a *pop3.Error with code
// AUTH, IN-USE, LOGIN-DELAY or SYS/TEMP; timeouts; dial errors), a
// *LoginDelayError when the server's LOGIN-DELAY has not passed since this
// user's last sign-in, a *ConnLimitError (ErrTooManyConnections), or
// ErrClosed.
func (m *Manager) LoginFrom(ctx context.Context, client netip.Addr, up Upstream, username, password string) (*Session, error) {
	if m.closing.Load() {
		return nil, ErrClosed
	}
	m.signIns.Add(1)
	defer m.signIns.Add(-1)
	slot := newTicket(up, ClientNetwork(client))
	c, err := m.dial(ctx, up, username, password, slot, nil, false)
	var carried []string
	if isInUse(err) {
		var ended bool
		if ended, carried = m.signOutOthers(ctx, up, username); ended {
			if len(carried) > 0 {
				// The deletions the other session could not commit now
				// ride on this sign-in: it must not depend on the browser
				// staying connected either.
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), signOutTimeout)
				defer cancel()
			}
			c, err = m.dial(ctx, up, username, password, slot, nil, true)
		}
	}
	lost := func(err error) {
		m.signInFailed(err)
		if len(carried) > 0 {
			m.log.Error("session: deletions lost at a takeover that failed", "upstream", up.ID, "user", username, "lost", len(carried), "error", err)
		}
	}
	if err != nil {
		lost(err)
		return nil, err
	}
	key := newKey()
	st := newState()
	st.m = m
	st.up = up
	st.username = username
	st.network = slot.network
	st.keyHash = keyHash(key)
	st.created = m.now()
	st.pending = make(map[string]bool, len(carried))
	for _, uid := range carried {
		st.pending[uid] = false
	}
	st.lastSeen.Store(st.created.UnixNano())
	st.userAt.Store(monoNow())
	st.mu.Lock()
	defer st.mu.Unlock()
	st.attach(c, slot)
	if err := st.snapshot(ctx); err != nil {
		st.drop()
		lost(err)
		return nil, err
	}
	for {
		// Everything a published session is read by is set before add.
		st.id = newToken()
		st.logID = logID(st.id)
		st.sealed = seal(key, password, st.id)
		if m.store.add(st) {
			break
		}
	}
	if m.isClosed() {
		// Close may have listed the sessions before this one was added:
		// commit what was taken over, as Close would have.
		if len(st.pending) > 0 {
			if _, err := st.commit(ctx, key); err != nil {
				lost(err)
			}
		}
		st.end()
		return nil, ErrClosed
	}
	if len(st.pending) > 0 {
		st.markCarried(ctx)
	}
	m.log.Info("session: signed in", st.logAttrs()...)
	st.armed = true
	st.startIndexer(true)
	return &Session{st: st, key: key}, nil
}

// signInFailed tells Config.MemoryFreed when a failed sign-in may have
// read a great deal before it gave up: a listing over its budget, or
// whatever a server a user named sent before it was found unfit (a
// flooded capability list). Without it, a run of such sign-ins would
// leave the process's resident set high until the runtime's next
// collection, minutes later in an idle process.
func (m *Manager) signInFailed(err error) {
	if k := KindOf(err); m.cfg.MemoryFreed != nil && (k == KindListTooLarge || k == KindUnreachable) {
		m.cfg.MemoryFreed()
	}
}

// isInUse reports whether err is the server's [IN-USE]: the credentials
// were right but another session holds the mailbox.
func isInUse(err error) bool {
	var perr *pop3.Error
	return errors.As(err, &perr) && perr.HasCode(pop3.CodeInUse)
}

// signOutOthers ends the earlier popgate sessions of the same account, as
// sign-out does (their pending deletions are committed), so that a new
// sign-in from another browser or after a lost cookie gets the mailbox
// instead of [IN-USE] until they expire. [IN-USE] comes only after the
// server accepted the password, so only the account's owner can do this.
// It reports whether it ended any, and returns the UIDs whose deletion
// those sessions could not commit, for the new session to carry on: what
// the user deleted in the other browser stays deleted. The commit does not
// ride on ctx, which the browser may cancel; the wait for a session busy
// with a request (a download in the other browser) is bounded by
// takeoverWait, after which that session is left alone.
func (m *Manager) signOutOthers(ctx context.Context, up Upstream, username string) (ended bool, carried []string) {
	wait, cancelWait := context.WithTimeout(ctx, takeoverWait)
	defer cancelWait()
	commitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), signOutTimeout)
	defer cancel()
	for _, st := range m.store.all() {
		if st.up.ID != up.ID || st.up.Addr != up.Addr || st.username != username {
			continue
		}
		m.log.Info("session: signing out for a new sign-in to the same mailbox", st.logAttrs()...)
		_, kept, err := st.signOut(wait, commitCtx, signOutHow{})
		if errors.Is(err, ErrNoSession) || errors.Is(err, ErrBusy) {
			continue // ended meanwhile, or still busy
		}
		ended = true
		carried = append(carried, kept...)
	}
	return ended, carried
}

// takeoverWait bounds how long a sign-in waits for an earlier session of
// the same account to finish the request it is serving.
const takeoverWait = 10 * time.Second

// markCarried marks the deletions a new session took over from the one it
// replaced. A failure is not the sign-in's: they stay pending, and the
// next request marks them again. The caller holds mu.
func (st *state) markCarried(ctx context.Context) {
	if _, err := st.mark(ctx); err != nil {
		st.m.log.Warn("session: could not mark the deletions taken over", append(st.logAttrs(), "pending", len(st.pending), "error", err)...)
		if st.client.Err() != nil {
			st.drop()
		}
	}
}

// dial signs in to up, honouring LOGIN-DELAY and the connection caps,
// in whose counts the connection is slot. self is the session that wants a
// new connection, whose own connection must not be picked to make room;
// nil for Login. retryInUse waits for the lock of a connection popgate
// itself just closed (always so when self is set).
func (m *Manager) dial(ctx context.Context, up Upstream, username, password string, slot ticket, self *state, retryInUse bool) (*pop3.Client, error) {
	key := delayKey(up, username)
	if err := m.delays.check(key, m.now()); err != nil {
		return nil, err
	}
	if err := m.slots.acquire(m, self, slot); err != nil {
		return nil, err
	}
	for wait := inUseFirstWait; ; wait *= 2 {
		c, err := dialLogin(ctx, up, username, password)
		if err == nil {
			m.delays.record(key, m.now(), c.Capabilities())
			return c, nil
		}
		// A server that locks the mailbox holds the lock of the connection
		// we just closed until it notices; a first sign-in that finds the
		// mailbox in use, though, has met another mail program.
		if (self == nil && !retryInUse) || !isInUse(err) || wait > inUseMaxWait {
			m.slots.release(slot)
			return nil, err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			m.slots.release(slot)
			return nil, err
		}
	}
}

// How long a reconnect waits for the server to release the lock of the
// session's previous connection: 50 ms, doubling, about 3 s in all.
const (
	inUseFirstWait = 50 * time.Millisecond
	inUseMaxWait   = 2 * time.Second
)

// dialLogin connects and signs in; on failure nothing stays open. For a
// server a user named, the dial phase has UserNamedDialTimeout and its
// failures are KindUnreachable.
func dialLogin(ctx context.Context, up Upstream, username, password string) (*pop3.Client, error) {
	c, err := dialUpstream(ctx, up)
	if err != nil {
		return nil, err
	}
	if err := c.Login(ctx, username, password); err != nil {
		c.Close()
		return nil, signInError(err)
	}
	return c, nil
}

// dialUpstream is dialLogin's dial phase.
func dialUpstream(ctx context.Context, up Upstream) (*pop3.Client, error) {
	if !up.UserNamed {
		return pop3.Dial(ctx, up.Addr, &up.Options)
	}
	dctx, cancel := context.WithTimeout(ctx, UserNamedDialTimeout)
	defer cancel()
	c, err := pop3.Dial(dctx, up.Addr, &up.Options)
	if err != nil {
		return nil, &kindError{KindUnreachable, err}
	}
	return c, nil
}
