package session

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/securecookie"
)

// Manager owns the sign-in sessions and their POP3 connections. Create it
// with NewManager and stop it with Close. All methods are safe for
// concurrent use.
type Manager struct {
	cfg    Config
	log    *slog.Logger
	codec  *securecookie.SecureCookie
	store  store
	delays loginDelays
	slots  slots

	// bgCtx bounds work started without a request (reaper, expiry); Close
	// cancels it when its own deadline runs out.
	bgCtx    context.Context
	bgCancel context.CancelFunc
	stop     chan struct{} // closed by Close to stop the reaper
	reaped   chan struct{} // closed when the reaper has returned

	// indexTurns lets one background indexer batch run at a time across
	// all sessions, and signIns counts sign-ins under way, during which
	// indexers step aside: many users' indexes must not crowd a new
	// user's sign-in, nor each other, off the processors.
	indexTurns chan struct{}
	signIns    atomic.Int32
	// indexes is the budget of all header indexes (budget.go).
	indexes indexBudget

	// closing is set by BeginClose: requests then leave their keys with
	// sessions that have deletions pending (Session.unlock).
	closing atomic.Bool

	mu     sync.Mutex     // protects closed and orders wg.Add before wg.Wait
	closed bool           // Close has begun
	wg     sync.WaitGroup // background sign-outs

	onEndMu sync.Mutex
	onEnd   []func(id string) // protected by onEndMu; see RegisterOnEnd
}

// Stats is a snapshot of a Manager's load, for metrics.
type Stats struct {
	Sessions int // signed-in sessions
	Conns    int // open POP3 connections, including ones being dialed
}

// IndexStats is what the header indexes hold, for metrics.
type IndexStats struct {
	Bytes     int64 // held by all indexes together
	Budget    int64 // Config.IndexMemory
	Evictions int64 // indexes set aside to stay within Budget since NewManager
}

// NewManager returns a Manager for cfg and starts its reaper goroutine,
// which ends idle and expired sessions and closes or keeps alive idle
// connections until Close. It panics if cfg.Validate fails.
func NewManager(cfg Config) *Manager {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.withDefaults()
	hashKey, blockKey := cfg.HashKey, cfg.BlockKey
	if hashKey == nil {
		hashKey = securecookie.GenerateRandomKey(32)
	}
	if blockKey == nil {
		blockKey = securecookie.GenerateRandomKey(32)
	}
	codec := securecookie.New(hashKey, blockKey)
	codec.SetSerializer(securecookie.JSONEncoder{})
	codec.MaxAge(int((cfg.MaxLifetime + time.Second - 1) / time.Second))
	m := &Manager{
		cfg:    cfg,
		log:    cfg.Logger,
		codec:  codec,
		store:  newMemStore(),
		stop:   make(chan struct{}),
		reaped: make(chan struct{}),

		indexTurns: make(chan struct{}, 1),
	}
	m.slots.lim = newConnLimits(cfg)
	m.indexes.limit, m.indexes.freed = cfg.IndexMemory, cfg.MemoryFreed
	m.bgCtx, m.bgCancel = context.WithCancel(context.Background())
	go m.reaper()
	return m
}

func (m *Manager) now() time.Time { return m.cfg.Now() }

// Logout signs s out: it marks the pending deletions on the connection
// (signing in again with the key s carries if the connection was lost) and
// sends QUIT, which commits them. deleted is the number of messages the
// server removed. Once signed out the session is gone: its id and sealed
// password are forgotten and its cookie gives ErrNoSession, as does a
// second Logout.
//
// ctx bounds only the wait for the session's turn (ErrBusy when it ends
// first; nothing changed). The commit itself does not ride on ctx: a
// browser that goes away mid-sign-out must not lose the deletions, so it
// runs to its own deadline (signOutTimeout) whatever becomes of ctx. When
// it fails, the session stays signed in with its deletions pending and
// Logout returns the error: the user can try again.
func (m *Manager) Logout(ctx context.Context, s *Session) (deleted int, err error) {
	commitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), signOutTimeout)
	defer cancel()
	deleted, _, err = s.st.signOut(ctx, commitCtx, signOutHow{key: s.key, keep: true})
	return deleted, err
}

