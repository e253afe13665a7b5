package web

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
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
	// be reached all the same. Every other such address is refused.
	Allowed []netip.Prefix
}

// errForbiddenAddress is returned by the guarded dialer.
var errForbiddenAddress = errors.New("web: address not allowed for user-chosen servers")

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
			DialContext: guardedDialer(s.anyServer.Allowed),
			Observe:     s.metrics.ObservePOP3,
		},
	}, true
}

// guardedDialer refuses, at connect time, addresses inside the operator's
// own networks. Checking the resolved address as the socket connects,
// rather than a name beforehand, is what defeats DNS rebinding.
func guardedDialer(allowed []netip.Prefix) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{
		Timeout: 15 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return errForbiddenAddress
			}
			if ip := ap.Addr().Unmap(); internalAddress(ip) && !inPrefixes(allowed, ip) {
				return fmt.Errorf("%w: %s", errForbiddenAddress, ip)
			}
			return nil
		},
	}
	return d.DialContext
}

// cgnat is the shared address space of RFC 6598.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// internalAddress reports addresses that are not the public Internet.
func internalAddress(ip netip.Addr) bool {
	return !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() ||
		ip.IsUnspecified() || cgnat.Contains(ip) || (ip.Is4() && ip.As4()[0] == 0)
}

func inPrefixes(ps []netip.Prefix, ip netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
