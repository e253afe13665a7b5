package session

import (
	"sync"
	"time"
)

// slots counts open POP3 connections against Config.MaxConns. A slot is
// held from the start of a dial until the connection is closed: by
// state.drop, or handed over when evict closes a victim's connection for a
// newcomer. It is safe for concurrent use.
//
// Lock order: a session's mu may be held while taking slots.mu, never the
// other way round; evict only TryLocks sessions, so it can't deadlock.
type slots struct {
	mu   sync.Mutex
	max  int // set once by NewManager
	open int // protected by mu
}

// acquire takes a slot, closing the least recently used idle connection
// when all are taken. self, if not nil, is never picked: its owner holds its
// lock.
func (s *slots) acquire(m *Manager, self *state) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open < s.max {
		s.open++
		return nil
	}
	if evict(m, self) {
		return nil // the victim's slot is now ours
	}
	return ErrTooManyConnections
}

func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open--
}

func (s *slots) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// evict closes, without QUIT, the least recently used connection that no
// request is using and whose session can do without it: one with pending
// deletions or under LOGIN-DELAY must keep its connection, or expiry could
// not commit the deletions and the next request could not sign in again.
// It reports whether it closed one; the caller inherits the slot.
func evict(m *Manager, self *state) bool {
	for range 3 { // the victim picked may get busy before we take it
		var victim *state
		var victimUsed time.Time
		for _, st := range m.store.all() {
			if st == self {
				continue
			}
			if used, ok := st.idleSince(); ok && (victim == nil || used.Before(victimUsed)) {
				victim, victimUsed = st, used
			}
		}
		if victim == nil {
			return false
		}
		if victim.tryEvict() {
			return true
		}
	}
	return false
}
