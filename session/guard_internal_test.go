package session

import (
	"net/netip"
	"testing"
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
