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
// than a name beforehand, is what defeats DNS rebinding. The function is
// safe for concurrent use.
func GuardedDialer(allowed []netip.Prefix) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{
		Timeout: 15 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return ErrForbiddenAddress
			}
			if ip := ap.Addr().Unmap(); internalAddress(ip) && !inPrefixes(allowed, ip) {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
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
