package session

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// All sessions' header indexes share one budget, Config.IndexMemory. An
// index counts what its entries and arena allocated (index.account), so
// the sum is what the indexes hold on the heap, to within the allocator's
// rounding of the entries' slice.
//
// When an index grows past the budget, the indexes of the least recently
// active sessions (their last request, state.lastSeen) are set aside,
// whole, until the sum is within it again: their memory is let go of and
// their indexers stop. Nothing else of the session changes: its snapshot,
// connection and pending deletions, which live in state and never in the
// index, stay as they were. The index is rebuilt on demand: by the next
// inbox page (Envelopes) or search of that session, which bring it back
// empty, aligned with the snapshot, and start the indexer; until it is
// complete again Search says so (SearchResult.Rebuilding), and pages
// fetch their headers as they did before there was an index.
type indexBudget struct {
	limit     int64        // Config.IndexMemory
	used      atomic.Int64 // the indexes' bytes
	evictions atomic.Int64 // indexes set aside so far
	pass      sync.Mutex   // one eviction pass at a time; taken with TryLock only
	// freed is Config.MemoryFreed, or nil.
	freed func()
}

// released tells Config.MemoryFreed that an index let go of its memory,
// or is complete, so that its garbage can go back to the system. b may be
// nil.
func (b *indexBudget) released() {
	if b != nil && b.freed != nil {
		b.freed()
	}
}

// enforceIndexBudget sets indexes aside, least recently active session
// first, while the indexes hold more than the budget. It takes no lock
// but indexes', so the caller holds none of those; it may hold a
// session's. A pass under way in another goroutine sees what was added
// before this call, since it looks again once done.
func (m *Manager) enforceIndexBudget() {
	b := &m.indexes
	for b.used.Load() > b.limit {
		if !b.pass.TryLock() {
			return
		}
		evicted := m.evictIndexes()
		b.pass.Unlock()
		if !evicted {
			return // nothing left to set aside: the rest is counted but in use
		}
	}
}

// evictIndexes is one pass of enforceIndexBudget, and reports whether it
// set any index aside. The caller holds b.pass.
func (m *Manager) evictIndexes() bool {
	b := &m.indexes
	all := m.store.all()
	slices.SortFunc(all, func(a, b *state) int { return cmp.Compare(a.lastSeen.Load(), b.lastSeen.Load()) })
	evicted := false
	for _, st := range all {
		if b.used.Load() <= b.limit {
			break
		}
		if st.idx.size.Load() == 0 {
			continue
		}
		if freed := st.idx.evict(); freed > 0 {
			evicted = true
			b.evictions.Add(1)
			m.log.Debug("session: index set aside for the memory budget", append(st.logAttrs(), "bytes", freed)...)
		}
	}
	if evicted {
		b.released()
	}
	return evicted
}

// restoreIndex brings back the index if it was set aside and starts the
// indexer to fill it again; the caller holds mu.
func (st *state) restoreIndex() {
	if st.ended || !st.idx.restore(st.pending) {
		return
	}
	st.m.log.Debug("session: rebuilding an index that was set aside", st.logAttrs()...)
	st.idxNext = len(st.msgs)
	st.startIndexer(false)
}

// wantIndex is Search's way to bring back an index that was set aside:
// at once if the session is free, or else by the request that holds it,
// when it lets go (Session.unlock). Search never waits for the session.
func (st *state) wantIndex() {
	st.idx.wanted.Store(true)
	if !st.mu.TryLock() {
		return
	}
	st.restoreIndex()
	st.mu.Unlock()
	st.m.enforceIndexBudget()
}
