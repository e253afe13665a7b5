package web_test

import (
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

// hostileMessage has an HTML part with script and a remote image, and an
// HTML attachment whose name tries to break out of the header.
var hostileMessage = []byte("From: \"<script>alert(1)</script>\" <x@example.test>\r\n" +
	"Subject: <script>alert(2)</script>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
	"--b\r\nContent-Type: text/html\r\n\r\n<p onclick=alert(3)>Hi<script>alert(4)</script><img src=\"http://tracker.example/p.gif\"></p>\r\n" +
	"--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"evil\\\".html\"\r\n\r\n<script>alert(5)</script>\r\n--b--\r\n")

// newTestApp serves the web layer over the in-process POP3 server.
func newTestApp(t *testing.T, base string) (*httptest.Server, *http.Client, string) {
	t.Helper()
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", hostileMessage)
	m := session.NewManager(session.Config{CookiePath: base, Logger: slog.New(slog.DiscardHandler), Envelope: web.ParseEnvelope})
	t.Cleanup(func() { m.Close(t.Context()) })
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	h := web.NewServer(web.Config{BasePath: base, Upstreams: []session.Upstream{up}, Logger: slog.New(slog.DiscardHandler)}, m)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return ts, c, srv.UIDs("alice")[0]
}

func signIn(t *testing.T, c *http.Client, app string) {
	t.Helper()
	resp := postLogin(t, c, app, url.Values{"username": {"alice"}, "password": {"pw"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST login = %d, want 303", resp.StatusCode)
	}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestResponseHeaders checks the security headers of each kind of
// response, the way a browser would see them.
func TestResponseHeaders(t *testing.T) {
	ts, c, uid := newTestApp(t, "/mail/")
	app := ts.URL + "/mail/"
	signIn(t, c, app)
	msg := app + "message/" + uid
	tests := []struct {
		name    string
		url     string
		status  int
		headers map[string]string // header -> substring it must contain
		absent  []string          // substrings the body must not contain
	}{
		{"inbox", app, 200, map[string]string{"Content-Security-Policy": "default-src 'none'", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}, []string{"<script>alert"}},
		{"message", msg, 200, map[string]string{"Content-Security-Policy": "frame-ancestors 'none'"}, []string{"<script>alert", "tracker.example"}},
		{"body frame", msg + "/body", 200, map[string]string{"Content-Security-Policy": "sandbox", "X-Frame-Options": "SAMEORIGIN"}, []string{"<script", "onclick", "tracker.example"}},
		{"body frame with remote content", msg + "/body?remote=1", 200, map[string]string{"Content-Security-Policy": "img-src data: https: http:"}, []string{"<script", "onclick"}},
		{"HTML attachment", msg + "/part/2", 200, map[string]string{"Content-Disposition": "attachment", "Content-Type": "application/octet-stream", "Content-Security-Policy": "sandbox"}, nil},
		{"source", msg + "/raw", 200, map[string]string{"Content-Disposition": "attachment", "Content-Type": "message/rfc822"}, nil},
		{"unknown part", msg + "/part/9", 404, map[string]string{"Content-Security-Policy": "default-src 'none'"}, []string{"pop3", "mailview", "Error"}},
		{"unknown message", app + "message/nope", 404, nil, []string{"pop3:", "session:"}},
		{"unknown page", app + "nowhere", 404, nil, nil},
		{"static", app + "static/x/css/app.css", 404, nil, nil},
		{"health", app + "healthz", 200, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, c, tc.url)
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s = %d, want %d", tc.url, resp.StatusCode, tc.status)
			}
			for h, want := range tc.headers {
				if got := resp.Header.Get(h); !strings.Contains(got, want) {
					t.Errorf("%s = %q, want it to contain %q", h, got, want)
				}
			}
			for _, bad := range tc.absent {
				if strings.Contains(body, bad) {
					t.Errorf("body contains %q", bad)
				}
			}
		})
	}
}

// TestRequiresSession: without a session every page and action sends the
// browser to sign in, and no action runs.
func TestRequiresSession(t *testing.T) {
	ts, c, uid := newTestApp(t, "/")
	for _, tc := range []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/message/" + uid}, {"GET", "/message/" + uid + "/raw"},
		{"POST", "/message/" + uid + "/delete"}, {"POST", "/delete"}, {"POST", "/undo"}, {"POST", "/refresh"}, {"POST", "/logout"},
	} {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("%s %s = %d to %q, want 303 to /login", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// TestForgedPosts: a cross-site form post is refused before it acts, and a
// sign-in naming a server the admin did not list dials nothing.
func TestForgedPosts(t *testing.T) {
	ts, c, uid := newTestApp(t, "/")
	signIn(t, c, ts.URL+"/")
	for _, h := range []http.Header{{"Sec-Fetch-Site": {"cross-site"}}, {"Origin": {"https://evil.example"}}} {
		req, _ := http.NewRequest("POST", ts.URL+"/message/"+uid+"/delete", nil)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged POST with %v = %d, want 403", h, resp.StatusCode)
		}
	}
	_, body := get(t, c, ts.URL+"/")
	if strings.Contains(body, `data-testid="pending-deletions"`) {
		t.Errorf("a forged POST deleted a message")
	}
	resp, err := http.PostForm(ts.URL+"/login", url.Values{"server": {"pop3s://attacker.example"}, "username": {"a"}, "password": {"b"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("sign-in to an unlisted server = %d, want 400", resp.StatusCode)
	}
}

// TestHTMLMessageOneRetr: the message page and the frame it embeds share
// one RETR; only remote content, asked for later, fetches again.
func TestHTMLMessageOneRetr(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", hostileMessage)
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{})
	c := noRedirects()
	c.Jar = newJar()
	signIn(t, c, ts.URL+"/")
	uid := srv.UIDs("alice")[0]
	retrs := func() int {
		n := 0
		for _, cmd := range srv.Commands() {
			if strings.HasPrefix(cmd, "RETR") {
				n++
			}
		}
		return n
	}
	get(t, c, ts.URL+"/message/"+uid)
	if resp, body := get(t, c, ts.URL+"/message/"+uid+"/body"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Hi") {
		t.Fatalf("frame = %d %q", resp.StatusCode, body)
	}
	if got := retrs(); got != 1 {
		t.Errorf("page and frame sent %d RETR, want 1", got)
	}
	get(t, c, ts.URL+"/message/"+uid+"/body?remote=1")
	if got := retrs(); got != 2 {
		t.Errorf("frame with remote content sent %d RETR in all, want 2", got)
	}
}

// TestMetricsNotServed: the web layer records metrics but never serves
// them, whoever asks: a reverse proxy passes on everything under the base
// path, and a loopback peer may be any outside client behind a port
// forwarder. The binary serves them on a listener of its own.
func TestMetricsNotServed(t *testing.T) {
	for _, base := range []string{"/", "/mail/"} {
		m := session.NewManager(session.Config{CookiePath: base, Logger: slog.New(slog.DiscardHandler), Envelope: web.ParseEnvelope})
		t.Cleanup(func() { m.Close(t.Context()) })
		h := web.NewServer(web.Config{BasePath: base, Logger: slog.New(slog.DiscardHandler), Metrics: web.NewMetrics(m.Stats)}, m)
		for _, peer := range []string{"203.0.113.7:40000", "127.0.0.1:40000", "[::1]:40000"} {
			req := httptest.NewRequest("GET", base+"metrics", nil)
			req.RemoteAddr = peer
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "popgate_") {
				t.Errorf("GET %smetrics from %s = %d, want 404 without metrics", base, peer, w.Code)
			}
		}
	}
}
