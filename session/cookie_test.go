package session

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// cookieFrom returns the cookie SetCookie wrote for s over plain HTTP.
func cookieFrom(tb testing.TB, m *Manager, s *Session) *http.Cookie {
	tb.Helper()
	return cookieOver(tb, m, s, false)
}

// cookieOver returns the cookie SetCookie wrote for s, over HTTPS if
// secure.
func cookieOver(tb testing.TB, m *Manager, s *Session, secure bool) *http.Cookie {
	tb.Helper()
	w := httptest.NewRecorder()
	if err := m.SetCookie(w, s, secure); err != nil {
		tb.Fatalf("SetCookie() = %v, want nil", err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		tb.Fatalf("SetCookie() set %d cookies, want 1", len(cookies))
	}
	return cookies[0]
}

func requestWith(c *http.Cookie) *http.Request {
	r := httptest.NewRequest("GET", "/inbox", nil)
	if c != nil {
		r.AddCookie(c)
	}
	return r
}

func TestCookieRoundTrip(t *testing.T) {
	srv := newTestServer(t, nil, 2, "alice")
	clock := newFakeClock()
	m, _ := newTestManager(t, Config{Now: clock.Now, CookiePath: "/mail/"})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	c := cookieFrom(t, m, s)
	if c.Name != "popgate_session" || c.Path != "/mail/" || !c.HttpOnly || c.Secure || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie = %+v, want popgate_session, Path /mail/, HttpOnly, SameSite=Lax, not Secure", c)
	}
	if c.MaxAge != int(DefaultMaxLifetime/time.Second) {
		t.Errorf("cookie MaxAge = %d, want %d", c.MaxAge, int(DefaultMaxLifetime/time.Second))
	}

	// Requests 20 minutes apart keep the session alive well past IdleTimeout.
	for range 3 {
		clock.Advance(20 * time.Minute)
		got, err := m.FromRequest(requestWith(c), false)
		if err != nil || got.ID() != s.ID() {
			t.Fatalf("FromRequest() = %v, %v, want session %s", got, err, s.ID())
		}
		if n := len(mustMessages(t, got)); n != 2 {
			t.Fatalf("Messages() = %d messages, want 2", n)
		}
	}

	w := httptest.NewRecorder()
	m.ClearCookie(w, false)
	if cl := w.Result().Cookies()[0]; cl.Name != c.Name || cl.MaxAge != -1 || cl.Path != "/mail/" {
		t.Errorf("ClearCookie() = %+v, want %s expired on /mail/", cl, c.Name)
	}

	if _, err := m.Logout(context.Background(), s); err != nil {
		t.Fatalf("Logout() = %v, want nil", err)
	}
	if _, err := m.FromRequest(requestWith(c), false); !errors.Is(err, ErrNoSession) {
		t.Errorf("FromRequest() after Logout = %v, want ErrNoSession", err)
	}
}

func TestCookieRejected(t *testing.T) {
	srv := newTestServer(t, nil, 1, "alice")
	clock := newFakeClock()
	m, _ := newTestManager(t, Config{Now: clock.Now})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	good := cookieFrom(t, m, s)

	otherKeys, _ := newTestManager(t, Config{})
	forgedValue, err := m.codec.Encode(m.CookieName(false), cookieValue{ID: s.ID(), Key: newKey()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		m      *Manager
		cookie *http.Cookie
	}{
		{"absent", m, nil},
		{"empty", m, &http.Cookie{Name: good.Name}},
		{"tampered", m, &http.Cookie{Name: good.Name, Value: good.Value[:20] + "x" + good.Value[21:]}},
		{"truncated", m, &http.Cookie{Name: good.Name, Value: good.Value[:len(good.Value)/2]}},
		{"other keys", otherKeys, good},
		{"right id, wrong key", m, &http.Cookie{Name: good.Name, Value: forgedValue}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := tc.m.FromRequest(requestWith(tc.cookie), false); !errors.Is(err, ErrNoSession) {
				t.Errorf("FromRequest() = %v, %v, want ErrNoSession", got, err)
			}
		})
	}
	if _, err := m.FromRequest(requestWith(good), false); err != nil {
		t.Fatalf("FromRequest(good cookie) = %v, want nil", err)
	}

	clock.Advance(DefaultIdleTimeout + time.Second)
	if _, err := m.FromRequest(requestWith(good), false); !errors.Is(err, ErrNoSession) {
		t.Errorf("FromRequest() after IdleTimeout = %v, want ErrNoSession", err)
	}
	m.wg.Wait()
	if got := m.Stats(); got != (Stats{}) {
		t.Errorf("Stats() after expiry = %+v, want zero", got)
	}
}

