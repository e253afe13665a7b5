package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// connLimitsApp serves listed as the one listed server, lets users name
// servers on loopback (trusting hostile's certificate) and believes
// X-Forwarded-For from loopback, so that a test can sign in from many
// networks.
func connLimitsApp(t *testing.T, listed, hostile *pop3test.Server, cfg session.Config) *httptest.Server {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Logger, cfg.Envelope = logger, web.ParseEnvelope
	m := session.NewManager(cfg)
	t.Cleanup(func() { m.Close(t.Context()) })
	s := web.NewServer(web.Config{
		Logger:         logger,
		Upstreams:      []session.Upstream{{ID: "0", Label: "Test", Addr: listed.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}},
		AnyServer:      &web.AnyServer{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, RootCAs: hostile.CertPool()},
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	}, m)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// signInFrom posts a sign-in, from client through the trusted proxy
// unless it is empty, and returns the status and page.
func signInFrom(t *testing.T, app, client string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", app+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	resp, err := noRedirects().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestLoginDelayFloodLeavesRoom: a stranger signs in a hundred times, from
// a hundred networks, to a server of their own that lets anyone in and
// announces LOGIN-DELAY, on a popgate with 40 connections. They hold at
// most that server's share, and the owner of a mailbox on the listed
// server still signs in.
func TestLoginDelayFloodLeavesRoom(t *testing.T) {
	listed := pop3test.NewServer(t, nil)
	listed.AddMailbox("demo", "demo")
	hostile := pop3test.NewServer(t, &pop3test.Options{AnyUser: true, LoginDelay: time.Hour, NoLock: true})
	ts := connLimitsApp(t, listed, hostile, session.Config{MaxConns: 40})
	_, port, _ := strings.Cut(hostile.TLSAddr(), ":")
	for i := range 100 {
		form := url.Values{"server": {"pop3s://127.0.0.1:" + port}, "username": {fmt.Sprintf("x%d", i)}, "password": {"x"}}
		if status, _ := signInFrom(t, ts.URL, fmt.Sprintf("10.%d.%d.7", i/200, i%200), form); status != http.StatusSeeOther {
			t.Fatalf("sign-in %d to the hostile server = %d, want 303", i, status)
		}
	}
	if status, page := signInFrom(t, ts.URL, "192.0.2.1", url.Values{"server": {"0"}, "username": {"demo"}, "password": {"demo"}}); status != http.StatusSeeOther {
		t.Fatalf("demo's sign-in after the flood = %d, want 303:\n%s", status, page)
	}
	if got := hostile.ActiveConns(); got > 10 {
		t.Fatalf("the hostile server holds %d connections, want its share", got)
	}
}

// TestNetworkShareMessage: when the browsers of one network hold their
// share of connections, a sign-in from it gets 503 and a page that says
// it is their network's share, while another network signs in.
func TestNetworkShareMessage(t *testing.T) {
	listed := pop3test.NewServer(t, nil)
	listed.AddMailbox("alice", "pw", []byte("Subject: one\r\n\r\nbody\r\n"))
	listed.AddMailbox("bob", "pw")
	listed.AddMailbox("carol", "pw")
	ts := connLimitsApp(t, listed, listed, session.Config{MaxConnsPerNetwork: 1})

	// alice's deletion pins her connection until she signs out.
	c := noRedirects()
	c.Jar = newJar()
	req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(url.Values{"server": {"0"}, "username": {"alice"}, "password": {"pw"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "192.0.2.10")
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("alice's sign-in = %v, %v", resp, err)
	}
	resp.Body.Close()
	uid := listed.UIDs("alice")[0]
	req, _ = http.NewRequest("POST", ts.URL+"/delete", strings.NewReader(url.Values{"uid": {uid}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "192.0.2.10")
	if resp, err = c.Do(req); err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("alice's deletion = %v, %v", resp, err)
	}
	resp.Body.Close()

	status, page := signInFrom(t, ts.URL, "192.0.2.99", url.Values{"server": {"0"}, "username": {"bob"}, "password": {"pw"}})
	if status != http.StatusServiceUnavailable || !strings.Contains(page, "for your network") {
		t.Fatalf("sign-in from alice's network = %d, want 503 saying the network's share is taken:\n%s", status, page)
	}
	if status, _ := signInFrom(t, ts.URL, "198.51.100.4", url.Values{"server": {"0"}, "username": {"carol"}, "password": {"pw"}}); status != http.StatusSeeOther {
		t.Fatalf("sign-in from another network = %d, want 303", status)
	}
}