// BeginClose makes Login fail with ErrClosed and has requests still in
// flight leave their cookie's key with a session that has deletions
// pending, so that Close can sign in again to commit them when the
// request's end (cancelled at shutdown, say) cost the connection. Call it
// before draining the HTTP server; Close calls it too.
func (m *Manager) BeginClose() {
	m.closing.Store(true)
}

// Close stops the reaper and signs every session out as Logout does, but
// with no key other than those requests left since BeginClose: pending
// deletions are committed on the connections that are still open, or on
// new ones where a key was left, and logged as lost where neither is
// possible. Waiting for a busy session, like everything else, ends with
// ctx; Close then returns ctx's error, after aborting what was left.
// Login fails with ErrClosed from the start of Close on.
func (m *Manager) Close(ctx context.Context) error {
	m.BeginClose()
	m.mu.Lock()
	already := m.closed
	m.closed = true
	m.mu.Unlock()
	if already {
		return nil
	}
	close(m.stop)
	stopBg := context.AfterFunc(ctx, m.bgCancel)
	defer stopBg()
	<-m.reaped
	var wg sync.WaitGroup
	for _, st := range m.store.all() {
		wg.Go(func() {
			_, kept, err := st.signOut(ctx, ctx, signOutHow{})
			switch {
			case errors.Is(err, ErrNoSession):
			case len(kept) > 0:
				m.log.Error("session: deletions lost at shutdown", append(st.logAttrs(), "lost", len(kept), "error", err)...)
			case errors.Is(err, ErrBusy):
				m.log.Error("session: still busy when shutdown ran out of time; its pending deletions, if any, are lost", append(st.logAttrs(), "error", err)...)
			case err != nil:
				m.log.Warn("session: sign-out at shutdown failed", append(st.logAttrs(), "error", err)...)
			}
		})
	}
	wg.Wait()
	m.wg.Wait()
	m.bgCancel()
	return ctx.Err()
}

// RegisterOnEnd registers f to be called with the id of each session once
// it has ended, whichever way: sign-out, idle or absolute expiry, the
// takeover by a new sign-in of the same account, or Close. It is for a
// layer that keeps something per session id, so that it can let go of it
// then. f is called once per session that Login returned, after the
// session let go of its lock, in the goroutine that ended it (a request's,
// the reaper's, Login's or Close's): it must be quick and safe for
// concurrent use. Register before the first Login. RegisterOnEnd doesn't
// perform I/O.
func (m *Manager) RegisterOnEnd(f func(id string)) {
	m.onEndMu.Lock()
	defer m.onEndMu.Unlock()
	m.onEnd = append(m.onEnd, f)
}

// ended tells the functions RegisterOnEnd registered that session id has
// ended. The caller holds no session's lock.
func (m *Manager) ended(id string) {
	m.onEndMu.Lock()
	fs := m.onEnd
	m.onEndMu.Unlock()
	for _, f := range fs {
		f(id)
	}
}

// Stats returns the number of sessions and of open POP3 connections. It
// doesn't perform I/O.
func (m *Manager) Stats() Stats {
	return Stats{Sessions: m.store.len(), Conns: m.slots.count()}
}

// IndexStats returns what the header indexes hold against their budget.
// It doesn't perform I/O.
func (m *Manager) IndexStats() IndexStats {
	return IndexStats{Bytes: m.indexes.used.Load(), Budget: m.indexes.limit, Evictions: m.indexes.evictions.Load()}
}

func (m *Manager) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// goBackground runs fn in a goroutine that Close waits for, and reports
// false without running it once Close has begun.
func (m *Manager) goBackground(fn func(ctx context.Context)) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.wg.Go(func() {
		ctx, cancel := context.WithTimeout(m.bgCtx, backgroundTimeout)
		defer cancel()
		fn(ctx)
	})
	return true
}
