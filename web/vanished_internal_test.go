package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
)

// TestVanishedSession: a request whose session ends after its cookie was
// checked (a double-clicked Sign out, a page left open in a tab that
// signed out) lands on the sign-in page with the signed-out notice, never
// on an error page.
func TestVanishedSession(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", []byte("Subject: hi\r\n\r\nhello\r\n"))
	discard := slog.New(slog.DiscardHandler)
	m := session.NewManager(session.Config{Logger: discard, Envelope: ParseEnvelope})
	t.Cleanup(func() { m.Close(t.Context()) })
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	s := NewServer(Config{Upstreams: []session.Upstream{up}, Logger: discard}, m)
	sess, err := m.Login(t.Context(), up, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	uid := srv.UIDs("alice")[0]
	// The first click of a double click: it signs out while the second
	// request is past the cookie check.
	if _, err := m.Logout(t.Context(), sess); err != nil {
		t.Fatal(err)
	}
	stale := chi.NewRouter()
	stale.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
		})
	})
	stale.Post("/logout", s.handleLogout)
	stale.Get("/", s.handleInbox)
	stale.Get("/message/{uid}", s.handleMessage)
	stale.Get("/message/{uid}/raw", s.handleRaw)
	stale.Post("/message/{uid}/delete", s.handleDeleteOne)
	stale.Post("/refresh", s.handleRefresh)

	msg := "/message/" + url.PathEscape(uid)
	for _, tc := range []struct {
		method, path string
		next         bool // a GET comes back to where it was after signing in
	}{
		{"POST", "/logout", false},
		{"GET", "/", false},
		{"GET", msg, true},
		{"GET", msg + "/raw", true},
		{"POST", msg + "/delete", false},
		{"POST", "/refresh", false},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			stale.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			loc, _ := url.Parse(w.Header().Get("Location"))
			if w.Code != http.StatusSeeOther || loc == nil || loc.Path != "/login" || loc.Query().Get("done") != "signedout" {
				t.Fatalf("%s %s = %d to %q, want 303 to /login?done=signedout", tc.method, tc.path, w.Code, w.Header().Get("Location"))
			}
			if next := loc.Query().Get("next"); tc.next && next != tc.path || !tc.next && next != "" {
				t.Errorf("next = %q, want %q", next, map[bool]string{true: tc.path}[tc.next])
			}
			if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
				t.Errorf("cookies = %v, want the session cookie cleared", c)
			}
		})
	}

	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	resp, err := http.Get(ts.URL + "/login?done=signedout")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-testid="flash"`) || !strings.Contains(string(body), "You are signed out.") {
		t.Errorf("GET /login?done=signedout = %d without the signed-out notice:\n%s", resp.StatusCode, body)
	}
}
