package web_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"popgate/pop3/pop3test"
)

// TestAnyServer: with POPGATE_ALLOW_ANY_SERVER a user may name a server,
// but never one on the operator's own networks, whether named by address
// or by a name that resolves there, unless the admin allowed that network;
// the refusal reads as any other server that could not be reached.
func TestAnyServer(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw")
	_, port, _ := strings.Cut(srv.TLSAddr(), ":")
	for _, tc := range []struct {
		name    string
		server  string
		allowed []netip.Prefix
		status  int
	}{
		{"loopback address", "pop3s://127.0.0.1:" + port, nil, http.StatusBadGateway},
		{"name resolving to loopback", "localhost:" + port, nil, http.StatusBadGateway},
		{"IPv4-mapped loopback", "pop3s://[::ffff:127.0.0.1]:" + port, nil, http.StatusBadGateway},
		{"IPv4-compatible loopback", "pop3s://[::127.0.0.1]:" + port, nil, http.StatusBadGateway},
		{"NAT64 loopback", "pop3s://[64:ff9b::7f00:1]:" + port, nil, http.StatusBadGateway},
		{"plain text is never offered", "pop3+insecure://127.0.0.1:" + port, nil, http.StatusBadRequest},
		{"allowed network", "pop3s://127.0.0.1:" + port, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, _ := newUnreachableApp(t, srv, tc.allowed, true)
			before := srv.ConnCount()
			resp := postLogin(t, noRedirects(), ts.URL+"/", url.Values{"server": {tc.server}, "username": {"alice"}, "password": {"pw"}}, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("sign-in to %s = %d, want %d", tc.server, resp.StatusCode, tc.status)
			}
			if tc.status != http.StatusSeeOther && srv.ConnCount() != before {
				t.Errorf("a refused server was connected to")
			}
		})
	}
}
