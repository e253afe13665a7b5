package web_test

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// lockedBuffer collects log output from concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// signInApp serves the app over srv with cfg (Upstreams and Logger filled
// in when empty), logging into the returned buffer.
func signInApp(t *testing.T, srv *pop3test.Server, security pop3.Security, cfg web.Config) (*httptest.Server, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := session.NewManager(session.Config{Logger: logger, Envelope: web.ParseEnvelope})
	t.Cleanup(func() { m.Close(t.Context()) })
	opts := pop3.Options{Security: security}
	if security != pop3.SecurityNone {
		opts.TLSConfig = srv.TLSConfig().Clone()
		opts.TLSConfig.RootCAs, opts.TLSConfig.ServerName, opts.TLSConfig.Certificates = srv.CertPool(), "localhost", nil
	}
	cfg.Upstreams = []session.Upstream{{ID: "0", Label: "Test", Addr: srv.Addr(), Options: opts}}
	cfg.Logger = logger
	ts := httptest.NewServer(web.NewServer(cfg, m))
	t.Cleanup(ts.Close)
	return ts, logs
}

func postLogin(t *testing.T, c *http.Client, app string, form url.Values, header http.Header) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", app+"login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestSignInRateLimits(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw")
	srv.AddMailbox("bob", "pw")
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{SignInsPerAccount: 3, SignInsPerIP: 5})
	c := noRedirects()
	wrong := url.Values{"username": {"alice"}, "password": {"nope"}}
	for i := 0; i < 3; i++ {
		if resp := postLogin(t, c, ts.URL+"/", wrong, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d = %d, want 401", i+1, resp.StatusCode)
		}
	}
	before := srv.ConnCount()
	resp := postLogin(t, c, ts.URL+"/", url.Values{"username": {"ALICE"}, "password": {"pw"}}, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("4th attempt on the account = %d (Retry-After %q), want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if srv.ConnCount() != before {
		t.Errorf("a rate-limited sign-in reached the mail server")
	}
	// Another account from the same address still works, up to the
	// per-address limit.
	if resp := postLogin(t, c, ts.URL+"/", url.Values{"username": {"bob"}, "password": {"pw"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another account = %d, want 303", resp.StatusCode)
	}
	if resp := postLogin(t, c, ts.URL+"/", url.Values{"username": {"bob"}, "password": {"pw"}}, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("6th attempt from one address = %d, want 429", resp.StatusCode)
	}
}

// TestClientIPFromProxies: X-Forwarded-For names the client only when the
// peer is a trusted proxy; otherwise a guesser could rotate it freely.
func TestClientIPFromProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		want429 bool
	}{
		{"untrusted peer: header ignored, one client", nil, true},
		{"trusted proxy: each forwarded client counted apart", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := pop3test.NewServer(t, nil)
			ts, logs := signInApp(t, srv, pop3.SecurityNone, web.Config{SignInsPerIP: 2, SignInsPerAccount: 100, TrustedProxies: tc.trusted})
			var last int
			for i := 0; i < 3; i++ {
				h := http.Header{"X-Forwarded-For": {"198.51.100." + string(rune('1'+i)) + ", 127.0.0.1"}}
				last = postLogin(t, noRedirects(), ts.URL+"/", url.Values{"username": {"u"}, "password": {"p"}}, h).StatusCode
			}
			if got := last == http.StatusTooManyRequests; got != tc.want429 {
				t.Errorf("3rd attempt = %d, want 429: %v", last, tc.want429)
			}
			if tc.trusted != nil && !strings.Contains(logs.String(), "client_ip=198.51.100.3") {
				t.Errorf("log does not name the forwarded client:\n%s", logs.String())
			}
		})
	}
}

func TestNextRedirect(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", []byte("Subject: x\r\n\r\nx\r\n"))
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{BasePath: "/mail/"})
	app := ts.URL + "/mail/"
	uid := srv.UIDs("alice")[0]
	resp, err := noRedirects().Get(app + "message/" + uid)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := "/mail/login?next=" + url.QueryEscape("/mail/message/"+uid)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != want {
		t.Fatalf("signed-out GET = %d to %q, want 303 to %q", resp.StatusCode, loc, want)
	}
	for _, tc := range []struct{ next, want string }{
		{"/mail/message/" + uid, "/mail/message/" + uid},
		{"/mail/?page=2", "/mail/?page=2"},
		{"//evil.example/mail/", "/mail/"},
		{"/\\evil.example", "/mail/"},
		{"/mail/\\..\\x", "/mail/"},
		{"https://evil.example/mail/", "/mail/"},
		{"/other/", "/mail/"},
		{"/mail/\r\nSet-Cookie: x", "/mail/"},
		{"", "/mail/"},
	} {
		c := noRedirects()
		resp := postLogin(t, c, app, url.Values{"username": {"alice"}, "password": {"pw"}, "next": {tc.next}}, nil)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != tc.want {
			t.Errorf("sign-in with next=%q = %d to %q, want 303 to %q", tc.next, resp.StatusCode, loc, tc.want)
		}
	}
}

