package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// padRecorder stands in for the sign-in's padding: it records until when
// it was asked to wait, and returns at once.
type padRecorder struct {
	mu     sync.Mutex
	until  []time.Time
	hasCtx []bool
}

func (p *padRecorder) wait(ctx context.Context, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, deadline := ctx.Deadline()
	p.until = append(p.until, t)
	p.hasCtx = append(p.hasCtx, deadline)
}

func (p *padRecorder) calls() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.until...)
}

// newUnreachableApp serves the app with users free to name servers,
// listing srv's plain port as the one listed server.
func newUnreachableApp(t *testing.T, srv *pop3test.Server, allowed []netip.Prefix, roots bool) (*httptest.Server, *padRecorder) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := session.NewManager(session.Config{Logger: logger, Envelope: web.ParseEnvelope})
	t.Cleanup(func() { m.Close(t.Context()) })
	any := &web.AnyServer{Allowed: allowed}
	if roots {
		any.RootCAs = srv.CertPool()
	}
	s := web.NewServer(web.Config{
		Logger:    logger,
		Upstreams: []session.Upstream{{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}},
		AnyServer: any,
	}, m)
	pads := &padRecorder{}
	web.SetWaitUntil(s, pads.wait)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, pads
}

// signInBody posts a sign-in to server and returns the status and the
// page with the typed server taken out, so that pages for different
// servers compare.
func signInBody(t *testing.T, app, server string) (int, string) {
	t.Helper()
	status, page := signInFrom(t, app, "", url.Values{"server": {server}, "username": {"alice"}, "password": {"pw"}})
	return status, strings.ReplaceAll(page, server, "SERVER")
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

// hangUpPort returns a loopback port that accepts connections and closes
// them at once: a TLS handshake there fails.
func hangUpPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// TestUnreachableServerLooksAlike: for a server a user named, a refused
// port, a forbidden address, a server without TLS, one whose TLS
// handshake fails and one whose certificate does not verify all give the
// same status and page, so that sign-in tells nothing about the networks
// popgate can see; each answer is padded to UserNamedDialTimeout.
func TestUnreachableServerLooksAlike(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw")
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	_, tlsPort, _ := net.SplitHostPort(srv.TLSAddr())
	var refusedBody string
	for _, tc := range []struct {
		name    string
		server  string
		allowed []netip.Prefix
		roots   bool
	}{
		{"refused port", "pop3s://127.0.0.1:" + closedPort(t), loopback, true},
		{"forbidden address", "pop3s://127.0.0.1:" + tlsPort, nil, true},
		{"forbidden IPv4 in IPv6", "pop3s://[64:ff9b::7f00:1]:" + tlsPort, nil, true},
		{"no TLS", "pop3s://" + srv.Addr(), loopback, true},
		{"TLS handshake fails", "pop3s://127.0.0.1:" + hangUpPort(t), loopback, true},
		{"certificate not trusted", "pop3s://" + srv.TLSAddr(), loopback, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, pads := newUnreachableApp(t, srv, tc.allowed, tc.roots)
			before := time.Now()
			status, body := signInBody(t, ts.URL, tc.server)
			after := time.Now()
			if status != http.StatusBadGateway {
				t.Errorf("sign-in to %s = %d, want %d", tc.server, status, http.StatusBadGateway)
			}
			want := "popgate could not reach that server, or it did not answer as a POP3 server over TLS. Check its name."
			if !strings.Contains(body, want) {
				t.Errorf("sign-in to %s: page lacks %q", tc.server, want)
			}
			if tc.name == "refused port" {
				refusedBody = body
			} else if refusedBody != "" && body != refusedBody {
				t.Errorf("sign-in to %s: page differs from the refused port's:\n%s\nwant\n%s", tc.server, body, refusedBody)
			}
			calls := pads.calls()
			if len(calls) != 1 {
				t.Fatalf("padding asked %d times, want 1", len(calls))
			}
			lo, hi := before.Add(session.UserNamedDialTimeout), after.Add(session.UserNamedDialTimeout)
			if calls[0].Before(lo) || calls[0].After(hi) {
				t.Errorf("padded until %v after the request, want %v", calls[0].Sub(before), session.UserNamedDialTimeout)
			}
			if !pads.hasCtx[0] {
				t.Errorf("padding was not given the request's deadline")
			}
		})
	}
}

// TestUnreachableOnlyForUserNamed: a wrong password on a server the user
// named, and a listed server that is down, keep their own words and are
// not padded.
func TestUnreachableOnlyForUserNamed(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "secret")
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	ts, pads := newUnreachableApp(t, srv, loopback, true)
	if status, _ := signInBody(t, ts.URL, "pop3s://"+srv.TLSAddr()); status != http.StatusUnauthorized {
		t.Errorf("wrong password on a named server = %d, want %d", status, http.StatusUnauthorized)
	}
	srv.Close()
	if status, body := signInBody(t, ts.URL, "0"); status != http.StatusServiceUnavailable || !strings.Contains(body, "not answering") {
		t.Errorf("listed server down = %d, want %d saying it is not answering", status, http.StatusServiceUnavailable)
	}
	if n := len(pads.calls()); n != 0 {
		t.Errorf("padding asked %d times, want 0", n)
	}
}

// TestSleepUntilHonoursContext: the padding ends with the request.
func TestSleepUntilHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	web.SleepUntil(ctx, start.Add(time.Hour))
	if d := time.Since(start); d > time.Second {
		t.Errorf("SleepUntil with an ended context took %v", d)
	}
}
