package session

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// testMessages returns a snapshot of n messages with UIDs %016x.
func testMessages(n int) []Message {
	msgs := make([]Message, n)
	for i := range msgs {
		msgs[i] = Message{UID: fmt.Sprintf("%016x", i+1), Number: i + 1, Size: 2048}
	}
	return msgs
}

// fillIndex makes x an index of n messages (testMessages), counted
// against b (nil for none), each indexed with env(i) as the indexer does.
func fillIndex(x *index, b *indexBudget, n int, env func(i int) Envelope) {
	fillIndexOf(x, b, testMessages(n), env)
}

// fillIndexOf is fillIndex for the snapshot msgs.
func fillIndexOf(x *index, b *indexBudget, msgs []Message, env func(i int) Envelope) {
	x.rebuild(b, msgs, uidIndex{}, nil)
	x.mu.Lock()
	defer x.mu.Unlock()
	for i, m := range msgs {
		x.store(i, m.UID, env(i))
	}
}

// newBenchSession returns a Session whose index holds n entries parsed
// from searchMsg, without a server.
func newBenchSession(tb testing.TB, n int) *Session {
	tb.Helper()
	st := newState()
	fillIndex(&st.idx, nil, n, func(i int) Envelope { return testEnvelope(searchMsg(i + 1)) })
	return &Session{st: st}
}

// BenchmarkSearch searches From and Subject across 10,000 messages, the
// way the search page asks: count all matches, return the first 50.
func BenchmarkSearch(b *testing.B) {
	s := newBenchSession(b, 10000)
	b.ReportMetric(float64(s.st.idx.bytes)/10000, "index-B/entry")
	queries := map[string]SearchQuery{
		"from+subject": {From: "jürgen", Subject: "berlin", Limit: 50},
		"text":         {Text: "sender 99", Limit: 50},
		"no match":     {Text: "zzz", Limit: 50},
		"date range": {After: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
			Before: time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), Limit: 50},
	}
	for name, q := range queries {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r, _ := s.Search(q); r.Indexed != 10000 {
					b.Fatalf("Search() indexed %d", r.Indexed)
				}
			}
		})
	}
}

// BenchmarkIndexBuild signs in to a mailbox of 2,000 messages on the
// in-process server and waits for the whole index.
func BenchmarkIndexBuild(b *testing.B) {
	srv := newSearchServer(b, nil, 2000)
	m, _ := newTestManager(b, Config{})
	up := testUpstream(srv.Addr())
	for b.Loop() {
		s := mustLogin(b, m, up, "alice")
		s.Search(SearchQuery{})
		for !mustSearch(b, s, SearchQuery{}).Complete {
			time.Sleep(time.Millisecond)
		}
		if _, err := m.Logout(context.Background(), s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/2000, "µs/message")
}

// TestIndexMemory measures what indexes of distinct senders cost on the
// heap and checks that their own count of bytes, which the budget adds
// up, is that to within 3%. Several indexes make the allocator's caches
// a small part of the figure.
func TestIndexMemory(t *testing.T) {
	const n, indexes = 10000, 5
	msgs := testMessages(n)
	sts := make([]*state, indexes)
	for i := range sts {
		sts[i] = newState()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, st := range sts {
		fillIndexOf(&st.idx, nil, msgs, func(i int) Envelope { return testEnvelope(searchMsg(i + 1)) })
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap, counted := float64(after.HeapAlloc-before.HeapAlloc), 0.0
	for _, st := range sts {
		counted += float64(st.idx.bytes)
	}
	t.Logf("index: %.0f heap bytes per entry, %.0f counted", heap/n/indexes, counted/n/indexes)
	if heap/n/indexes > 100 {
		t.Errorf("an index entry costs %.0f heap bytes, want at most 100", heap/n/indexes)
	}
	if counted < heap*0.97 || counted > heap*1.03 {
		t.Errorf("the indexes count %.0f bytes, the heap grew by %.0f: want them within 3%%", counted, heap)
	}
	runtime.KeepAlive(sts)
}
