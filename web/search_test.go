package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// searchMsg is message i of the search tests' mailbox: every tenth from
// Jürgen (ISO-8859-1 encoded words), dated one day apart from 1 January
// 2026 on.
func searchMsg(i int) []byte {
	from := fmt.Sprintf("Sender %d <sender%d@example.org>", i, i)
	subject := fmt.Sprintf("Report %d", i)
	if i%10 == 0 {
		from = "=?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.de>"
		subject = "=?UTF-8?B?R3LDvMOfZSBhdXMgQmVybGlu?=" // Grüße aus Berlin
	}
	date := time.Date(2026, 1, 1, 12, 0, 0, 0, time.Local).AddDate(0, 0, i-1).Format(time.RFC1123Z)
	return fmt.Appendf(nil, "From: %s\r\nTo: alice@example.org\r\nSubject: %s\r\nDate: %s\r\n\r\nBody %d.\r\n", from, subject, date, i)
}

// newSearchApp serves n search messages for alice and returns the app's
// URL and a signed-in client.
func newSearchApp(t *testing.T, n int, cfg session.Config) (string, *http.Client, *pop3test.Server) {
	t.Helper()
	app, c, srv, _ := newSearchAppTB(t, n, cfg)
	return app, c, srv
}

// newSearchAppTB is newSearchApp for benchmarks too, and also returns the
// handler.
func newSearchAppTB(tb testing.TB, n int, cfg session.Config) (string, *http.Client, *pop3test.Server, http.Handler) {
	tb.Helper()
	srv := pop3test.NewServer(tb, &pop3test.Options{MaxRecordedCommands: -1})
	var msgs [][]byte
	for i := 1; i <= n; i++ {
		msgs = append(msgs, searchMsg(i))
	}
	srv.AddMailbox("alice", "pw", msgs...)
	cfg.Logger, cfg.Envelope = slog.New(slog.DiscardHandler), web.ParseEnvelope
	m := session.NewManager(cfg)
	tb.Cleanup(func() { m.Close(context.Background()) })
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	h := web.NewServer(web.Config{Upstreams: []session.Upstream{up}, Logger: cfg.Logger}, m)
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close)
	c := noRedirects()
	c.Jar = newJar()
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"username": {"alice"}, "password": {"pw"}})
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("POST login = %d, want 303", resp.StatusCode)
	}
	return ts.URL + "/", c, srv, h
}

