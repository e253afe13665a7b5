package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"popgate/session"
	"popgate/templates"
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
	p := templates.InboxPage{Meta: templates.Meta{Base: "/", User: "alice", Server: "Test"}, Total: 10000, Page: 2, Pages: 200,
		PrevHref: "/?page=1", NextHref: "/?page=3", Snapshot: time.Now()}
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
