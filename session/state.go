package session

import (
	"crypto/sha256"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"popgate/pop3"
)

// state is the server side of one sign-in, shared by all requests that
// bring its cookie. It never holds the clear password or the key that
// unseals it.
type state struct {
	m        *Manager
	id       string // set once by Login before the state is shared
	logID    string
	up       Upstream
	username string
	network  netip.Prefix // ClientNetwork of the browser that signed in
	keyHash  [sha256.Size]byte
	created  time.Time

	// left is a cookie's key that a request left with the session for
	// whoever ends it without one (see leaveKey). It is read without mu.
	left atomic.Pointer[[]byte]

	// lastSeen is the time of the last request (unix ns): the web session's
	// idle timer, read by the reaper without waiting for mu.
	lastSeen atomic.Int64

	// mu protects every field below and serializes use of client: POP3 is
	// one command at a time, and two tabs must not interleave theirs.
	mu        turn
	ended     bool              // signed out or expired; requests get ErrNoSession
	sealed    []byte            // the password, sealed with the cookie's key
	client    *pop3.Client      // nil while no connection is open
	slot      ticket            // the slot client occupies
	connUsed  time.Time         // end of the last exchange on client
	delay     time.Duration     // LOGIN-DELAY of the current or last connection
	caps      pop3.Capabilities // of the current or last connection
	msgs      []Message         // snapshot of the current or last connection
	byUID     uidIndex          // UID -> index in msgs
	snapTime  time.Time
	synthetic bool
	// pending holds the UIDs the user deleted; the value says whether DELE
	// succeeded for it on the current connection.
	pending map[string]bool
	// visible caches msgs without pending (Messages); nil after a change.
	visible []Message

	// The header index and its background builder (index.go, indexer.go).
	// idx has its own lock; the fields from armed on are protected by mu.
	idx          index
	idxStop      chan struct{} // closed when the session ends
	idxStart     chan struct{} // closed by the first page or search
	idxStartOnce sync.Once
	idxWake      chan struct{} // a user request let go of mu (capacity 1)
	userWaiting  atomic.Int32  // user requests waiting for mu
	userAt       atomic.Int64  // monoNow when a user request last let go of mu
	armed        bool          // Login finished: snapshots may start the indexer
	indexing     atomic.Bool   // the indexer goroutine runs; set under mu (but see runIndexer)
	idxNext      int           // the indexer looks for work below this position
}

// newState returns a state with its channels made.
func newState() *state {
	return &state{
		mu:       newTurn(),
		idxStop:  make(chan struct{}),
		idxStart: make(chan struct{}),
		idxWake:  make(chan struct{}, 1),
	}
}

// logAttrs identifies the session in logs without secrets.
func (st *state) logAttrs() []any {
	return []any{"session", st.logID, "upstream", st.up.ID, "user", st.username}
}

// leaveKey keeps a request's cookie key with the session, for the
// sign-out that ends it without one: Close, when the request was cut short
// at shutdown, or the reaper, racing the sign-out that an expired
// session's request started. Only then is the key kept server-side, and
// only until the session ends (wipe forgets it; a session busy with a
// download ends after it); without it, a session whose connection was lost
// could not commit its deletions.
func (st *state) leaveKey(key []byte) { st.left.Store(&key) }

// leftKey returns the key a request left, or nil.
func (st *state) leftKey() []byte {
	if k := st.left.Load(); k != nil {
		return *k
	}
	return nil
}

// touch restarts the web session's idle timer.
func (st *state) touch() { st.lastSeen.Store(st.m.now().UnixNano()) }

// expired reports whether the web session outlived IdleTimeout or
// MaxLifetime at now.
func (st *state) expired(now time.Time) bool {
	idle := now.Sub(time.Unix(0, st.lastSeen.Load()))
	return idle > st.m.cfg.IdleTimeout || now.Sub(st.created) > st.m.cfg.MaxLifetime
}

// attach makes c the session's connection. The caller holds mu and the
// slot t that c occupies.
func (st *state) attach(c *pop3.Client, t ticket) {
	st.client = c
	st.slot = t
	st.connUsed = st.m.now()
	st.caps = c.Capabilities()
	st.delay = loginDelay(st.caps)
	for uid := range st.pending {
		st.pending[uid] = false
	}
}

// closeConn closes the connection without QUIT: the server commits nothing
// and releases its lock. The caller holds mu and keeps the slot.
func (st *state) closeConn() {
	if st.client == nil {
		return
	}
	st.client.Close()
	st.client = nil
	for uid := range st.pending {
		st.pending[uid] = false // the marks died with the connection
	}
}

// drop is closeConn that also gives the slot back. The caller holds mu.
func (st *state) drop() {
	if st.client != nil {
		st.closeConn()
		st.m.slots.release(st.slot)
	}
}

// wipe forgets everything after sign-out. The caller holds mu.
func (st *state) wipe() {
	st.drop()
	clear(st.sealed)
	st.sealed, st.msgs, st.byUID, st.pending = nil, nil, uidIndex{}, nil
	st.left.Store(nil)
	st.visible = nil
	st.idx.wipe()
	if st.armed {
		st.armed = false
		close(st.idxStop)
	}
}

// evictable reports whether the connection may be closed to make room: it
// is open and the session needs it for neither pending deletions nor
// LOGIN-DELAY. The caller holds mu.
//
// A session to a server a user named is evictable under LOGIN-DELAY all
// the same: that server may be the attacker's own, announcing the delay
// only so that its sessions hold their connections. Its user, if real,
// finds the sign-in delayed on the next request and is told how long.
func (st *state) evictable() bool {
	return st.client != nil && !st.ended && len(st.pending) == 0 &&
		(st.delay == 0 || st.up.UserNamed)
}

// idleSince reports, without waiting for a busy session, whether its
// connection could be evicted, when it was last used and the slot it
// holds.
func (st *state) idleSince() (time.Time, ticket, bool) {
	if !st.mu.TryLock() {
		return time.Time{}, ticket{}, false
	}
	defer st.mu.Unlock()
	return st.connUsed, st.slot, st.evictable()
}

// tryEvict closes the connection if it is still evictable and not in use,
// and returns the slot it held, for the caller to count out: the caller
// holds slots.mu.
func (st *state) tryEvict() (ticket, bool) {
	if !st.mu.TryLock() {
		return ticket{}, false
	}
	defer st.mu.Unlock()
	if !st.evictable() {
		return ticket{}, false
	}
	st.closeConn()
	st.m.log.Debug("session: connection closed to make room", st.logAttrs()...)
	return st.slot, true
}
