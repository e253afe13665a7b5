package web

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"popgate/pop3"
	"popgate/session"
)

// AnyServer lets users sign in to POP3 servers the admin did not list.
type AnyServer struct {
	// RootCAs verifies those servers' certificates; nil means the system
	// pool.
	RootCAs *x509.CertPool
	// Allowed are private, loopback, link-local or CGNAT networks that may
	// be reached all the same. Every other such address is refused.
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
	u, err := url.Parse(typed)
	if err != nil || u.Hostname() == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return session.Upstream{}, false
	}
	security, port := pop3.SecurityTLS, "995"
	switch strings.ToLower(u.Scheme) {
	case "pop3s":
	case "pop3":
		security, port = pop3.SecurityStartTLS, "110"
	default:
		return session.Upstream{}, false
	}
	if u.Port() != "" {
		port = u.Port()
	}
	host := strings.ToLower(u.Hostname())
	addr := net.JoinHostPort(host, port)
	return session.Upstream{
		ID:    u.Scheme + "://" + addr,
		Label: host,
		Addr:  addr,
		Options: pop3.Options{
			Security:    security,
			TLSConfig:   &tls.Config{RootCAs: s.anyServer.RootCAs, ServerName: host},
			DialContext: session.GuardedDialer(s.anyServer.Allowed),
			Observe:     s.metrics.ObservePOP3,
		},
	}, true
}
