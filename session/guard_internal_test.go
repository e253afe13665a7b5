package session

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestInternalAddress(t *testing.T) {
	for _, tc := range []struct {
		ip       string
		internal bool
	}{
		{"127.0.0.1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"100.64.0.1", true}, {"100.127.255.254", true}, {"0.0.0.0", true}, {"0.1.2.3", true},
		{"224.0.0.1", true}, {"::1", true}, {"fe80::1", true}, {"fc00::1", true}, {"fd12::1", true}, {"::", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true},
		{"8.8.8.8", false}, {"100.128.0.1", false}, {"2001:4860:4860::8888", false}, {"198.51.100.7", false},
	} {
		ip := netip.MustParseAddr(tc.ip).Unmap()
		if got := internalAddress(ip); got != tc.internal {
			t.Errorf("internalAddress(%s) = %v, want %v", tc.ip, got, tc.internal)
		}
	}
}

// TestForbiddenAddress: an IPv6 address that carries an IPv4 one is
// judged by that IPv4 address, or refused where the IPv4 address can't be
// told; an allowed network stays allowed whichever way it is written.
func TestForbiddenAddress(t *testing.T) {
	ten := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tenMapped := []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}
	for _, tc := range []struct {
		ip        string
		allowed   []netip.Prefix
		forbidden bool
	}{
		{"8.8.8.8", nil, false},
		{"2001:4860:4860::8888", nil, false},
		{"127.0.0.1", nil, true},
		{"fe80::1%eth0", nil, true},
		// IPv4-mapped and IPv4-compatible.
		{"::ffff:127.0.0.1", nil, true},
		{"::ffff:8.8.8.8", nil, false},
		{"::127.0.0.1", nil, true},
		{"::10.0.0.5", nil, true},
		{"::8.8.8.8", nil, false},
		// NAT64, RFC 6052's well-known prefix.
		{"64:ff9b::7f00:1", nil, true},
		{"64:ff9b::a00:5", nil, true},
		{"64:ff9b::a9fe:a9fe", nil, true},
		{"64:ff9b::808:808", nil, false},
		// NAT64 local-use prefix (RFC 8215): the operator's own network.
		{"64:ff9b:1::a00:5", nil, true},
		{"64:ff9b:1:808:8:800::", nil, true},
		// 6to4.
		{"2002:7f00:1::1", nil, true},
		{"2002:a00:5::", nil, true},
		{"2002:c0a8:101::1", nil, true},
		{"2002:808:808::1", nil, false},
		// Teredo hides its client address; site-local is private.
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", nil, true},
		{"2001::1", nil, true},
		{"fec0::1", nil, true},
		{"feff::1", nil, true},
		// Allowed networks, written as IPv4 or IPv4-mapped.
		{"10.0.0.5", ten, false},
		{"::ffff:10.0.0.5", ten, false},
		{"64:ff9b::a00:5", ten, false},
		{"2002:a00:5::", ten, false},
		{"::10.0.0.5", ten, false},
		{"10.0.0.5", tenMapped, false},
		{"64:ff9b::a00:5", tenMapped, false},
		{"64:ff9b::7f00:1", ten, true},
		{"192.168.1.1", ten, true},
		{"2001::1", []netip.Prefix{netip.MustParsePrefix("2001::/32")}, false},
		{"fec0::1", []netip.Prefix{netip.MustParsePrefix("fec0::/10")}, false},
		{"64:ff9b:1::a00:5", []netip.Prefix{netip.MustParsePrefix("64:ff9b:1::/48")}, false},
	} {
		ip := netip.MustParseAddr(tc.ip)
		if got := forbiddenAddress(ip, normalizePrefixes(tc.allowed)); got != tc.forbidden {
			t.Errorf("forbiddenAddress(%s, %v) = %v, want %v", tc.ip, tc.allowed, got, tc.forbidden)
		}
	}
}

// TestGuardedDialerRefusesEmbedded: a dial to an IPv6 address that
// carries a loopback IPv4 one fails with ErrForbiddenAddress before any
// connection is attempted.
func TestGuardedDialerRefusesEmbedded(t *testing.T) {
	dial := GuardedDialer(nil)
	for _, addr := range []string{"[::127.0.0.1]:995", "[64:ff9b::7f00:1]:995", "[2002:7f00:1::1]:995", "[64:ff9b::a00:5]:995", "[2001::1]:995", "[fec0::1]:995"} {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		c, err := dial(ctx, "tcp", addr)
		cancel()
		if c != nil {
			c.Close()
		}
		var sysErr *net.OpError
		if !errors.Is(err, ErrForbiddenAddress) {
			if errors.As(err, &sysErr) && sysErr.Op == "socket" {
				t.Skipf("no IPv6 sockets here: %v", err)
			}
			t.Errorf("dial %s = %v, want ErrForbiddenAddress", addr, err)
		}
	}
}