// TestSignInRefusals: an unlisted server is never dialled; a server that
// does not offer STLS gets no credentials; the logs of sign-ins hold
// neither the password nor the AUTH string.
func TestSignInRefusals(t *testing.T) {
	t.Run("unlisted server", func(t *testing.T) {
		srv := pop3test.NewServer(t, nil)
		ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{})
		resp := postLogin(t, noRedirects(), ts.URL+"/", url.Values{"server": {"pop3+insecure://" + srv.Addr()}, "username": {"a"}, "password": {"b"}}, nil)
		if resp.StatusCode != http.StatusBadRequest || srv.ConnCount() != 0 {
			t.Errorf("unlisted server = %d with %d connections, want 400 and none", resp.StatusCode, srv.ConnCount())
		}
	})
	t.Run("no STLS", func(t *testing.T) {
		srv := pop3test.NewServer(t, &pop3test.Options{NoSTLS: true})
		srv.AddMailbox("alice", "pw")
		ts, _ := signInApp(t, srv, pop3.SecurityStartTLS, web.Config{})
		req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader("username=alice&password=pw"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body.String(), "does not offer a secure connection") {
			t.Errorf("sign-in without STLS = %d, want 502 saying so", resp.StatusCode)
		}
		for _, cmd := range srv.Commands() {
			if strings.HasPrefix(cmd, "USER") || strings.HasPrefix(cmd, "PASS") || strings.HasPrefix(cmd, "AUTH") {
				t.Errorf("credentials sent in plain text: %q", cmd)
			}
		}
	})
	t.Run("logs", func(t *testing.T) {
		srv := pop3test.NewServer(t, nil)
		password := "correct horse battery"
		srv.AddMailbox("alice", password)
		ts, logs := signInApp(t, srv, pop3.SecurityNone, web.Config{})
		c := noRedirects()
		postLogin(t, c, ts.URL+"/", url.Values{"username": {"alice"}, "password": {"wrong " + password}}, nil)
		postLogin(t, c, ts.URL+"/", url.Values{"username": {"alice"}, "password": {password}}, nil)
		auth := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00" + password))
		if out := logs.String(); strings.Contains(out, password) || strings.Contains(out, auth) || !strings.Contains(out, "signed in") {
			t.Errorf("sign-in logs hold a secret or miss the sign-in:\n%s", out)
		}
	})
}

// TestCookieFlags: HttpOnly and SameSite=Lax always; Secure with the
// __Host- prefix when the browser came over HTTPS through a trusted proxy,
// and only then.
func TestCookieFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		want    string
		secure  bool
	}{
		{"plain HTTP", nil, "popgate_session", false},
		{"untrusted X-Forwarded-Proto", nil, "popgate_session", false},
		{"trusted proxy says https", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "__Host-popgate_session", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := pop3test.NewServer(t, nil)
			const password = "Correct-Horse-42"
			srv.AddMailbox("alice", password)
			ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{TrustedProxies: tc.trusted})
			h := http.Header{}
			if tc.name != "plain HTTP" {
				h.Set("X-Forwarded-Proto", "https")
			}
			resp := postLogin(t, noRedirects(), ts.URL+"/", url.Values{"username": {"alice"}, "password": {password}}, h)
			cookies := resp.Cookies()
			if resp.StatusCode != http.StatusSeeOther || len(cookies) != 2 {
				t.Fatalf("sign-in = %d with %d cookies, want the session's and the device's", resp.StatusCode, len(cookies))
			}
			c, device := cookies[0], cookies[1]
			if strings.Contains(c.Name, "device") {
				c, device = device, c
			}
			if wantDevice := strings.Replace(tc.want, "session", "device", 1); device.Name != wantDevice || device.Secure != tc.secure || !device.HttpOnly || device.SameSite != http.SameSiteLaxMode {
				t.Errorf("device cookie = %s Secure=%v HttpOnly=%v SameSite=%v, want %s Secure=%v HttpOnly Lax", device.Name, device.Secure, device.HttpOnly, device.SameSite, wantDevice, tc.secure)
			}
			if c.Name != tc.want || c.Secure != tc.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
				t.Errorf("cookie = %s Secure=%v HttpOnly=%v SameSite=%v Path=%s, want %s Secure=%v HttpOnly Lax /", c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path, tc.want, tc.secure)
			}
			if raw, _ := base64.URLEncoding.DecodeString(c.Value); strings.Contains(c.Value, password) || strings.Contains(string(raw), password) || len(c.Value) < 40 {
				t.Errorf("cookie value looks wrong: %q", c.Value)
			}
		})
	}
}

