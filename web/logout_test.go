package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// signedInApp serves the web layer over srv and signs alice in; it returns
// the handler, for requests made by hand, and the signed-in client.
func signedInApp(t *testing.T, srv *pop3test.Server) (http.Handler, *httptest.Server, *http.Client) {
	t.Helper()
	m := session.NewManager(session.Config{Logger: slog.New(slog.DiscardHandler), Envelope: web.ParseEnvelope})
	t.Cleanup(func() { m.Close(t.Context()) })
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	h := web.NewServer(web.Config{BasePath: "/", Upstreams: []session.Upstream{up}, Logger: slog.New(slog.DiscardHandler)}, m)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signIn(t, c, ts.URL+"/")
	return h, ts, c
}

// TestLogoutBrowserGone: the browser sends Sign out and goes away (the tab
// is closed, a proxy times out) before the answer. The request's context
// is cancelled before the handler even starts, the worst case; the
// deletions must be committed all the same.
func TestLogoutBrowserGone(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", hostileMessage, []byte("Subject: keep\r\n\r\nkeep\r\n"))
	h, ts, c := signedInApp(t, srv)
	uid := srv.UIDs("alice")[0]
	if code := post(t, c, ts.URL+"/message/"+uid+"/delete", http.Header{"Sec-Fetch-Site": {"same-origin"}}); code != http.StatusSeeOther {
		t.Fatalf("delete = %d, want 303", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, "POST", ts.URL+"/logout", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	u, _ := url.Parse(ts.URL)
	for _, ck := range c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got := srv.Mailbox("alice"); len(got) != 1 || !strings.Contains(string(got[0]), "keep") {
		t.Fatalf("server holds %d messages after a sign-out whose browser went away, want only the kept one", len(got))
	}
}

// TestLogoutFailureKeepsSignedIn: when the server refuses to commit, the
// user is told they are still signed in with nothing lost, keeps the
// cookie, and signing out again commits.
func TestLogoutFailureKeepsSignedIn(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", hostileMessage, []byte("Subject: keep\r\n\r\nkeep\r\n"))
	_, ts, c := signedInApp(t, srv)
	uid := srv.UIDs("alice")[0]
	own := http.Header{"Sec-Fetch-Site": {"same-origin"}}
	if code := post(t, c, ts.URL+"/message/"+uid+"/delete", own); code != http.StatusSeeOther {
		t.Fatalf("delete = %d, want 303", code)
	}
	srv.AddFault(pop3test.Fault{Command: "QUIT", Action: pop3test.FaultTempError})
	req, _ := http.NewRequest("POST", ts.URL+"/logout", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if resp.StatusCode < 500 || !strings.Contains(body, "still signed in") || !strings.Contains(body, "nothing you deleted is lost") ||
		!strings.Contains(body, `data-testid="signout-again"`) {
		t.Errorf("failed sign-out answered %d, want a 5xx page saying the user is still signed in with nothing lost, and a Sign out again button:\n%s", resp.StatusCode, body)
	}
	if srv.PendingFaults() != 0 {
		t.Fatal("the QUIT fault did not fire")
	}
	if resp, _ := get(t, c, ts.URL+"/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("inbox after the failed sign-out = %d, want 200: still signed in", resp.StatusCode)
	}
	if code := post(t, c, ts.URL+"/logout", own); code != http.StatusOK {
		t.Fatalf("second sign-out = %d, want 200", code)
	}
	if got := srv.Mailbox("alice"); len(got) != 1 {
		t.Errorf("server holds %d messages after signing out again, want 1", len(got))
	}
}
