package session

import (
	"context"
	"io"
	"time"

	"popgate/pop3"
)

// The background indexer fills the header index with pipelined TOP n 0,
// newest message first, on the session's own connection. The user comes
// first, and the connection is shared like this:
//
//   - It starts once the first inbox page has its headers (or a first
//     Search asks), or Config.IndexAfter after sign-in at the latest, so
//     that sign-in and the first page never wait for it.
//   - It takes the session's lock for one batch at a time and lets go in
//     between. Batches are sized to take about indexBatchTarget, so a
//     request that arrives during one waits that long at most.
//   - Before each batch it steps aside while a request waits for the lock
//     (userWaiting) and until indexGrace has passed since a request last
//     held it, so that the several steps of one page are never split by a
//     batch. A user who keeps clicking slows the index down to one batch
//     per indexMaxYield, so that it still completes; Search, which does
//     not use the connection, doesn't slow it at all.
//   - Across sessions, one batch runs at a time, and none starts while a
//     sign-in is under way (but for overdue ones): a busy server's indexes
//     take at most a share of the processors, and a new user's sign-in
//     and first page don't queue behind them. It never waits for a
//     session's lock while it holds the turn: when a request holds the
//     session (a download may take half an hour), it hands the turn back
//     and waits for that request to let go.
//   - It never signs in: the password's key lives only in the cookie. When
//     the connection is gone (idle, evicted, dropped) it stops, and the
//     next request that reconnects starts it again from where it was,
//     since entries are kept by UID.
//   - It stops for good when the session ends (sign-out, expiry, Close,
//     which waits for it) and when the index is complete or full; a new
//     snapshot with new UIDs (Refresh) starts it again for those only.
const (
	indexBatchMin    = 10
	indexBatchFirst  = 25
	indexBatchMax    = 200
	indexBatchTarget = 5 * time.Millisecond
	indexGrace       = 20 * time.Millisecond
	indexMaxYield    = 100 * time.Millisecond
	// indexBatchTimeout bounds one batch on a server that stalls.
	indexBatchTimeout = 30 * time.Second
)

// monoEpoch anchors userAt to the monotonic clock: the indexer's pauses
// are real time, whatever Config.Now says.
var monoEpoch = time.Now()

func monoNow() int64 { return int64(time.Since(monoEpoch)) }

// lock waits for the session's turn for a user's request until ctx ends,
// and returns the state, or ErrNoSession if the session ended meanwhile
// (ErrClosed if shutdown ended it);
// the caller must defer s.unlock(). Counting the waiters is what makes
// the indexer step aside.
func (s *Session) lock(ctx context.Context) (*state, error) {
	st := s.st
	st.userWaiting.Add(1)
	err := st.mu.LockContext(ctx)
	st.userWaiting.Add(-1)
	if err != nil {
		return nil, err
	}
	if st.ended {
		s.unlock()
		if st.m.closing.Load() {
			return nil, ErrClosed // shutdown ended it, not the user
		}
		return nil, ErrNoSession
	}
	return st, nil
}

// unlock ends a user's turn on the session and lets a waiting indexer
// know. Once the Manager is closing, the request leaves its cookie's key
// with a session that has deletions pending, so that Close can sign in
// again to commit them if the connection is lost meanwhile (a request
// cancelled at shutdown breaks it). An index that Search asked back
// while the request held the session is restored first.
func (s *Session) unlock() {
	st := s.st
	if !st.ended && len(st.pending) > 0 && st.m.closing.Load() {
		st.leaveKey(s.key)
	}
	wanted := st.idx.wanted.Load()
	if wanted {
		st.restoreIndex()
	}
	st.userAt.Store(monoNow())
	st.mu.Unlock()
	if wanted {
		st.m.enforceIndexBudget()
	}
	select {
	case st.idxWake <- struct{}{}:
	default:
	}
}

// startSignal lets an indexer waiting for the first page begin.
func (st *state) startSignal() {
	st.idxStartOnce.Do(func() { close(st.idxStart) })
}

// startIndexer starts the indexer goroutine unless it runs, the session is
// not armed (Login has not finished) or ended, indexing is off, or there is
// nothing to do. first makes it wait for the first page. The caller holds
// mu.
func (st *state) startIndexer(first bool) {
	if !st.armed || st.ended || st.indexing.Load() || st.m.cfg.NoIndex || !st.topWorks() || !st.indexWork() {
		return
	}
	st.indexing.Store(true)
	if !st.m.goIndexer(func(ctx context.Context) { st.runIndexer(ctx, first) }) {
		st.indexing.Store(false)
	}
}

// topWorks reports whether the connection, if any, has a TOP that works:
// without it TopMany falls back to RETR, and the indexer would download
// the whole mailbox (and, on Gmail, mark every message as popped). The
// inbox still works without TOP, page by page. The caller holds mu.
func (st *state) topWorks() bool {
	if st.client == nil {
		return true // to be seen on the next connection
	}
	return st.client.SupportsTop() && (st.caps == nil || st.caps.Has("TOP"))
}