func TestCookieSecure(t *testing.T) {
	srv := newTestServer(t, nil, 1, "alice", "bob")
	for _, tc := range []struct{ path, name string }{{"/", "__Host-popgate_session"}, {"/mail/", "__Secure-popgate_session"}} {
		m, _ := newTestManager(t, Config{SecureCookie: true, CookiePath: tc.path})
		if m.CookieName(false) != tc.name {
			t.Errorf("CookieName() with path %s = %q, want %q", tc.path, m.CookieName(false), tc.name)
		}
		user := map[string]string{"/": "alice", "/mail/": "bob"}[tc.path]
		c := cookieFrom(t, m, mustLogin(t, m, testUpstream(srv.Addr()), user))
		if c.Name != tc.name || !c.Secure || !c.HttpOnly {
			t.Errorf("cookie = %+v, want %s, Secure, HttpOnly", c, tc.name)
		}
	}
}

// TestCookieSecurePerRequest: a request that came over HTTPS gets the
// prefixed Secure cookie, a plain one the plain cookie, and each finds its
// session by that name only: over HTTPS a plain cookie may have been
// planted.
func TestCookieSecurePerRequest(t *testing.T) {
	srv := newTestServer(t, nil, 1, "alice")
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	for _, secure := range []bool{true, false} {
		c := cookieOver(t, m, s, secure)
		wantName := map[bool]string{true: "__Host-popgate_session", false: "popgate_session"}[secure]
		if c.Name != wantName || c.Secure != secure {
			t.Errorf("cookie over HTTPS %v = %s Secure %v, want %s Secure %v", secure, c.Name, c.Secure, wantName, secure)
		}
		if got, err := m.FromRequest(requestWith(c), secure); err != nil || got.ID() != s.ID() {
			t.Errorf("FromRequest(%s, secure %v) = %v, want the session", c.Name, secure, err)
		}
		if _, err := m.FromRequest(requestWith(c), !secure); !errors.Is(err, ErrNoSession) {
			t.Errorf("FromRequest(%s, secure %v) = %v, want ErrNoSession", c.Name, !secure, err)
		}
	}
	// A value made for one name does not pass under the other.
	c := cookieOver(t, m, s, true)
	c.Name = "popgate_session"
	if _, err := m.FromRequest(requestWith(c), false); !errors.Is(err, ErrNoSession) {
		t.Errorf("FromRequest(renamed cookie) = %v, want ErrNoSession", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err == nil {
		t.Errorf("Validate(no Envelope) = nil, want an error")
	}
	if err := (Config{Envelope: testEnvelope, BlockKey: make([]byte, 20)}).Validate(); err == nil {
		t.Errorf("Validate(20-byte BlockKey) = nil, want an error")
	}
	if err := (Config{Envelope: testEnvelope, HashKey: make([]byte, 8)}).Validate(); err == nil {
		t.Errorf("Validate(8-byte HashKey) = nil, want an error")
	}
	if err := (Config{Envelope: testEnvelope, HashKey: make([]byte, 64), BlockKey: make([]byte, 32)}).Validate(); err != nil {
		t.Errorf("Validate(good keys) = %v, want nil", err)
	}
}