// mustDoc GETs u, checks the status and parses the page.
func mustDoc(t *testing.T, c *http.Client, u string, status int) *goquery.Document {
	t.Helper()
	resp, body := get(t, c, u)
	if resp.StatusCode != status {
		t.Fatalf("GET %s = %d, want %d", u, resp.StatusCode, status)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func testid(doc *goquery.Document, id string) *goquery.Selection {
	return doc.Find(`[data-testid="` + id + `"]`)
}

func TestSearchPage(t *testing.T) {
	app, c, srv := newSearchApp(t, 120, session.Config{})
	uids := srv.UIDs("alice")
	inbox := mustDoc(t, c, app, http.StatusOK)
	if f := testid(inbox, "search-form"); f.Length() != 1 || f.AttrOr("action", "") != "/search" || f.Find(`input[name="q"]`).Length() != 1 {
		t.Fatalf("inbox search form = %d forms", f.Length())
	}
	search := app + "search?q=" + url.QueryEscape("JÜRGEN berlin")
	eventually(t, "the index to complete", func() bool {
		return testid(mustDoc(t, c, search, http.StatusOK), "search-progress").Length() == 0
	})

	tests := []struct {
		name  string
		query url.Values
		count string
		rows  int
		first int // message number of the first row
	}{
		{"text in From and Subject", url.Values{"q": {"JÜRGEN berlin"}}, "12 messages found", 12, 120},
		{"from", url.Values{"from": {"SENDER11"}}, "10 messages found", 10, 119},
		{"subject and dates", url.Values{"subject": {"report"}, "after": {"2026-01-03"}, "before": {"2026-01-05"}}, "3 messages found", 3, 5},
		{"nothing", url.Values{"q": {"zebra"}}, "No messages found", 0, 0},
		{"paged", url.Values{"q": {"report"}}, "108 messages found", 50, 119},
		{"page 3", url.Values{"q": {"report"}, "page": {"3"}}, "108 messages found", 8, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustDoc(t, c, app+"search?"+tc.query.Encode(), http.StatusOK)
			if got := strings.TrimSpace(testid(doc, "search-count").Text()); got != tc.count {
				t.Errorf("search-count = %q, want %q", got, tc.count)
			}
			rows := testid(doc, "search-row")
			if rows.Length() != tc.rows {
				t.Fatalf("%d search rows, want %d", rows.Length(), tc.rows)
			}
			if testid(doc, "search-progress").Length() != 0 {
				t.Errorf("complete index shows progress")
			}
			if tc.rows == 0 {
				if testid(doc, "search-results").Length() != 0 {
					t.Errorf("no matches but a results table")
				}
				return
			}
			first := rows.First()
			if uid := first.AttrOr("data-uid", ""); uid != uids[tc.first-1] {
				t.Errorf("first row = %s, want message %d", uid, tc.first)
			}
			if href := first.Find("a").AttrOr("href", ""); href != "/message/"+url.PathEscape(uids[tc.first-1]) {
				t.Errorf("first row links to %q", href)
			}
		})
	}

	doc := mustDoc(t, c, search, http.StatusOK)
	row := testid(doc, "search-row").First()
	if from, subj := strings.TrimSpace(row.Find(".c-from").Text()), strings.TrimSpace(row.Find(".c-subject a").Text()); from != "Jürgen Müller" || subj != "Grüße aus Berlin" {
		t.Errorf("row = %q, %q; want Jürgen Müller, Grüße aus Berlin", from, subj)
	}
	if v := testid(doc, "search-form").Find(`input[name="q"]`).AttrOr("value", ""); v != "JÜRGEN berlin" {
		t.Errorf("search box keeps %q", v)
	}
	doc = mustDoc(t, c, app+"search?q=report", http.StatusOK)
	if older := testid(doc, "older-page").AttrOr("href", ""); older != "/search?page=2&q=report" {
		t.Errorf("older-page href = %q", older)
	}

	// A message pending deletion is not found.
	resp, err := c.PostForm(app+"message/"+url.PathEscape(uids[119])+"/delete", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := testid(mustDoc(t, c, search, http.StatusOK), "search-count").Text(); got != "11 messages found" {
		t.Errorf("after a deletion search-count = %q, want 11", got)
	}
}

func TestSearchPageForm(t *testing.T) {
	app, c, _ := newSearchApp(t, 3, session.Config{})
	for _, tc := range []struct {
		name, query string
		error       bool
		advanced    bool
	}{
		{"empty", "", false, false},
		{"blank", "q=+++", false, false},
		{"bad date", "after=yesterday", true, true},
		{"dates reversed", "after=2026-02-01&before=2026-01-01", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustDoc(t, c, app+"search?"+tc.query, http.StatusOK)
			if testid(doc, "search-form").Length() != 1 {
				t.Errorf("no search form")
			}
			for _, id := range []string{"search-results", "search-count", "search-progress"} {
				if testid(doc, id).Length() != 0 {
					t.Errorf("%s shown for a query that did not run", id)
				}
			}
			if got := testid(doc, "search-error").Length() == 1; got != tc.error {
				t.Errorf("search-error shown: %t, want %t", got, tc.error)
			}
			if _, open := doc.Find("details.search-advanced").Attr("open"); open != tc.advanced {
				t.Errorf("advanced fields open: %t, want %t", open, tc.advanced)
			}
			for _, id := range []string{"search-q", "search-from", "search-to", "search-subject", "search-after", "search-before"} {
				if doc.Find(`label[for="`+id+`"]`).Length() != 1 || doc.Find("#"+id).Length() != 1 {
					t.Errorf("field %s has no label", id)
				}
			}
		})
	}
	resp, _ := get(t, c, app+"search?q=%3Cscript%3Ealert(1)%3C/script%3E")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("search for a script = %d", resp.StatusCode)
	}
}