// indexWork reports whether some entry below idxNext waits for the
// indexer. The caller holds mu.
func (st *state) indexWork() bool {
	x := &st.idx
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.full {
		return false
	}
	for i := min(st.idxNext, len(x.entries)) - 1; i >= 0; i-- {
		if x.entries[i].flags&(fIndexed|fGone) == 0 {
			return true
		}
	}
	return false
}

// runIndexer is the indexer goroutine.
func (st *state) runIndexer(ctx context.Context, first bool) {
	var stop batchEnd
	var stoppedOn *pop3.Client
	defer func() {
		if err := st.mu.LockContext(ctx); err != nil {
			st.indexing.Store(false) // Close ran out of time; nothing to restart
			return
		}
		defer st.mu.Unlock()
		st.indexing.Store(false)
		// Work may have come while it was on its way out (Refresh, Undo,
		// a reconnect): start again rather than leave it undone. After a
		// lost connection, only once a request has opened another.
		if stop == batchDone || (st.client != nil && st.client != stoppedOn) {
			st.startIndexer(false)
		}
	}()
	if first {
		t := time.NewTimer(st.m.cfg.IndexAfter)
		select {
		case <-st.idxStart:
		case <-t.C:
		case <-st.idxStop:
		}
		t.Stop()
	}
	batch := indexBatchFirst
	for {
		overdue, ok := st.yield()
		if !ok {
			return
		}
		if !st.m.takeIndexTurn(ctx, st.idxStop) {
			return
		}
		var took time.Duration
		var n int
		took, n, stop, stoppedOn = st.indexBatch(ctx, batch, overdue)
		<-st.m.indexTurns
		st.m.enforceIndexBudget()
		if stop == batchBusy {
			// A long request (a download) holds the session: wait for it
			// to end without holding the turn, which other sessions'
			// indexes need meanwhile. Only a user's request wakes the
			// indexer when it lets go; the reaper or an eviction holds
			// the session only for a moment, which the timer covers.
			t := time.NewTimer(indexMaxYield)
			select {
			case <-st.idxWake:
			case <-t.C:
			case <-st.idxStop:
				t.Stop()
				return
			case <-ctx.Done():
				t.Stop()
				return
			}
			t.Stop()
			continue
		}
		if stop != batchMore {
			return
		}
		switch per := took / time.Duration(max(n, 1)); {
		case n == 0:
		case per <= 0:
			batch = indexBatchMax
		default:
			batch = min(indexBatchMax, max(indexBatchMin, int(indexBatchTarget/per)))
		}
	}
}

// batchEnd says whether the indexer goes on after a batch.
type batchEnd int

const (
	batchMore   batchEnd = iota
	batchDone            // complete or full: nothing it can do
	batchPaused          // no connection, or it failed: wait for a request's
	batchEnded           // the session ended
	batchBusy            // a request holds the session: wait until it lets go
)

// yield waits until no request waits for or recently held the session,
// but no longer than indexMaxYield: a user (or a script) who never pauses
// must not stop the index for good, so then it is overdue and takes one
// batch anyway. It reports false when the session ended meanwhile.
func (st *state) yield() (overdue, ok bool) {
	deadline := time.Now().Add(indexMaxYield)
	for {
		select {
		case <-st.idxStop:
			return false, false
		default:
		}
		left := time.Until(deadline)
		if left <= 0 {
			return true, true
		}
		wait := left
		if st.userWaiting.Load() == 0 && st.m.signIns.Load() == 0 {
			quiet := indexGrace - time.Duration(monoNow()-st.userAt.Load())
			if quiet <= 0 {
				return false, true
			}
			wait = min(wait, quiet)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-st.idxWake:
		case <-st.idxStop:
			t.Stop()
			return false, false
		}
		t.Stop()
	}
}

