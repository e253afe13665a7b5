package session

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// newBenchSession returns a Session whose index holds n entries parsed
// from searchMsg, without a server.
func newBenchSession(tb testing.TB, n int) *Session {
	tb.Helper()
	st := newState()
	st.idx.entries = make([]entry, n)
	for i := range n {
		uid := fmt.Sprintf("%016x", i+1)
		st.idx.entries[i] = newEntry(uid, 2048, testEnvelope(searchMsg(i+1)))
		st.idx.bytes += st.idx.entries[i].cost()
	}
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

// TestIndexMemory measures what an entry costs on the heap, strings
// included, and keeps it within the budget the documentation states.
func TestIndexMemory(t *testing.T) {
	const n = 10000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := newBenchSession(t, n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("index: %.0f heap bytes per entry (counted cost %d)", per, s.st.idx.bytes/n)
	if per > 400 {
		t.Errorf("an index entry costs %.0f bytes, want at most 400", per)
	}
	runtime.KeepAlive(s)
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
