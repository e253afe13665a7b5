package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/templates"
	"popgate/web"
)

// BenchmarkInboxPage serves inbox pages of a 10,000-message mailbox whose
// header index is complete: the steady state of a user paging through a
// big mailbox. Compare with BenchmarkInboxRender, the template alone.
func BenchmarkInboxPage(b *testing.B) {
	app, c, _, h := newSearchAppTB(b, 10000, session.Config{})
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := c.Get(app + "search?q=report")
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !containsTestid(body, "search-progress") {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("index incomplete after a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	req, _ := http.NewRequest("GET", app, nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	b.ReportAllocs()
	b.ResetTimer()
	page := 0
	for b.Loop() {
		page = page%200 + 1
		r := req.Clone(context.Background())
		r.URL.RawQuery = "page=" + strconv.Itoa(page)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("GET /?page=%d = %d", page, w.Code)
		}
	}
}

// BenchmarkInboxRender renders an inbox page of 50 rows, without HTTP,
// session or POP3: the floor for BenchmarkInboxPage.
func BenchmarkInboxRender(b *testing.B) {
	p := templates.InboxPage{Meta: templates.Meta{Title: "Inbox", Base: "/", User: "alice", Server: "Test"}, Total: 10000, Page: 2, Pages: 200,
		NewerHref: "/?page=1", OlderHref: "/?page=3", SnapshotText: "as of 12:00",
		SelectAllHref: "/?page=2&select=all#messages", SelectNoneHref: "/?page=2#messages"}
	for i := range 50 {
		p.Rows = append(p.Rows, templates.MessageRow{UID: "0000271000000001", Href: "/message/0000271000000001",
			From: "Sender " + strconv.Itoa(i), FromTitle: "Sender <sender@example.org>", Subject: "Report " + strconv.Itoa(i),
			DateText: "Mar 3", DateTitle: "Tue, 3 Mar 2026 12:00 +0000", SizeText: "1 KB"})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := templates.InboxView(p).Render(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func containsTestid(body []byte, id string) bool {
	return bytes.Contains(body, []byte(`data-testid="`+id+`"`))
}

// BenchmarkInboxPageUsers serves inbox pages to 50 signed-in users at once,
// each paging through a 1,000-message mailbox whose index is complete,
// with the binary's middleware, access log (to a file) and metrics, and
// reports pages/s and the 99th percentile latency. "handler" calls the
// handler directly; "http" goes through a loopback HTTP/1.1 server with one
// keep-alive connection per user, as popgate-bench's next-pages load does.
// The sign-ins and the indexing happen once, before either.
func BenchmarkInboxPageUsers(b *testing.B) {
	const users, n = 50, 1000
	h, reqs := newUsersApp(b, users, n)
	b.Run("handler", func(b *testing.B) {
		loadUsers(b, users, n, func(u, page int) (int, error) {
			r := reqs[u].Clone(context.Background())
			r.URL.RawQuery = "page=" + strconv.Itoa(page)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w.Code, nil
		})
	})
	b.Run("http", func(b *testing.B) {
		ts := httptest.NewServer(h)
		defer ts.Close()
		clients := make([]*http.Client, users)
		for u := range clients {
			clients[u] = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}
			defer clients[u].CloseIdleConnections()
		}
		loadUsers(b, users, n, func(u, page int) (int, error) {
			r, _ := http.NewRequest("GET", ts.URL+"/?page="+strconv.Itoa(page), nil)
			r.Header.Set("Cookie", reqs[u].Header.Get("Cookie"))
			resp, err := clients[u].Do(r)
			if err != nil {
				return 0, err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode, nil
		})
	})
}

// newUsersApp signs users in to a Server with the binary's logging and
// metrics, waits until each one's header index is complete, and returns
// the Server and a GET / request with each user's cookie.
func newUsersApp(b *testing.B, users, n int) (http.Handler, []*http.Request) {
	b.Helper()
	srv := pop3test.NewServer(b, &pop3test.Options{MaxRecordedCommands: -1})
	var msgs [][]byte
	for i := 1; i <= n; i++ {
		msgs = append(msgs, searchMsg(i))
	}
	for u := range users {
		srv.AddMailbox("u"+strconv.Itoa(u), "pw", msgs...)
	}
	logFile, err := os.Create(filepath.Join(b.TempDir(), "popgate.log"))
	if err != nil {
		b.Fatal(err)
	}
	logs := web.NewLogBuffer(logFile)
	b.Cleanup(func() { logs.Close(); logFile.Close() })
	logger := slog.New(web.LogHandler(slog.NewTextHandler(logs, nil), logs))
	m := session.NewManager(session.Config{Logger: logger, Envelope: web.ParseEnvelope})
	b.Cleanup(func() { m.Close(context.Background()) })
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	h := web.NewServer(web.Config{Upstreams: []session.Upstream{up}, Logger: logger, SignInsPerIP: 1000,
		Metrics: web.NewMetrics(m.Stats)}, m)
	var reqs []*http.Request
	for u := range users {
		form := url.Values{"username": {"u" + strconv.Itoa(u)}, "password": {"pw"}}
		r := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusSeeOther {
			b.Fatalf("sign-in = %d", w.Code)
		}
		req := httptest.NewRequest("GET", "/", nil)
		for _, ck := range w.Result().Cookies() {
			req.AddCookie(ck)
		}
		reqs = append(reqs, req)
	}
	for _, req := range reqs {
		sr := req.Clone(context.Background())
		sr.URL.Path, sr.URL.RawQuery = "/search", "q=report"
		for deadline := time.Now().Add(2 * time.Minute); ; {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, sr.Clone(context.Background()))
			if !containsTestid(w.Body.Bytes(), "search-progress") {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("index incomplete after two minutes")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, req := range reqs { // first pages after the wait probe the connection with NOOP
		h.ServeHTTP(httptest.NewRecorder(), req.Clone(context.Background()))
	}
	return h, reqs
}

// loadUsers runs get(user, page) from users goroutines, each its own user
// paging through n messages, and reports pages/s and the p99 latency.
func loadUsers(b *testing.B, users, n int, get func(u, page int) (int, error)) {
	var mu sync.Mutex
	var lat []time.Duration
	var next atomic.Int32
	b.ReportAllocs()
	b.SetParallelism((users + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		u := int(next.Add(1)-1) % users
		var mine []time.Duration
		page := 0
		for pb.Next() {
			page = page%(n/50) + 1
			t0 := time.Now()
			code, err := get(u, page)
			mine = append(mine, time.Since(t0))
			if err != nil || code != http.StatusOK {
				b.Errorf("GET /?page=%d = %d, %v", page, code, err)
				return
			}
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "pages/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
