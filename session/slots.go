package session

import (
	"net/netip"
	"sync"
	"time"
)

// ticket names the counters one POP3 connection occupies: the mail
// server's, its browser's network's, and the share of servers users named.
// It is a plain value.
type ticket struct {
	server    string       // Upstream.ServerKey
	userNamed bool         // Upstream.UserNamed
	network   netip.Prefix // ClientNetwork of the browser; invalid when unknown
}

// newTicket returns the ticket of a connection to up for a browser in
// network.
func newTicket(up Upstream, network netip.Prefix) ticket {
	return ticket{server: up.ServerKey(), userNamed: up.UserNamed, network: network}
}

// ClientNetwork returns the network a browser's address stands for, the
// unit that per-network caps count: its /24 for IPv4 (an IPv4-mapped IPv6
// address counting as IPv4), its /64 for IPv6, which is what one
// subscriber line or one site is commonly given. An invalid address gives
// an invalid prefix. It doesn't perform I/O.
func ClientNetwork(addr netip.Addr) netip.Prefix {
	addr = addr.Unmap()
	bits := 64
	if addr.Is4() {
		bits = 24
	}
	p, _ := addr.Prefix(bits)
	return p
}

// connLimits are the caps of slots, filled in from Config by NewManager.
type connLimits struct {
	total              int // Config.MaxConns
	perNetwork         int // Config.MaxConnsPerNetwork
	perServer          int // Config.MaxConnsPerServer
	userNamed          int // Config.MaxConnsUserNamed
	perUserNamedServer int // a quarter of userNamed, within perServer
}

func newConnLimits(c Config) connLimits {
	return connLimits{
		total:              c.MaxConns,
		perNetwork:         c.MaxConnsPerNetwork,
		perServer:          c.MaxConnsPerServer,
		userNamed:          c.MaxConnsUserNamed,
		perUserNamedServer: min(c.MaxConnsPerServer, max(1, c.MaxConnsUserNamed/4)),
	}
}

// slots counts open POP3 connections against the caps of connLimits: in
// all, per mail server, per browser network, and for the servers users
// named, together. A slot is held from the start of a dial until the
// connection is closed: by state.drop, or when evict closes a victim's
// connection to make room for a newcomer. It is safe for concurrent use.
//
// The caps are what keeps one party from taking every connection: a
// hostile server that announces LOGIN-DELAY, whose sessions hold their
// connection (see state.evictable), can fill at most its server's share
// of the share of servers users name, and a browser network at most its
// own share, so the people signing in to a listed server always find room.
//
// Lock order: a session's mu may be held while taking slots.mu, never the
// other way round; evict only TryLocks sessions, so it can't deadlock.
type slots struct {
	mu        sync.Mutex
	lim       connLimits // set once by NewManager
	open      int        // every field from here on is protected by mu
	userNamed int
	byServer  map[string]int
	byNetwork map[netip.Prefix]int
}

// ConnLimit says which cap a sign-in or reconnect met (ConnLimitError).
type ConnLimit int

const (
	// LimitTotal is Config.MaxConns.
	LimitTotal ConnLimit = iota
	// LimitNetwork is Config.MaxConnsPerNetwork: the browser's network
	// (ClientNetwork) holds its share.
	LimitNetwork
	// LimitServer is Config.MaxConnsPerServer, or a server's share of
	// Config.MaxConnsUserNamed for a server a user named.
	LimitServer
	// LimitUserNamed is Config.MaxConnsUserNamed: the servers users named
	// hold their share together.
	LimitUserNamed
)

// full returns the caps that leave t no room, as a set of 1<<ConnLimit
// bits; 0 when t fits. The caller holds mu.
func (s *slots) full(t ticket) uint8 {
	var f uint8
	if s.open >= s.lim.total {
		f |= 1 << LimitTotal
	}
	if t.network.IsValid() && s.byNetwork[t.network] >= s.lim.perNetwork {
		f |= 1 << LimitNetwork
	}
	perServer := s.lim.perServer
	if t.userNamed {
		perServer = s.lim.perUserNamedServer
		if s.userNamed >= s.lim.userNamed {
			f |= 1 << LimitUserNamed
		}
	}
	if s.byServer[t.server] >= perServer {
		f |= 1 << LimitServer
	}
	return f
}

// frees reports whether closing the connection of victim makes room in
// every cap of full for t.
func frees(victim, t ticket, full uint8) bool {
	return (full&(1<<LimitNetwork) == 0 || victim.network == t.network) &&
		(full&(1<<LimitServer) == 0 || victim.server == t.server) &&
		(full&(1<<LimitUserNamed) == 0 || victim.userNamed)
}

// add counts t in (n = 1) or out (n = -1). The caller holds mu.
func (s *slots) add(t ticket, n int) {
	if s.byServer == nil {
		s.byServer = make(map[string]int)
		s.byNetwork = make(map[netip.Prefix]int)
	}
	s.open += n
	if t.userNamed {
		s.userNamed += n
	}
	count(s.byServer, t.server, n)
	if t.network.IsValid() {
		count(s.byNetwork, t.network, n)
	}
}

// count adds n to m[k], forgetting keys that reach zero so that the maps
// hold only servers and networks with a connection open.
func count[K comparable](m map[K]int, k K, n int) {
	if v := m[k] + n; v > 0 {
		m[k] = v
	} else {
		delete(m, k)
	}
}

// acquire takes a slot for t. When a cap is reached it closes the least
// recently used idle connection whose closing makes room; self, if not nil,
// is never picked: its owner holds its lock. It returns a *ConnLimitError
// when no connection can be closed.
func (s *slots) acquire(m *Manager, self *state, t ticket) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if full := s.full(t); full != 0 {
		// Every connection counts in the total, so one victim that is
		// in every full cap of t's makes room in all of them.
		victim, ok := evict(m, self, t, full)
		if !ok {
			return &ConnLimitError{Limit: narrowest(full)}
		}
		s.add(victim, -1)
	}
	s.add(t, 1)
	return nil
}

// narrowest picks, of the caps in full, the one to tell the user about:
// the one closest to them.
func narrowest(full uint8) ConnLimit {
	for _, l := range []ConnLimit{LimitNetwork, LimitServer, LimitUserNamed} {
		if full&(1<<l) != 0 {
			return l
		}
	}
	return LimitTotal
}

func (s *slots) release(t ticket) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(t, -1)
}

func (s *slots) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// evict closes, without QUIT, the least recently used connection that no
// request is using, whose session can do without it (state.evictable) and
// whose closing makes room for t in the caps of full. It returns the
// ticket of the connection it closed.
func evict(m *Manager, self *state, t ticket, full uint8) (ticket, bool) {
	for range 3 { // the victim picked may get busy before we take it
		var victim *state
		var victimUsed time.Time
		for _, st := range m.store.all() {
			if st == self {
				continue
			}
			used, vt, ok := st.idleSince()
			if ok && frees(vt, t, full) && (victim == nil || used.Before(victimUsed)) {
				victim, victimUsed = st, used
			}
		}
		if victim == nil {
			return ticket{}, false
		}
		if vt, ok := victim.tryEvict(); ok {
			return vt, true
		}
	}
	return ticket{}, false
}
