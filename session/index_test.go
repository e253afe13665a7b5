package session

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// searchMsg returns message i of a search test mailbox: every tenth from
// Jürgen (RFC 2047), every seventh to a Cc, dated one day apart from
// 1 January 2026 on.
func searchMsg(i int) []byte {
	from := fmt.Sprintf("Sender %d <sender%d@example.org>", i, i)
	if i%10 == 0 {
		from = "=?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.de>"
	}
	subject := fmt.Sprintf("Report %d", i)
	if i%10 == 0 {
		subject = "=?UTF-8?B?R3LDvMOfZSBhdXMgQmVybGlu?=" // Grüße aus Berlin
	}
	cc := ""
	if i%7 == 0 {
		cc = "Cc: Carol Choir <carol@choir.example>\r\n"
	}
	date := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, i-1).Format(time.RFC1123Z)
	return fmt.Appendf(nil, "From: %s\r\nTo: alice@example.org\r\n%sSubject: %s\r\nDate: %s\r\nMessage-ID: <%d@example.org>\r\n\r\nBody %d.\r\n",
		from, cc, subject, date, i, i)
}

func newSearchServer(tb testing.TB, opts *pop3test.Options, n int) *pop3test.Server {
	tb.Helper()
	srv := pop3test.NewServer(tb, opts)
	var msgs [][]byte
	for i := 1; i <= n; i++ {
		msgs = append(msgs, searchMsg(i))
	}
	srv.AddMailbox("alice", testPassword, msgs...)
	return srv
}

func mustSearch(tb testing.TB, s *Session, q SearchQuery) SearchResult {
	tb.Helper()
	r, err := s.Search(q)
	if err != nil {
		tb.Fatalf("Search(%+v) = %v, want nil", q, err)
	}
	return r
}

// waitIndexed waits until Search reports the index complete.
func waitIndexed(tb testing.TB, s *Session) {
	tb.Helper()
	eventually(tb, "the index to complete", func() bool { return mustSearch(tb, s, SearchQuery{}).Complete })
}

func hitUIDs(r SearchResult) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.UID)
	}
	return out
}

func TestSearch(t *testing.T) {
	srv := newSearchServer(t, nil, 70)
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	uids := srv.UIDs("alice")
	s.Search(SearchQuery{}) // starts the indexer without waiting for a page
	waitIndexed(t, s)

	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	// want lists message numbers, newest first.
	tests := []struct {
		name string
		q    SearchQuery
		want []int
	}{
		{"empty finds nothing", SearchQuery{}, nil},
		{"encoded From name, any case", SearchQuery{Text: "JÜRGEN"}, []int{70, 60, 50, 40, 30, 20, 10}},
		{"encoded subject", SearchQuery{Subject: "grüße AUS"}, []int{70, 60, 50, 40, 30, 20, 10}},
		{"words anywhere", SearchQuery{Text: "müller berlin"}, []int{70, 60, 50, 40, 30, 20, 10}},
		{"words must all match", SearchQuery{Text: "müller report"}, nil},
		{"from address", SearchQuery{From: "SENDER6@"}, []int{6}},
		{"to covers Cc", SearchQuery{To: "carol"}, []int{70, 63, 56, 49, 42, 35, 28, 21, 14, 7}},
		{"to is not from", SearchQuery{From: "carol"}, nil},
		{"field and text", SearchQuery{To: "choir", Text: "jürgen"}, []int{70}},
		{"date range", SearchQuery{After: day(3), Before: day(6)}, []int{5, 4, 3}},
		{"date and subject", SearchQuery{Subject: "report 1", After: day(10), Before: day(20)}, []int{19, 18, 17, 16, 15, 14, 13, 12, 11}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Limit = 100
			r := mustSearch(t, s, tc.q)
			var want []string
			for _, n := range tc.want {
				want = append(want, uids[n-1])
			}
			if got := hitUIDs(r); !slices.Equal(got, want) || r.Matches != len(want) {
				t.Errorf("Search() = %d matches %v, want %v", r.Matches, got, want)
			}
			if r.Indexed != 70 || r.Total != 70 || !r.Complete || r.Full {
				t.Errorf("Search() = %d of %d indexed, complete %t, full %t; want 70 of 70, complete", r.Indexed, r.Total, r.Complete, r.Full)
			}
		})
	}

	r := mustSearch(t, s, SearchQuery{Text: "jürgen", Offset: 2, Limit: 2})
	if got := hitUIDs(r); !slices.Equal(got, []string{uids[49], uids[39]}) || r.Matches != 7 {
		t.Errorf("Search() window = %d matches %v, want 7, messages 50 and 40", r.Matches, got)
	}
	h := r.Hits[0]
	if h.FromName != "Jürgen Müller" || h.FromAddr != "jm@example.de" || h.Subject != "Grüße aus Berlin" ||
		!h.Date.Equal(time.Date(2026, 2, 19, 12, 0, 0, 0, time.UTC)) || h.Size != int64(len(searchMsg(50))) {
		t.Errorf("Search() hit = %+v", h)
	}
}

