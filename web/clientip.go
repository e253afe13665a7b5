package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP returns the address of the browser: the TCP peer, or, when the
// peer is one of the trusted proxies, the last address in
// X-Forwarded-For that is not itself a trusted proxy. A header from anyone
// else is ignored: it is the client's own word.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	peer := remoteAddr(r)
	if !s.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		addr, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = addr.Unmap()
		if !s.trusted(addr) {
			return addr
		}
		peer = addr
	}
	return peer
}

// isHTTPS reports whether the browser reached us over HTTPS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto. The session
// cookie is then Secure and carries the __Host- prefix.
func (s *Server) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !s.trusted(remoteAddr(r)) {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

func (s *Server) trusted(addr netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap()
}
