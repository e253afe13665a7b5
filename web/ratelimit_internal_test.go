package web

import (
	"net/netip"
	"testing"
	"time"

	"popgate/session"
)

// fakeClock is a limiter's clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func testLimiter(ceiling int) (*signInLimiter, *fakeClock) {
	c := &fakeClock{t: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}
	l := newSignInLimiter(1000, ceiling)
	l.now = c.now
	return l, c
}

var (
	attacker = netip.MustParseAddr("198.51.100.7")
	owner    = netip.MustParseAddr("203.0.113.9")
)

func TestLimiterOthersFailures(t *testing.T) {
	l, _ := testLimiter(0)
	for i := 0; i < 10; i++ {
		if l.wait(attacker, "bob", "") == 0 {
			l.failed(attacker, "bob", "")
		}
	}
	if w := l.wait(attacker, "bob", ""); w == 0 {
		t.Errorf("attacker's network is not held back after its failures")
	}
	if w := l.wait(netip.MustParseAddr("198.51.100.200"), "bob", ""); w == 0 {
		t.Errorf("another address of the attacker's /24 is not held back")
	}
	if w := l.wait(owner, "bob", ""); w != 0 {
		t.Errorf("owner's network waits %v after the attacker's failures, want 0", w)
	}
	if w := l.wait(attacker, "alice", ""); w != 0 {
		t.Errorf("another account from the attacker's network waits %v, want 0", w)
	}
}

func TestLimiterGrowingDelay(t *testing.T) {
	l, c := testLimiter(0)
	for i := 0; i < failuresPerNetwork; i++ {
		if w := l.wait(attacker, "bob", ""); w != 0 {
			t.Fatalf("failure %d within the budget waits %v", i+1, w)
		}
		l.failed(attacker, "bob", "")
	}
	var last time.Duration
	for i := 0; i < 8; i++ {
		w := l.wait(attacker, "bob", "")
		if w <= 0 || w > maxDelay {
			t.Fatalf("delay after %d failures = %v, want in (0, %v]", failuresPerNetwork+i, w, maxDelay)
		}
		if w < last || (w == last && w != maxDelay) {
			t.Errorf("delay after %d failures = %v, not longer than %v", failuresPerNetwork+i, w, last)
		}
		last = w
		c.advance(w)
		if w := l.wait(attacker, "bob", ""); w != 0 {
			t.Fatalf("still waiting %v once the delay passed", w)
		}
		l.failed(attacker, "bob", "")
	}
	if last != maxDelay {
		t.Errorf("delay stops growing at %v, want the cap %v", last, maxDelay)
	}
	// Quiet for long enough, the network starts afresh.
	c.advance(maxDelay + signInWindow)
	if w := l.wait(attacker, "bob", ""); w != 0 {
		t.Errorf("after a quiet spell the network waits %v, want 0", w)
	}
}

func TestLimiterCeiling(t *testing.T) {
	l, c := testLimiter(6)
	for i := 0; i < 6; i++ {
		ip := netip.AddrFrom4([4]byte{198, 51, byte(i), 7})
		l.failed(ip, "bob", "")
	}
	if w := l.wait(owner, "bob", ""); w == 0 {
		t.Errorf("failures from six networks don't reach the per-account ceiling")
	}
	if w := l.wait(owner, "bob", "device-1"); w != 0 {
		t.Errorf("a browser with the account's device cookie waits %v at the ceiling, want 0", w)
	}
	if w := l.wait(owner, "alice", ""); w != 0 {
		t.Errorf("another account waits %v, want 0", w)
	}
	c.advance(signInWindow)
	if w := l.wait(owner, "bob", ""); w != 0 {
		t.Errorf("the ceiling holds %v after the window, want 0", w)
	}
}