// TestSearchProgress: with the indexer off, only the inbox's pages are
// indexed, and Search says how far that is.
func TestSearchProgress(t *testing.T) {
	srv := newSearchServer(t, nil, 120)
	m, _ := newTestManager(t, Config{NoIndex: true})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	uids := srv.UIDs("alice")
	envs, err := s.Envelopes(context.Background(), uids[70:])
	if err != nil || len(envs) != 50 || envs[49].Subject != "Grüße aus Berlin" || envs[0].FromText != "Sender 71" {
		t.Fatalf("Envelopes() = %d, %v; want 50 envelopes", len(envs), err)
	}
	r := mustSearch(t, s, SearchQuery{Text: "jürgen", Limit: 50})
	if r.Indexed != 50 || r.Total != 120 || r.Complete || r.Matches != 5 {
		t.Errorf("Search() = %d matches, %d of %d indexed, complete %t; want 5, 50 of 120, false", r.Matches, r.Indexed, r.Total, r.Complete)
	}
	tops := countCommands(srv, "TOP")
	if _, err := s.Envelopes(context.Background(), uids[100:]); err != nil || countCommands(srv, "TOP") != tops {
		t.Errorf("Envelopes() of indexed UIDs = %v, sent %d TOP", err, countCommands(srv, "TOP")-tops)
	}
}

// TestIndexerYields: a request made while the indexer fetches a batch is
// served as soon as that batch ends, before the index completes. The
// server holds the indexer in its first batch until the request waits for
// the session, so no timing decides the order.
func TestIndexerYields(t *testing.T) {
	const total = 400
	srv := newSearchServer(t, nil, total)
	release := make(chan struct{})
	// The 11th TOP, inside the first batch (indexBatchFirst), waits for
	// release; the indexer holds the session meanwhile.
	srv.SetFault(pop3test.Fault{Command: "TOP", After: 10, Action: pop3test.FaultStall, Release: release})
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	uids := srv.UIDs("alice")
	s.Search(SearchQuery{}) // starts the indexer
	eventually(t, "the indexer to reach the held TOP", func() bool { return srv.PendingFaults() == 0 })
	var got []byte
	done := make(chan error, 1)
	go func() {
		done <- s.Retr(context.Background(), uids[0], func(r io.Reader) error {
			var err error
			got, err = io.ReadAll(r)
			return err
		})
	}()
	eventually(t, "Retr() to wait for the session", func() bool { return s.st.userWaiting.Load() > 0 })
	close(release)
	if err := <-done; err != nil || string(got) != string(searchMsg(1)) {
		t.Fatalf("Retr() = %q, %v", got, err)
	}
	// What the server saw decides, not the index's state when Retr
	// returns: the indexer may finish the rest before the test looks. The
	// RETR came before the indexer's last TOP.
	var tops int
	for _, c := range srv.Commands() {
		if strings.HasPrefix(c, "RETR") {
			break
		}
		if strings.HasPrefix(c, "TOP") {
			tops++
		}
	}
	if tops >= total {
		t.Errorf("the server saw all %d TOP before RETR, want RETR served before the index completes", tops)
	}
	waitIndexed(t, s)
}

// TestIndexRefreshNewOnly: Refresh indexes new mail only, and what the
// server no longer has leaves the index.
func TestIndexRefreshNewOnly(t *testing.T) {
	srv := newSearchServer(t, nil, 30)
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	s.Search(SearchQuery{})
	waitIndexed(t, s)
	tops := countCommands(srv, "TOP")
	if err := srv.Deliver("alice", searchMsg(40), searchMsg(41)); err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh() = %v, want nil", err)
	}
	waitIndexed(t, s)
	if got := countCommands(srv, "TOP") - tops; got != 2 {
		t.Errorf("after Refresh the indexer sent %d TOP, want 2", got)
	}
	r := mustSearch(t, s, SearchQuery{Text: "jürgen", Limit: 10})
	if r.Total != 32 || r.Matches != 4 || r.Hits[0].UID != srv.UIDs("alice")[30] {
		t.Errorf("Search() after Refresh = %d of %d, %d matches %v", r.Indexed, r.Total, r.Matches, hitUIDs(r))
	}
}