// TestSearchPageProgress: while the index is incomplete, the results say
// how far it has got and offer to search again.
func TestSearchPageProgress(t *testing.T) {
	app, c, _ := newSearchApp(t, 120, session.Config{NoIndex: true})
	mustDoc(t, c, app, http.StatusOK) // the inbox indexes its page
	doc := mustDoc(t, c, app+"search?q=j%C3%BCrgen", http.StatusOK)
	p := testid(doc, "search-progress")
	if got := strings.TrimSpace(p.Find("p").Text()); got != "Searched 50 of 120 messages — the rest are still being indexed." {
		t.Errorf("search-progress = %q", got)
	}
	if again := testid(doc, "search-again").AttrOr("href", ""); again != "/search?q=j%C3%BCrgen" {
		t.Errorf("search again = %q", again)
	}
	if got := testid(doc, "search-count").Text(); got != "5 messages found" {
		t.Errorf("search-count = %q, want 5 of the indexed 50", got)
	}
}

// eventually polls cond for up to five seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSearchPageRebuilding: under a budget for one and a half indexes,
// bob's index sets aside alice's, who was away; her next search says it is
// being rebuilt while it is, and then finds what it found before.
func TestSearchPageRebuilding(t *testing.T) {
	const n = 120
	srv := pop3test.NewServer(t, nil)
	var msgs [][]byte
	for i := 1; i <= n; i++ {
		msgs = append(msgs, searchMsg(i))
	}
	srv.AddMailbox("alice", "pw", msgs...)
	srv.AddMailbox("bob", "pw", msgs...)
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	ctx := context.Background()

	// What one complete index holds.
	cfg := session.Config{Logger: slog.New(slog.DiscardHandler), Envelope: web.ParseEnvelope}
	m0 := session.NewManager(cfg)
	s, err := m0.Login(ctx, up, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the index to complete", func() bool { r, _ := s.Search(session.SearchQuery{}); return r.Complete })
	size := m0.IndexStats().Bytes
	m0.Close(ctx)

	cfg.IndexMemory = size + size/2
	m := session.NewManager(cfg)
	t.Cleanup(func() { m.Close(ctx) })
	ts := httptest.NewServer(web.NewServer(web.Config{Upstreams: []session.Upstream{up}, Logger: cfg.Logger}, m))
	t.Cleanup(ts.Close)
	signIn := func(user string) *http.Client {
		c := noRedirects()
		c.Jar = newJar()
		resp, err := c.PostForm(ts.URL+"/login", url.Values{"username": {user}, "password": {"pw"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST login as %s = %d, want 303", user, resp.StatusCode)
		}
		return c
	}
	search := ts.URL + "/search?q=j%C3%BCrgen"
	complete := func(c *http.Client) func() bool {
		return func() bool { return testid(mustDoc(t, c, search, http.StatusOK), "search-progress").Length() == 0 }
	}
	alice := signIn("alice")
	eventually(t, "alice's index to complete", complete(alice))
	bob := signIn("bob")
	eventually(t, "bob's index to complete", complete(bob))
	// The indexer applies the budget once its last batch is stored.
	eventually(t, "alice's index to be set aside", func() bool { return m.IndexStats().Evictions == 1 })

	release := make(chan struct{})
	srv.SetFault(pop3test.Fault{Command: "TOP", Action: pop3test.FaultStall, Release: release})
	doc := mustDoc(t, alice, search, http.StatusOK)
	notice := doc.Find(`[role="status"] [data-testid="search-rebuilding"]`)
	if got := strings.TrimSpace(notice.Text()); got != "Searched 0 of 120 messages — your search index was set aside to save memory while you were away, and is being rebuilt." {
		t.Errorf("search-rebuilding = %q", got)
	}
	close(release)
	eventually(t, "alice's index to be rebuilt", complete(alice))
	doc = mustDoc(t, alice, search, http.StatusOK)
	if got := testid(doc, "search-count").Text(); got != "12 messages found" || testid(doc, "search-rebuilding").Length() != 0 {
		t.Errorf("search once rebuilt = %q, rebuilding notice %d", got, testid(doc, "search-rebuilding").Length())
	}
}