// indexBatch fetches and indexes up to size headers, newest first. It
// reports how long the server took for how many, whether to go on, and
// the connection it stopped on.
func (st *state) indexBatch(ctx context.Context, size int, overdue bool) (took time.Duration, n int, end batchEnd, conn *pop3.Client) {
	if !st.mu.TryLock() {
		return 0, 0, batchBusy, nil
	}
	if st.ended {
		st.mu.Unlock()
		return 0, 0, batchEnded, nil
	}
	if !overdue && st.userWaiting.Load() > 0 {
		st.mu.Unlock()
		return 0, 0, batchMore, nil // yield again
	}
	pos, uids, gen := st.nextBatch(size)
	if len(pos) == 0 {
		st.mu.Unlock()
		st.m.indexes.released() // what building it cost is garbage now
		return 0, 0, batchDone, nil
	}
	c, err := st.ensure(ctx, nil) // nil key: never signs in
	if err != nil || !st.topWorks() {
		conn = st.client
		st.mu.Unlock()
		return 0, 0, batchPaused, conn
	}
	nums := make([]int, len(pos))
	at := make(map[int]int, len(pos)) // number -> batch index
	for i, p := range pos {
		nums[i] = st.msgs[p].Number
		at[nums[i]] = i
	}
	raws := make([][]byte, len(pos))
	start := time.Now()
	bctx, cancel := context.WithTimeout(ctx, indexBatchTimeout)
	err = c.TopMany(bctx, nums, 0, func(num int, r io.Reader, err error) error {
		if err != nil {
			raws[at[num]] = []byte{} // gone meanwhile: indexed as empty
			return nil
		}
		h, err := io.ReadAll(io.LimitReader(r, maxHeaderSize))
		raws[at[num]] = h
		return err
	})
	cancel()
	took = time.Since(start)
	st.connUsed = st.m.now()
	if c.Err() != nil {
		st.drop()
	}
	conn = st.client
	st.mu.Unlock()
	if err != nil {
		st.m.log.Debug("session: indexer paused", append(st.logAttrs(), "error", err)...)
		return took, len(pos), batchPaused, conn
	}
	envs := make([]Envelope, len(raws))
	for i, h := range raws {
		if h != nil {
			envs[i] = st.m.cfg.Envelope(h)
		}
	}
	x := &st.idx
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.gen != gen {
		return took, len(pos), batchMore, conn // a new snapshot came; its positions differ
	}
	for i, p := range pos {
		if raws[i] != nil && !x.store(p, uids[i], envs[i]) && x.full {
			return took, len(pos), batchDone, conn
		}
	}
	return took, len(pos), batchMore, conn
}

// nextBatch picks up to size positions that wait for the indexer, newest
// first, and moves idxNext past them. The caller holds mu.
func (st *state) nextBatch(size int) (pos []int, uids []string, gen uint64) {
	x := &st.idx
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.full {
		return nil, nil, 0
	}
	i := min(st.idxNext, len(x.entries)) - 1
	for ; i >= 0 && len(pos) < size; i-- {
		if x.entries[i].flags&(fIndexed|fGone) == 0 {
			pos = append(pos, i)
			uids = append(uids, x.msgs[i].UID)
		}
	}
	st.idxNext = i + 1
	return pos, uids, x.gen
}

// takeIndexTurn waits until no other session's indexer runs a batch, and
// reports false if stop closes or ctx ends first. The turn is given back
// by receiving from indexTurns.
func (m *Manager) takeIndexTurn(ctx context.Context, stop <-chan struct{}) bool {
	select {
	case m.indexTurns <- struct{}{}:
		return true
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	}
}

// goIndexer runs fn in a goroutine that Close waits for, under a context
// that Close cancels only when its own deadline runs out; the session's
// end is what normally stops it. It reports false once Close has begun.
func (m *Manager) goIndexer(fn func(ctx context.Context)) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.wg.Go(func() { fn(m.bgCtx) })
	return true
}

// Envelopes returns the index entry of each UID, aligned with uids, for
// the inbox. Entries not yet indexed are fetched with one pipelined
// TopMany, parsed and indexed (or only returned, beyond the index's cap).
// A UID not in the snapshot, pending deletion or refused by the server
// gets the zero Envelope. The first call lets the background indexer
// begin, and a call finds an index set aside for the memory budget
// rebuilt. To is empty in the result.
func (s *Session) Envelopes(ctx context.Context, uids []string) ([]Envelope, error) {
	st, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer st.m.enforceIndexBudget() // after unlock
	defer s.unlock()
	defer st.startSignal()
	st.restoreIndex()
	out := make([]Envelope, len(uids))
	var missing []int // indexes into uids
	for i, uid := range uids {
		p, known := st.byUID.lookup(uid)
		if _, gone := st.pending[uid]; !known || gone {
			continue
		}
		if env, ok := st.idx.lookup(p); ok {
			out[i] = env
		} else {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	err = st.withConn(ctx, s.key, func(c *pop3.Client) error {
		// Numbers are looked up on each attempt: a reconnect renumbers.
		byNum := make(map[int][]int, len(missing))
		var nums []int
		for _, i := range missing {
			p, ok := st.byUID.lookup(uids[i])
			if _, gone := st.pending[uids[i]]; !ok || gone {
				continue
			}
			n := st.msgs[p].Number
			if _, dup := byNum[n]; !dup {
				nums = append(nums, n)
			}
			byNum[n] = append(byNum[n], i)
		}
		return c.TopMany(ctx, nums, 0, func(num int, r io.Reader, err error) error {
			if err != nil {
				return nil // gone meanwhile (another session expunged it): zero
			}
			h, err := io.ReadAll(io.LimitReader(r, maxHeaderSize))
			if err != nil {
				return err
			}
			for _, i := range byNum[num] {
				out[i] = st.indexHeader(uids[i], h)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// indexHeader parses h, indexes it for uid and returns the envelope
// without To. The caller holds mu.
func (st *state) indexHeader(uid string, h []byte) Envelope {
	env := st.m.cfg.Envelope(h)
	if p, ok := st.byUID.lookup(uid); ok {
		st.idx.mu.Lock()
		st.idx.store(p, uid, env)
		st.idx.mu.Unlock()
	}
	env.To = ""
	return env
}
