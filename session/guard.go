package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned (wrapped) by a GuardedDialer asked to
// connect to an address it must not reach.
var ErrForbiddenAddress = errors.New("session: address not allowed for user-chosen servers")

// GuardedDialer returns a dial function for pop3.Options.DialContext that
// refuses, at connect time, addresses inside the operator's own networks:
// private, loopback, link-local, multicast and CGNAT ones, unless allowed
// lists them. Checking the resolved address as the socket connects, rather
// than a name beforehand, is what defeats DNS rebinding.
//
// An IPv6 address that carries an IPv4 one is judged by the IPv4 address:
// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64
// (64:ff9b::a.b.c.d, which a NAT64 gateway forwards to a.b.c.d) and 6to4
// (2002:aabb:ccdd::/48). Where the IPv4 address can't be told, the address
// is refused: Teredo (2001::/32), the local-use NAT64 prefix
// (64:ff9b:1::/48) and the deprecated site-local fec0::/10. An allowed
// network admits an address that it contains, or whose carried IPv4
// address it contains; an IPv4 network may be written as such
// (10.0.0.0/8) or IPv4-mapped (::ffff:10.0.0.0/104).
//
// Each connection attempt gives up after UserNamedDialTimeout. The
// function is safe for concurrent use.
func GuardedDialer(allowed []netip.Prefix) func(ctx context.Context, network, addr string) (net.Conn, error) {
	allowed = normalizePrefixes(allowed)
	d := &net.Dialer{
		Timeout: UserNamedDialTimeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return ErrForbiddenAddress
			}
			if ip := ap.Addr(); forbiddenAddress(ip, allowed) {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
			}
			return nil
		},
	}
	return d.DialContext
}

// UserNamedDialTimeout bounds connecting to a server a user named, and,
// for an Upstream with UserNamed set, the whole dial phase: connection,
// TLS, greeting and CAPA.
const UserNamedDialTimeout = 10 * time.Second

// forbiddenAddress reports whether a server a user named at ip must not be
// reached, allowed having gone through normalizePrefixes. It doesn't
// perform I/O.
func forbiddenAddress(ip netip.Addr, allowed []netip.Prefix) bool {
	ip = ip.WithZone("") // Prefix.Contains is false for any zoned address
	if inPrefixes(allowed, ip) {
		return false
	}
	v4, carries, opaque := embeddedIPv4(ip)
	switch {
	case opaque:
		return true
	case carries:
		return internalAddress(v4) && !inPrefixes(allowed, v4)
	}
	return internalAddress(ip)
}

// Prefixes of IPv6 addresses that carry an IPv4 one.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")   // RFC 6052
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48") // RFC 8215
	sixToFour  = netip.MustParsePrefix("2002::/16")      // RFC 3056
	teredo     = netip.MustParsePrefix("2001::/32")      // RFC 4380
	siteLocal  = netip.MustParsePrefix("fec0::/10")      // RFC 3879
	compatible = netip.MustParsePrefix("::/96")          // RFC 4291 2.5.5.1
)

// embeddedIPv4 returns the IPv4 address an IPv6 address carries, if it
// carries one (carries), or reports that it belongs to a range whose
// IPv4 address can't be told or that is local by definition (opaque).
func embeddedIPv4(ip netip.Addr) (v4 netip.Addr, carries, opaque bool) {
	if !ip.Is6() {
		return netip.Addr{}, false, false
	}
	if ip.Is4In6() {
		return ip.Unmap(), true, false
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true, false
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true, false
	case compatible.Contains(ip) && !ip.IsUnspecified() && !ip.IsLoopback():
		return netip.AddrFrom4([4]byte(b[12:16])), true, false
	case nat64Local.Contains(ip), teredo.Contains(ip), siteLocal.Contains(ip):
		return netip.Addr{}, false, true
	}
	return netip.Addr{}, false, false
}

// normalizePrefixes writes IPv4-mapped prefixes (::ffff:10.0.0.0/104) as
// the IPv4 ones they stand for, which is how addresses are judged.
func normalizePrefixes(ps []netip.Prefix) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked()
		}
		out = append(out, p)
	}
	return out
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
