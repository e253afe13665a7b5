package readstate

import "sync"

// Memory is a Store in memory: marks last as long as the process. Build it
// with NewMemory; it is safe for concurrent use and performs no I/O.
type Memory struct {
	key []byte
	mu  sync.Mutex
	m   map[string]map[string]bool // account id -> read UIDs; protected by mu
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty Memory store.
func NewMemory() *Memory {
	return &Memory{key: newKey(), m: make(map[string]map[string]bool)}
}

// Read implements Store.
func (s *Memory) Read(a Account) (map[string]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.m[string(accountID(s.key, a))]
	out := make(map[string]bool, len(set))
	for uid := range set {
		out[uid] = true
	}
	return out, nil
}

// MarkRead implements Store.
func (s *Memory) MarkRead(a Account, uids ...string) error {
	if len(uids) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := string(accountID(s.key, a))
	set := s.m[id]
	if set == nil {
		set = make(map[string]bool)
		s.m[id] = set
	}
	for _, uid := range uids {
		set[uid] = true
	}
	return nil
}

// MarkUnread implements Store.
func (s *Memory) MarkUnread(a Account, uids ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := string(accountID(s.key, a))
	for _, uid := range uids {
		delete(s.m[id], uid)
	}
	if len(s.m[id]) == 0 {
		delete(s.m, id)
	}
	return nil
}

// Prune implements Store.
func (s *Memory) Prune(a Account, keep []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := string(accountID(s.key, a))
	set := s.m[id]
	if set == nil {
		return nil
	}
	wanted := make(map[string]bool, len(keep))
	for _, uid := range keep {
		wanted[uid] = true
	}
	for uid := range set {
		if !wanted[uid] {
			delete(set, uid)
		}
	}
	if len(set) == 0 {
		delete(s.m, id)
	}
	return nil
}

// Close implements Store; the marks are dropped.
func (s *Memory) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m = make(map[string]map[string]bool)
	return nil
}