func TestLimiterDeviceOwnFailures(t *testing.T) {
	l, _ := testLimiter(0)
	for i := 0; i < failuresPerNetwork; i++ {
		l.failed(owner, "bob", "")
	}
	if w := l.wait(owner, "bob", "device-1"); w != 0 {
		t.Errorf("a device waits %v for failures of others on its network, want 0", w)
	}
	for i := 0; i < failuresPerNetwork; i++ {
		l.failed(owner, "bob", "device-1")
	}
	if w := l.wait(owner, "bob", "device-1"); w == 0 {
		t.Errorf("a device's own failures don't hold it back")
	}
	if w := l.wait(owner, "bob", "device-2"); w != 0 {
		t.Errorf("another device waits %v, want 0", w)
	}
}

func TestLimiterSuccessIsNoFailure(t *testing.T) {
	l, _ := testLimiter(3)
	for i := 0; i < 20; i++ {
		if w := l.wait(owner, "bob", ""); w != 0 {
			t.Fatalf("sign-in %d waits %v after only successes", i+1, w)
		}
		l.succeeded(owner, "bob", "")
	}
	for i := 0; i < failuresPerNetwork-1; i++ {
		l.failed(owner, "bob", "")
	}
	l.succeeded(owner, "bob", "")
	for i := 0; i < failuresPerNetwork-1; i++ {
		l.failed(owner, "bob", "")
	}
	if w := l.wait(owner, "bob", "device-1"); w != 0 {
		t.Errorf("failures before a success still count on the network: waits %v", w)
	}
}

func TestLimiterMemoryBound(t *testing.T) {
	l, c := testLimiter(0)
	for i := 0; i < maxLimiterEntries+1000; i++ {
		ip := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(i >> 16), byte(i >> 8), byte(i), 15: 1})
		l.failed(ip, "bob"+string(rune('a'+i%26)), "")
		if i%5000 == 0 {
			c.advance(time.Second)
		}
	}
	if n := l.entries(); n > 2*maxLimiterEntries {
		t.Errorf("limiter holds %d entries, want at most %d", n, 2*maxLimiterEntries)
	}
	c.advance(maxDelay + signInWindow + pruneEvery)
	l.wait(owner, "bob", "")
	if n := l.entries(); n != 0 {
		t.Errorf("limiter holds %d entries after they all expired, want 0", n)
	}
}

// TestAccountKeySpellings: every spelling of one server and user name
// shares one counter.
func TestAccountKeySpellings(t *testing.T) {
	s := &Server{anyServer: &AnyServer{}}
	for _, group := range [][]string{
		{"mail.example.com", "MAIL.example.com.", "pop3s://mail.example.com:995", "mail.example.com:0995", "pop3s://Mail.Example.Com.:00995"},
		{"192.0.2.10:12284", "192.0.2.10:012284", "[::ffff:192.0.2.10]:12284", "pop3s://[::ffff:c000:20a]:12284", "pop3://192.0.2.10:12284"},
		{"[2001:db8::1]", "[2001:DB8:0:0::1]:995", "pop3s://[2001:0db8::0001]"},
	} {
		var first string
		for _, typed := range group {
			up, ok := s.freeUpstream(typed)
			if !ok {
				t.Errorf("%q is refused", typed)
				continue
			}
			for _, user := range []string{"bob", " Bob ", "BOB"} {
				key := accountKey(up, user)
				if first == "" {
					first = key
				} else if key != first {
					t.Errorf("%q, user %q: key %q, want %q like %q", typed, user, key, first, group[0])
				}
			}
		}
	}
	a, _ := s.freeUpstream("mail.example.com")
	b, _ := s.freeUpstream("mail.example.org")
	if accountKey(a, "bob") == accountKey(b, "bob") || accountKey(a, "bob") == accountKey(a, "alice") {
		t.Errorf("two servers or two users share one key")
	}
	listed := session.Upstream{ID: "0", Addr: "mail.example.com:995"}
	if accountKey(listed, " BOB") != accountKey(listed, "bob") {
		t.Errorf("a listed server's key depends on the user name's case")
	}
}
