package web_test

import (
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/web"
)

// TestSignInListingTooLarge: a server whose CAPA or list of messages is
// over the client's budget gives a page that says so, not that the server
// is down or a message is too large; a server the user named has the
// smaller budget.
func TestSignInListingTooLarge(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  pop3test.Options
		named bool // the user names the server
	}{
		{"CAPA of 975 MB", pop3test.Options{CAPAFlood: pop3test.Flood{Lines: 15000, LineLength: 65000}}, false},
		{"UIDL over the named-server budget", pop3test.Options{UIDLFlood: pop3test.Flood{Lines: 150_000}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := pop3test.NewServer(t, &tc.opts)
			srv.AddMailbox("alice", "pw", []byte("Subject: hi\r\n\r\nhello\r\n"))
			cfg := web.Config{}
			form := url.Values{"username": {"alice"}, "password": {"pw"}}
			if tc.named {
				cfg.AnyServer = &web.AnyServer{RootCAs: srv.CertPool(), Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
				form.Set("server", "pop3s://"+srv.TLSAddr())
			}
			ts, _ := signInApp(t, srv, pop3.SecurityNone, cfg)
			req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := noRedirects().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "more than popgate can handle") {
				t.Errorf("sign-in = %d saying:\n%s\nwant 502 saying the server sent more than popgate can handle", resp.StatusCode, body)
			}
		})
	}
}
