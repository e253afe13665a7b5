package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// TestReadyz: ready when every listed server greets, with a line per
// server, and 503 naming the one that does not.
func TestReadyz(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	discard := slog.New(slog.DiscardHandler)
	up := session.Upstream{ID: "0", Label: "Up", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	down := session.Upstream{ID: "1", Label: "Down", Addr: "127.0.0.1:1", Options: pop3.Options{Security: pop3.SecurityNone}}
	for _, tc := range []struct {
		name   string
		ups    []session.Upstream
		status int
		body   string
	}{
		{"all answer", []session.Upstream{up}, http.StatusOK, "Up: ok\n"},
		{"one does not", []session.Upstream{up, down}, http.StatusServiceUnavailable, "Up: ok\nDown: not answering\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := session.NewManager(session.Config{Logger: discard, Envelope: web.ParseEnvelope})
			t.Cleanup(func() { m.Close(t.Context()) })
			ts := httptest.NewServer(web.NewServer(web.Config{Upstreams: tc.ups, Logger: discard}, m))
			t.Cleanup(ts.Close)
			resp, body := get(t, http.DefaultClient, ts.URL+"/readyz")
			if resp.StatusCode != tc.status || body != tc.body {
				t.Errorf("GET /readyz = %d %q, want %d %q", resp.StatusCode, body, tc.status, tc.body)
			}
			for _, cmd := range srv.Commands() {
				if strings.HasPrefix(cmd, "USER") || strings.HasPrefix(cmd, "AUTH") {
					t.Errorf("the readiness probe signed in: %q", cmd)
				}
			}
		})
	}
}