// TestIndexPending: messages pending deletion are never found; Undo
// brings them back without fetching them again.
func TestIndexPending(t *testing.T) {
	srv := newSearchServer(t, nil, 20)
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	uids := srv.UIDs("alice")
	s.Search(SearchQuery{})
	waitIndexed(t, s)
	ctx := context.Background()
	if err := s.Delete(ctx, uids[19]); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	r := mustSearch(t, s, SearchQuery{Text: "jürgen", Limit: 10})
	if !slices.Equal(hitUIDs(r), []string{uids[9]}) || r.Total != 19 || !r.Complete {
		t.Errorf("Search() with 20 pending = %v, %d of %d", hitUIDs(r), r.Indexed, r.Total)
	}
	if envs, err := s.Envelopes(ctx, uids[19:]); err != nil || envs[0] != (Envelope{}) {
		t.Errorf("Envelopes(pending) = %+v, %v; want the zero Envelope", envs, err)
	}
	// Lost connection: the reconnect's new snapshot keeps it pending.
	cutConn(t, s)
	mustMessages(t, s)
	if r := mustSearch(t, s, SearchQuery{Text: "jürgen", Limit: 10}); len(r.Hits) != 1 {
		t.Errorf("Search() after reconnect = %v, want message 10 only", hitUIDs(r))
	}
	tops := countCommands(srv, "TOP")
	if err := s.Undo(ctx); err != nil {
		t.Fatalf("Undo() = %v", err)
	}
	r = mustSearch(t, s, SearchQuery{Text: "jürgen", Limit: 10})
	if !slices.Equal(hitUIDs(r), []string{uids[19], uids[9]}) || !r.Complete {
		t.Errorf("Search() after Undo = %v, complete %t", hitUIDs(r), r.Complete)
	}
	if n := countCommands(srv, "TOP") - tops; n != 0 {
		t.Errorf("Undo made the indexer send %d TOP", n)
	}
}

// TestIndexerStops: sign-out ends an indexer in the middle of its work,
// and it never signs in by itself after losing its connection.
func TestIndexerStops(t *testing.T) {
	srv := newSearchServer(t, nil, 300)
	srv.SetFault(pop3test.Fault{Command: "TOP", Times: -1, Action: pop3test.FaultStall, Delay: time.Millisecond})
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	s.Search(SearchQuery{})
	eventually(t, "indexing to start", func() bool { return mustSearch(t, s, SearchQuery{}).Indexed > 0 })
	if _, err := m.Logout(context.Background(), s); err != nil {
		t.Fatalf("Logout() = %v", err)
	}
	eventually(t, "the indexer to stop", func() bool {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		return !s.st.indexing.Load()
	})
	if _, err := s.Search(SearchQuery{}); err != ErrNoSession {
		t.Errorf("Search() after Logout = %v, want ErrNoSession", err)
	}

	// A dropped connection pauses it until a request signs in again.
	srv.SetFault(pop3test.Fault{Command: "TOP", After: 40, Action: pop3test.FaultDrop})
	s = mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	s.Search(SearchQuery{})
	eventually(t, "the indexer to pause", func() bool {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		return !s.st.indexing.Load() && s.st.client == nil
	})
	logins := srv.Logins()
	if r := mustSearch(t, s, SearchQuery{}); r.Complete || r.Indexed == 0 {
		t.Errorf("Search() after a drop = %d of %d, want partly indexed", r.Indexed, r.Total)
	}
	mustMessages(t, s) // reconnects
	waitIndexed(t, s)
	if srv.Logins() != logins+1 {
		t.Errorf("server saw %d more sign-ins, want 1 (the request's)", srv.Logins()-logins)
	}
}

// TestIndexWithoutTOP: a server without TOP gets no background index,
// which would download every message with RETR; the inbox's pages still
// are indexed as they are shown.
func TestIndexWithoutTOP(t *testing.T) {
	srv := newSearchServer(t, &pop3test.Options{NoTOP: true}, 60)
	m, _ := newTestManager(t, Config{IndexAfter: time.Millisecond})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	uids := srv.UIDs("alice")
	if _, err := s.Envelopes(context.Background(), uids[50:]); err != nil {
		t.Fatalf("Envelopes() = %v", err)
	}
	// An indexer starts only within a request, under the session's lock,
	// so one that started has set indexing before Envelopes returned, and
	// none starts later. Wait for its end, if any.
	eventually(t, "the indexer to stop", func() bool { return !s.st.indexing.Load() })
	if n := countCommands(srv, "RETR"); n != 10 {
		t.Errorf("server saw %d RETR, want 10 (the page's)", n)
	}
	if r := mustSearch(t, s, SearchQuery{Text: "jürgen"}); r.Indexed != 10 || r.Matches != 1 {
		t.Errorf("Search() = %d of %d indexed, %d matches; want 10, 1", r.Indexed, r.Total, r.Matches)
	}
}

// TestCloseWaitsForIndexer: Close returns only once the indexers are gone.
func TestCloseWaitsForIndexer(t *testing.T) {
	srv := newSearchServer(t, nil, 300)
	srv.SetFault(pop3test.Fault{Command: "TOP", Times: -1, Action: pop3test.FaultStall, Delay: time.Millisecond})
	m := NewManager(Config{Logger: slog.New(slog.DiscardHandler), Envelope: testEnvelope})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	s.Search(SearchQuery{})
	eventually(t, "indexing to start", func() bool { return mustSearch(t, s, SearchQuery{}).Indexed > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Close(ctx); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	s.st.mu.Lock()
	running := s.st.indexing.Load()
	s.st.mu.Unlock()
	if running {
		t.Errorf("an indexer still runs after Close")
	}
}