// TestCookieNameFollowsScheme: a request that came over HTTPS is signed in
// by the prefixed cookie only, since a plain one may have been planted by
// another site of the domain or over plain HTTP; a plain request by the
// plain cookie only.
func TestCookieNameFollowsScheme(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw")
	srv.AddMailbox("bob", "pw") // a second sign-in as alice would end the first session
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	https := http.Header{"X-Forwarded-Proto": {"https"}}
	cookieOver := func(user string, h http.Header) *http.Cookie {
		t.Helper()
		resp := postLogin(t, noRedirects(), ts.URL+"/", url.Values{"username": {user}, "password": {"pw"}}, h)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in = %d", resp.StatusCode)
		}
		for _, c := range resp.Cookies() {
			if strings.HasSuffix(c.Name, "popgate_session") {
				return c // the session's; the other is the device cookie
			}
		}
		t.Fatalf("sign-in set no session cookie among %d", len(resp.Cookies()))
		return nil
	}
	inbox := func(c *http.Cookie, h http.Header) int {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+"/", nil)
		for k, v := range h {
			req.Header[k] = v
		}
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		resp, err := noRedirects().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	plain, prefixed := cookieOver("alice", nil), cookieOver("bob", https)
	if plain.Name != "popgate_session" || prefixed.Name != "__Host-popgate_session" {
		t.Fatalf("cookies = %s and %s", plain.Name, prefixed.Name)
	}
	for _, tc := range []struct {
		name   string
		cookie *http.Cookie
		header http.Header
		want   int
	}{
		{"plain cookie over HTTP", plain, nil, http.StatusOK},
		{"prefixed cookie over HTTPS", prefixed, https, http.StatusOK},
		{"plain cookie over HTTPS", plain, https, http.StatusSeeOther},
		{"prefixed cookie over HTTP", prefixed, nil, http.StatusSeeOther},
	} {
		if got := inbox(tc.cookie, tc.header); got != tc.want {
			t.Errorf("%s: GET / = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestSameOriginPostsAccepted: the POSTs a forged page cannot make are the
// ones the app's own pages make every day.
func TestSameOriginPostsAccepted(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", []byte("Subject: a\r\n\r\na\r\n"), []byte("Subject: b\r\n\r\nb\r\n"))
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{})
	jarClient := noRedirects()
	jarClient.Jar = newJar()
	own := http.Header{"Origin": {ts.URL}, "Sec-Fetch-Site": {"same-origin"}}
	cross := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	if resp := postLogin(t, jarClient, ts.URL+"/", url.Values{"username": {"alice"}, "password": {"pw"}}, own); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in = %d", resp.StatusCode)
	}
	uid := srv.UIDs("alice")[0]
	for _, path := range []string{"/message/" + uid + "/delete", "/undo", "/delete", "/refresh", "/logout"} {
		if got := post(t, jarClient, ts.URL+path, cross); got != http.StatusForbidden {
			t.Errorf("cross-site POST %s = %d, want 403", path, got)
		}
		want := http.StatusSeeOther
		if path == "/logout" {
			want = http.StatusOK
		}
		if got := post(t, jarClient, ts.URL+path, own); got != want {
			t.Errorf("same-origin POST %s = %d, want %d", path, got, want)
		}
	}
}

func post(t *testing.T, c *http.Client, u string, h http.Header) int {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

// TestForwardedHost: a browser without Sec-Fetch-Site is checked by Origin
// against the host it used, which a trusted proxy passes in
// X-Forwarded-Host; an untrusted peer cannot use that header to pass.
func TestForwardedHost(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		want    int
	}{
		{"trusted proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, http.StatusUnauthorized},
		{"untrusted peer", nil, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := pop3test.NewServer(t, nil)
			ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{TrustedProxies: tc.trusted})
			h := http.Header{"Origin": {"https://mail.example.com"}, "X-Forwarded-Host": {"mail.example.com"}}
			if got := postLogin(t, noRedirects(), ts.URL+"/", url.Values{"username": {"a"}, "password": {"b"}}, h).StatusCode; got != tc.want {
				t.Errorf("sign-in with Origin of the forwarded host = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestUntrustedCertificate: a server whose certificate does not verify
// never sees the password, and the user is told why.
func TestUntrustedCertificate(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw")
	logs := &lockedBuffer{}
	m := session.NewManager(session.Config{Logger: slog.New(slog.NewTextHandler(logs, nil)), Envelope: web.ParseEnvelope})
	t.Cleanup(func() { m.Close(t.Context()) })
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.TLSAddr(), Options: pop3.Options{Security: pop3.SecurityTLS}}
	ts := httptest.NewServer(web.NewServer(web.Config{Upstreams: []session.Upstream{up}}, m))
	t.Cleanup(ts.Close)
	resp, err := http.PostForm(ts.URL+"/login", url.Values{"username": {"alice"}, "password": {"pw"}})
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body.String(), "certificate could not be verified") {
		t.Errorf("sign-in to an untrusted server = %d:\n%s", resp.StatusCode, body.String())
	}
	if srv.Logins() != 0 {
		t.Errorf("the server saw %d sign-ins", srv.Logins())
	}
}

// TestSignInOthersFailuresDontLockOwner: a guesser's failures on an
// account hold back the guesser's network, not the owner's.
func TestSignInOthersFailuresDontLockOwner(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("bob", "pw")
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	from := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }
	var codes []int
	for i := 0; i < 10; i++ {
		codes = append(codes, postLogin(t, noRedirects(), ts.URL+"/", url.Values{"username": {"bob"}, "password": {"guess"}}, from("198.51.100.7")).StatusCode)
	}
	if codes[0] != http.StatusUnauthorized || codes[9] != http.StatusTooManyRequests {
		t.Errorf("guesser's attempts = %v, want 401 first and 429 last", codes)
	}
	if resp := postLogin(t, noRedirects(), ts.URL+"/", url.Values{"username": {"bob"}, "password": {"pw"}}, from("203.0.113.9")); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("owner's sign-in from another network = %d, want 303", resp.StatusCode)
	}
}

// TestSignInDeviceCookie: a browser that signed in to an account before
// passes the per-account ceiling other networks' failures reached.
func TestSignInDeviceCookie(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("bob", "pw")
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{BasePath: "/mail/", SignInsPerAccount: 3,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	app := ts.URL + "/mail/"
	from := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }
	jar, _ := cookiejar.New(nil)
	owner := noRedirects()
	owner.Jar = jar
	resp := postLogin(t, owner, app, url.Values{"username": {"bob"}, "password": {"pw"}}, from("203.0.113.9"))
	var device *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "device") {
			device = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || device == nil {
		t.Fatalf("first sign-in = %d with cookies %v, want 303 and a device cookie", resp.StatusCode, resp.Cookies())
	}
	if !device.HttpOnly || device.SameSite != http.SameSiteLaxMode || device.Path != "/mail/" || device.MaxAge < 30*24*3600 ||
		strings.Contains(strings.ToLower(device.Value), "bob") {
		t.Errorf("device cookie = %+v, want HttpOnly, SameSite=Lax, Path=/mail/, long-lived, without the user name", device)
	}
	for i, ip := range []string{"198.51.1.7", "198.51.2.7", "198.51.3.7"} {
		if resp := postLogin(t, noRedirects(), app, url.Values{"username": {"bob"}, "password": {"guess"}}, from(ip)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d = %d, want 401", i+1, resp.StatusCode)
		}
	}
	if resp := postLogin(t, noRedirects(), app, url.Values{"username": {"bob"}, "password": {"pw"}}, from("192.0.2.1")); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("new browser past the per-account ceiling = %d, want 429", resp.StatusCode)
	}
	if resp := postLogin(t, owner, app, url.Values{"username": {"bob"}, "password": {"pw"}}, from("203.0.113.9")); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("browser with the device cookie = %d, want 303", resp.StatusCode)
	}
}
