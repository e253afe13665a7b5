package session

import (
	"bytes"
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// budgetMessages is the size of each mailbox of the budget tests.
const budgetMessages = 200

// newBudgetServer serves alice and bob the same budgetMessages search
// messages.
func newBudgetServer(tb testing.TB) *pop3test.Server {
	tb.Helper()
	srv := newSearchServer(tb, nil, budgetMessages)
	var msgs [][]byte
	for i := 1; i <= budgetMessages; i++ {
		msgs = append(msgs, searchMsg(i))
	}
	srv.AddMailbox("bob", testPassword, msgs...)
	return srv
}

// waitIndexDone waits until s's index is complete and its indexer has
// stopped, having applied the budget after its last batch.
func waitIndexDone(tb testing.TB, s *Session) {
	tb.Helper()
	waitIndexed(tb, s)
	eventually(tb, "the indexer to stop", func() bool { return !s.st.indexing.Load() })
}

// completeIndexBytes is what the complete index of a budget mailbox
// holds, measured under the default budget.
func completeIndexBytes(t *testing.T, srv *pop3test.Server) int64 {
	t.Helper()
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	s.Search(SearchQuery{})
	waitIndexDone(t, s)
	n := m.IndexStats().Bytes
	if _, err := m.Logout(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if got := m.IndexStats().Bytes; got != 0 {
		t.Fatalf("after sign-out the indexes hold %d bytes, want 0", got)
	}
	return n
}

// TestIndexBudgetExact: two complete indexes fit a budget of exactly
// their size, and one byte less sets the least recently active aside.
func TestIndexBudgetExact(t *testing.T) {
	srv := newBudgetServer(t)
	size := completeIndexBytes(t, srv)
	for _, tc := range []struct {
		budget    int64
		evictions int64
	}{{2 * size, 0}, {2*size - 1, 1}} {
		clock := newFakeClock()
		m, _ := newTestManager(t, Config{IndexMemory: tc.budget, Now: clock.Now})
		alice := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
		alice.Search(SearchQuery{})
		waitIndexDone(t, alice)
		clock.Advance(time.Minute)
		bob := mustLogin(t, m, testUpstream(srv.Addr()), "bob")
		bob.Search(SearchQuery{})
		waitIndexDone(t, bob)
		st := m.IndexStats()
		if st.Evictions != tc.evictions {
			t.Errorf("budget %d for two indexes of %d: %d evictions, want %d", tc.budget, size, st.Evictions, tc.evictions)
		}
		if st.Bytes > tc.budget {
			t.Errorf("budget %d: the indexes hold %d bytes", tc.budget, st.Bytes)
		}
		if r := mustSearch(t, alice, SearchQuery{}); r.Rebuilding != (tc.evictions > 0) {
			t.Errorf("budget %d: alice's Search() says rebuilding %t, want %t", tc.budget, r.Rebuilding, tc.evictions > 0)
		}
		for _, s := range []*Session{alice, bob} {
			if _, err := m.Logout(context.Background(), s); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestIndexEviction: under a budget of less than two indexes, the index
// of the user who was away is set aside, their pending deletions stay,
// and their next search rebuilds it, says so meanwhile, and finds what it
// found before; the inbox's pages rebuild it too; sign-out commits the
// deletions.
func TestIndexEviction(t *testing.T) {
	srv := newBudgetServer(t)
	size := completeIndexBytes(t, srv)
	clock := newFakeClock()
	var freed atomic.Int32
	m, _ := newTestManager(t, Config{IndexMemory: 2*size - 1, Now: clock.Now, MemoryFreed: func() { freed.Add(1) }})
	ctx := context.Background()
	up := testUpstream(srv.Addr())
	uids := srv.UIDs("alice")
	jurgen := SearchQuery{Text: "jürgen", Limit: 100}

	alice := mustLogin(t, m, up, "alice")
	alice.Search(SearchQuery{})
	waitIndexDone(t, alice)
	if err := alice.Delete(ctx, uids[9], uids[19]); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	before := mustSearch(t, alice, jurgen)
	if before.Matches != budgetMessages/10-2 {
		t.Fatalf("Search() before eviction = %d matches, want %d", before.Matches, budgetMessages/10-2)
	}

	clock.Advance(time.Minute)
	bob := mustLogin(t, m, up, "bob")
	bob.Search(SearchQuery{})
	waitIndexDone(t, bob)
	if st := m.IndexStats(); st.Evictions != 1 || st.Bytes > 2*size-1 {
		t.Fatalf("after bob's index: %+v, want alice's set aside", st)
	}
	if freed.Load() == 0 {
		t.Errorf("MemoryFreed was not told of the eviction")
	}
	if v := mustView(t, alice); !slices.Equal(v.Pending, []string{uids[9], uids[19]}) {
		t.Errorf("alice's pending deletions after eviction = %v, want messages 10 and 20", v.Pending)
	}
	if msgs := mustMessages(t, alice); len(msgs) != budgetMessages-2 {
		t.Errorf("alice's Messages() after eviction = %d, want %d", len(msgs), budgetMessages-2)
	}

	// Alice comes back and searches; the rebuild waits for the server,
	// so her first search sees it under way.
	release := make(chan struct{})
	srv.SetFault(pop3test.Fault{Command: "TOP", Action: pop3test.FaultStall, Release: release})
	clock.Advance(time.Minute)
	alice.st.touch()
	r := mustSearch(t, alice, jurgen)
	if !r.Rebuilding || r.Complete || r.Total != budgetMessages-2 || r.Indexed != 0 {
		t.Errorf("first Search() after eviction = %d of %d indexed, complete %t, rebuilding %t; want 0 of %d, rebuilding",
			r.Indexed, r.Total, r.Complete, r.Rebuilding, budgetMessages-2)
	}
	close(release)
	waitIndexDone(t, alice)
	after := mustSearch(t, alice, jurgen)
	if after.Rebuilding || !slices.Equal(hitUIDs(after), hitUIDs(before)) || after.Matches != before.Matches {
		t.Errorf("Search() once rebuilt = %v (rebuilding %t), want %v", hitUIDs(after), after.Rebuilding, hitUIDs(before))
	}
	if st := m.IndexStats(); st.Evictions != 2 || st.Bytes > 2*size-1 {
		t.Errorf("after alice's rebuild: %+v, want bob's set aside", st)
	}

	// Bob pages through his inbox: the page is right, and his index is
	// back.
	clock.Advance(time.Minute)
	bob.st.touch()
	bobUIDs := srv.UIDs("bob")
	envs, err := bob.Envelopes(ctx, bobUIDs[budgetMessages-50:])
	if err != nil || envs[49].Subject != "Grüße aus Berlin" || envs[0].FromText != "Sender 151" {
		t.Fatalf("bob's Envelopes() after eviction = %v, %+v", err, envs[0])
	}
	waitIndexDone(t, bob)
	if r := mustSearch(t, bob, jurgen); r.Matches != budgetMessages/10 || r.Rebuilding {
		t.Errorf("bob's Search() once rebuilt = %d matches, rebuilding %t; want %d", r.Matches, r.Rebuilding, budgetMessages/10)
	}

	if n, err := m.Logout(ctx, alice); err != nil || n != 2 {
		t.Fatalf("alice's Logout() = %d, %v; want 2 deleted", n, err)
	}
	for _, msg := range srv.Mailbox("alice") {
		if bytes.Equal(msg, searchMsg(10)) || bytes.Equal(msg, searchMsg(20)) {
			t.Errorf("the server still has a message alice deleted")
		}
	}
	if _, err := m.Logout(ctx, bob); err != nil {
		t.Fatal(err)
	}
	if got := m.IndexStats().Bytes; got != 0 {
		t.Errorf("after every sign-out the indexes hold %d bytes, want 0", got)
	}
}

// TestIndexWantedWhileBusy: a search while another request holds the
// session answers at once, and the index is rebuilt when that request
// lets go.
func TestIndexWantedWhileBusy(t *testing.T) {
	srv := newBudgetServer(t)
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	s.Search(SearchQuery{})
	waitIndexDone(t, s)
	if freed := s.st.idx.evict(); freed == 0 {
		t.Fatalf("evict() freed nothing")
	}
	if _, err := s.lock(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := mustSearch(t, s, SearchQuery{Text: "jürgen"})
	if !r.Rebuilding || r.Total != budgetMessages || r.Indexed != 0 {
		t.Errorf("Search() while busy = %d of %d, rebuilding %t; want 0 of %d, rebuilding", r.Indexed, r.Total, r.Rebuilding, budgetMessages)
	}
	s.unlock()
	waitIndexDone(t, s)
	if r := mustSearch(t, s, SearchQuery{Text: "jürgen"}); r.Matches != budgetMessages/10 {
		t.Errorf("Search() once rebuilt = %d matches, want %d", r.Matches, budgetMessages/10)
	}
}
