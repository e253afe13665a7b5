package session

import "sync"

// store holds the server side of the sessions by id, in this process. It
// cannot be swapped for a store that several replicas share: a state holds
// a live POP3 connection, the mutex that serializes it and the header index,
// which exist only in the process that signed the user in, so replicas
// would need a load balancer that keeps each session on one of them. The
// interface names what the Manager needs of the map; memStore is the only
// implementation.
type store interface {
	// add stores st under st.id and reports false, storing nothing, if the
	// id is taken.
	add(st *state) bool
	get(id string) (*state, bool)
	// remove deletes id and reports whether it was there, so that of two
	// callers ending the same session only one goes on to sign it out.
	remove(id string) bool
	all() []*state
	len() int
}

// memStore is a store in a map. It is safe for concurrent use; its mutex is
// never held while another lock is taken. Every request looks its session
// up here, so lookups share a read lock: with one plain mutex, 50 users'
// requests on two cores queued behind each other for milliseconds.
type memStore struct {
	mu sync.RWMutex
	m  map[string]*state // protected by mu
}

func newMemStore() *memStore { return &memStore{m: make(map[string]*state)} }

func (s *memStore) add(st *state) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.m[st.id]; taken {
		return false
	}
	s.m[st.id] = st
	return true
}

func (s *memStore) get(id string) (*state, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st, ok := s.m[id]
	return st, ok
}

func (s *memStore) remove(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[id]
	delete(s.m, id)
	return ok
}

func (s *memStore) all() []*state {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*state, 0, len(s.m))
	for _, st := range s.m {
		out = append(out, st)
	}
	return out
}

func (s *memStore) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}
