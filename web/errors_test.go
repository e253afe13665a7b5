package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// TestShuttingDown: a sign-in that arrives while popgate shuts down is
// told to come back shortly (503 with Retry-After), not that something
// broke.
func TestShuttingDown(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw")
	discard := slog.New(slog.DiscardHandler)
	m := session.NewManager(session.Config{Logger: discard, Envelope: web.ParseEnvelope})
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	ts := httptest.NewServer(web.NewServer(web.Config{Upstreams: []session.Upstream{up}, Logger: discard}, m))
	t.Cleanup(ts.Close)
	if err := m.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(ts.URL+"/login", url.Values{"username": {"alice"}, "password": {"pw"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("sign-in during shutdown = %d with Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// TestMessageOverSizeCap: a message larger than the POP3 client may read
// says so, rather than that the mail server is not answering.
func TestMessageOverSizeCap(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	big := "Subject: big\r\n\r\n" + strings.Repeat("This line makes the message long.\r\n", 6000)
	srv.AddMailbox("alice", "pw", []byte(big))
	discard := slog.New(slog.DiscardHandler)
	m := session.NewManager(session.Config{Logger: discard, NoIndex: true, Envelope: web.ParseEnvelope})
	t.Cleanup(func() { m.Close(t.Context()) })
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone, MaxMessageSize: 64 << 10}}
	ts := httptest.NewServer(web.NewServer(web.Config{Upstreams: []session.Upstream{up}, Logger: discard}, m))
	t.Cleanup(ts.Close)
	c := noRedirects()
	c.Jar = newJar()
	signIn(t, c, ts.URL+"/")
	resp, body := get(t, c, ts.URL+"/message/"+srv.UIDs("alice")[0])
	if resp.StatusCode == http.StatusServiceUnavailable || strings.Contains(body, "not answering") || !strings.Contains(body, "too large") {
		t.Errorf("message over the size cap = %d saying:\n%s\nwant a page that says it is too large", resp.StatusCode, body)
	}
}
