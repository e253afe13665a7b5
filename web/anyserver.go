package web

import (
	"context"
	"crypto/x509"
	"net/netip"
	"strings"
	"time"

	"popgate/pop3"
	"popgate/session"
)

// AnyServer lets users sign in to POP3 servers the admin did not list.
type AnyServer struct {
	// RootCAs verifies those servers' certificates; nil means the system
	// pool.
	RootCAs *x509.CertPool
	// Allowed are private, loopback, link-local or CGNAT networks that may
	// be reached all the same. Every other such address is refused, and
	// so is an IPv6 address carrying such an IPv4 address (see
	// session.GuardedDialer).
	Allowed []netip.Prefix
}

// freeUpstream turns what a user typed ("host", "host:port",
// "pop3s://host[:port]" or "pop3://host[:port]") into an upstream that
// dials only public addresses. Plain-text POP3 is never offered here.
func (s *Server) freeUpstream(typed string) (session.Upstream, bool) {
	typed = strings.TrimSpace(typed)
	if s.anyServer == nil || typed == "" || len(typed) > 300 {
		return session.Upstream{}, false
	}
	if !strings.Contains(typed, "://") {
		typed = "pop3s://" + typed
	}
	up, err := session.ParseUpstream(typed)
	if err != nil || up.Options.Security == pop3.SecurityNone {
		return session.Upstream{}, false
	}
	up.Options.TLSConfig.RootCAs = s.anyServer.RootCAs
	up.Options.DialContext = session.GuardedDialer(s.anyServer.Allowed)
	up.UserNamed = true
	up.Options.Observe = s.metrics.ObservePOP3
	up.Options.MaxListLines = 100_000 // and so 8 MB: any stranger may name a server
	return up, true
}

// padUnreachable holds the answer to a sign-in that failed to reach a
// server the user named until UserNamedDialTimeout after start, or until
// the request ends: a refused port answers as late as a silent one. The
// caller holds no session lock.
func (s *Server) padUnreachable(ctx context.Context, start time.Time) {
	s.waitUntil(ctx, start.Add(session.UserNamedDialTimeout))
}

// sleepUntil returns at t, or sooner when ctx ends.
func sleepUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}
