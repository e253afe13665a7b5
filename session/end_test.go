package session

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// endLog records the ids RegisterOnEnd reports.
type endLog struct {
	mu  sync.Mutex
	ids []string
}

func (l *endLog) add(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ids = append(l.ids, id)
}

func (l *endLog) count(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, got := range l.ids {
		if got == id {
			n++
		}
	}
	return n
}

// checkReleased fails unless s has ended, its id was reported once, and
// it holds nothing: out of the store, wiped, its indexer stopped and its
// connection closed.
func checkReleased(tb testing.TB, m *Manager, ends *endLog, s *Session, way string) {
	tb.Helper()
	eventually(tb, "the end of the session by "+way, func() bool { return ends.count(s.ID()) > 0 })
	if n := ends.count(s.ID()); n != 1 {
		tb.Errorf("%s: RegisterOnEnd's function called %d times for the session, want 1", way, n)
	}
	if _, ok := m.store.get(s.ID()); ok || !s.Ended() {
		tb.Errorf("%s: the session is still in the store (Ended() = %v)", way, s.Ended())
	}
	eventually(tb, "the indexer to stop after "+way, func() bool { return !s.st.indexing.Load() })
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.ended || st.client != nil || st.msgs != nil || st.byUID.msgs != nil || st.byUID.order != nil || st.pending != nil ||
		st.sealed != nil || st.visible != nil || st.left.Load() != nil || st.armed {
		tb.Errorf("%s: the session still holds: ended %v, client %v, %d msgs, %d UIDs, pending %v, sealed %v, %d visible, left key %v, armed %v",
			way, st.ended, st.client != nil, len(st.msgs), len(st.byUID.order), st.pending, st.sealed != nil, len(st.visible), st.left.Load() != nil, st.armed)
	}
	st.idx.mu.RLock()
	defer st.idx.mu.RUnlock()
	if st.idx.entries != nil || st.idx.bytes != 0 {
		tb.Errorf("%s: the index still holds %d entries, %d bytes", way, len(st.idx.entries), st.idx.bytes)
	}
	select {
	case <-st.idxStop:
	default:
		tb.Errorf("%s: the indexer's stop channel is open", way)
	}
}

// TestEndReleases ends sessions each way a session ends (sign-out, idle
// expiry by the reaper, expiry found by a request, the takeover by a new
// sign-in, shutdown) while their indexers run, and checks that each is
// reported to RegisterOnEnd once and holds nothing afterwards, and that
// no connection, slot or goroutine is left.
func TestEndReleases(t *testing.T) {
	users := []string{"out", "reaped", "expired", "taken", "closed"}
	srv := newTestServer(t, &pop3test.Options{MaxRecordedCommands: -1}, 2000, users...)
	up := testUpstream(srv.Addr())
	clock := newFakeClock()
	m, _ := newTestManager(t, Config{Now: clock.Now, IndexAfter: time.Millisecond})
	ends := &endLog{}
	m.RegisterOnEnd(ends.add)
	goroutines := runtime.NumGoroutine()
	ctx := context.Background()

	// signIn signs user in, loads the first page's envelopes and lets
	// the indexer start.
	signIn := func(user string) *Session {
		t.Helper()
		s := mustLogin(t, m, up, user)
		msgs := mustMessages(t, s)
		if _, err := s.Envelopes(ctx, uidsOf(msgs[len(msgs)-50:])); err != nil {
			t.Fatalf("Envelopes() = %v, want nil", err)
		}
		eventually(t, "the indexer to start", func() bool { return s.st.indexing.Load() })
		return s
	}

	// Expiry moves the clock past IdleTimeout, which expires every
	// session: those ways come first, one session at a time.
	reaped := signIn("reaped")
	clock.Advance(DefaultIdleTimeout + time.Minute)
	m.reap()
	checkReleased(t, m, ends, reaped, "the reaper")

	expired := signIn("expired")
	c := cookieFrom(t, m, expired)
	clock.Advance(DefaultIdleTimeout + time.Minute)
	if _, err := m.FromRequest(requestWith(c), false); !errors.Is(err, ErrNoSession) {
		t.Fatalf("FromRequest() of an expired session = %v, want ErrNoSession", err)
	}
	checkReleased(t, m, ends, expired, "expiry found by a request")

	out, taken, closed := signIn("out"), signIn("taken"), signIn("closed")
	if _, err := m.Logout(ctx, out); err != nil {
		t.Fatalf("Logout() = %v, want nil", err)
	}
	checkReleased(t, m, ends, out, "sign-out")

	taker := mustLogin(t, m, up, "taken")
	checkReleased(t, m, ends, taken, "the takeover")

	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := m.Close(cctx); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	checkReleased(t, m, ends, closed, "shutdown")
	checkReleased(t, m, ends, taker, "shutdown")

	if n := m.Stats(); n != (Stats{}) {
		t.Errorf("Stats() after every session ended = %+v, want zero", n)
	}
	eventually(t, "the server to see every connection closed", func() bool { return srv.ActiveConns() == 0 })
	eventually(t, "the goroutines to end", func() bool { return runtime.NumGoroutine() <= goroutines })
	ends.mu.Lock()
	defer ends.mu.Unlock()
	want := []string{reaped.ID(), expired.ID(), out.ID(), taken.ID(), closed.ID(), taker.ID()}
	if got := slices.Sorted(slices.Values(ends.ids)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("RegisterOnEnd's function got %d ids, want the %d sessions' ids once each", len(got), len(want))
	}
}
