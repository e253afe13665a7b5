package session

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// loginFrom signs user in from addr.
func loginFrom(tb testing.TB, m *Manager, up Upstream, addr, user string) (*Session, error) {
	tb.Helper()
	return m.LoginFrom(context.Background(), netip.MustParseAddr(addr), up, user, testPassword)
}

// wantLimit fails unless err is a *ConnLimitError for limit.
func wantLimit(tb testing.TB, what string, err error, limit ConnLimit) {
	tb.Helper()
	var cle *ConnLimitError
	if !errors.As(err, &cle) || cle.Limit != limit || !errors.Is(err, ErrTooManyConnections) || KindOf(err) != KindTooManyConnections {
		tb.Fatalf("%s = %v, want a *ConnLimitError for limit %d", what, err, limit)
	}
}

// deleteFirst deletes the session's first message, which pins its
// connection: the deletion is pending until sign-out.
func deleteFirst(tb testing.TB, s *Session) {
	tb.Helper()
	if err := s.Delete(context.Background(), mustMessages(tb, s)[0].UID); err != nil {
		tb.Fatalf("Delete() = %v", err)
	}
}

func TestClientNetwork(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.77":            "192.0.2.0/24",
		"::ffff:192.0.2.77":     "192.0.2.0/24",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2::ff%eth0": "2001:db8:1:2::/64",
	} {
		if got := ClientNetwork(netip.MustParseAddr(addr)); got.String() != want {
			t.Errorf("ClientNetwork(%s) = %v, want %s", addr, got, want)
		}
	}
	if got := ClientNetwork(netip.Addr{}); got.IsValid() {
		t.Errorf("ClientNetwork(invalid) = %v, want an invalid prefix", got)
	}
}

// TestConnsPerNetwork: the browsers of one network hold at most their
// share; making room for one of them closes a connection of the same
// network, never another's; a network whose share is pinned gets
// LimitNetwork while the others still sign in.
func TestConnsPerNetwork(t *testing.T) {
	users := []string{"a1", "a2", "a3", "b1", "c1"}
	srv := newTestServer(t, nil, 2, users...)
	m, _ := newTestManager(t, Config{MaxConns: 10, MaxConnsPerNetwork: 2})
	up := testUpstream(srv.Addr())

	b1, err := loginFrom(t, m, up, "198.51.100.9", "b1")
	if err != nil {
		t.Fatal(err)
	}
	a1, err := loginFrom(t, m, up, "192.0.2.1", "a1")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := loginFrom(t, m, up, "192.0.2.2", "a2")
	if err != nil {
		t.Fatal(err)
	}
	// The network is full: a3 takes a1's connection, the least recently
	// used of its network, though b1's is older.
	if _, err := loginFrom(t, m, up, "192.0.2.3", "a3"); err != nil {
		t.Fatalf("third sign-in from one network, two idle = %v, want nil", err)
	}
	if got := m.Stats().Conns; got != 3 {
		t.Fatalf("Stats().Conns = %d, want 3", got)
	}
	eventually(t, "the server to see a1's connection closed", func() bool { return srv.ActiveConns() == 3 })
	b1.st.mu.Lock()
	kept := b1.st.client != nil
	b1.st.mu.Unlock()
	if !kept {
		t.Fatal("b1's connection, of another network, was closed to make room")
	}

	// a1 gets a connection back by closing a2's; pinned, they leave none.
	deleteFirst(t, a1)
	deleteFirst(t, a2)
	_, err = loginFrom(t, m, up, "192.0.2.200", "a3")
	wantLimit(t, "sign-in from a network whose share is pinned", err, LimitNetwork)
	if _, err := loginFrom(t, m, up, "203.0.113.5", "c1"); err != nil {
		t.Fatalf("sign-in from another network = %v, want nil", err)
	}
	// Reconnects count in the share of the network that signed in.
	cutConn(t, a2)
	if _, err := a2.Messages(context.Background()); err != nil {
		t.Fatalf("reconnect within the network's share = %v", err)
	}
	if n, err := m.Logout(context.Background(), a1); n != 1 || err != nil {
		t.Fatalf("Logout(a1) = %d, %v, want 1, nil", n, err)
	}
	if _, err := loginFrom(t, m, up, "192.0.2.200", "a3"); err != nil {
		t.Fatalf("sign-in after the network's share freed up = %v", err)
	}
}

// TestHostileLoginDelayServer is the attack on connection slots: a server
// a user named that lets anyone in and announces LOGIN-DELAY, so that its
// sessions would hold their connections. A hundred sign-ins to it, from a
// hundred networks, hold no more than one server's share, and the users
// of the listed server still sign in.
func TestHostileLoginDelayServer(t *testing.T) {
	hostile := pop3test.NewServer(t, &pop3test.Options{AnyUser: true, LoginDelay: time.Hour, NoLock: true})
	named := testUpstream(hostile.Addr())
	named.ID, named.UserNamed = "", true
	listed := newTestServer(t, nil, 2, "demo")
	m, _ := newTestManager(t, Config{MaxConns: 40}) // 4 for user-named servers, 1 each

	var first *Session
	for i := range 100 {
		s, err := loginFrom(t, m, named, fmt.Sprintf("10.%d.%d.1", i/200, i%200), fmt.Sprintf("x%d", i))
		if err != nil {
			t.Fatalf("sign-in %d to the hostile server = %v, want nil: each takes the last one's connection", i, err)
		}
		if first == nil {
			first = s
		}
	}
	if got := m.Stats().Conns; got != 1 {
		t.Fatalf("Stats().Conns = %d, want 1", got)
	}
	eventually(t, "the hostile server to see all but one connection closed", func() bool { return hostile.ActiveConns() == 1 })
	if _, err := loginFrom(t, m, testUpstream(listed.Addr()), "192.0.2.1", "demo"); err != nil {
		t.Fatalf("demo's sign-in = %v, want nil", err)
	}
	// The evicted session's user is told to wait out the server's delay.
	if _, err := first.Messages(context.Background()); KindOf(err) != KindLoginDelay {
		t.Fatalf("request of a session evicted under LOGIN-DELAY = %v, want KindLoginDelay", err)
	}
}

// TestUserNamedShare: connections to servers users named, pinned by
// pending deletions, hold at most their server's share and, across
// servers, the share of all of them; the listed server keeps the rest.
func TestUserNamedShare(t *testing.T) {
	users := []string{"u1", "u2", "u3", "u4", "u5", "demo"}
	servers := []*pop3test.Server{newTestServer(t, nil, 2, users...), newTestServer(t, nil, 2, users...), newTestServer(t, nil, 2, users...)}
	named := make([]Upstream, len(servers))
	for i, srv := range servers {
		named[i] = testUpstream(srv.Addr())
		named[i].ID, named[i].UserNamed = "", true
	}
	m, _ := newTestManager(t, Config{MaxConns: 20, MaxConnsUserNamed: 4}) // 1 for each server
	net := 0
	login := func(up Upstream, user string) (*Session, error) {
		net++
		return loginFrom(t, m, up, fmt.Sprintf("10.0.%d.1", net), user)
	}
	for i := range 3 {
		s, err := login(named[i], "u1")
		if err != nil {
			t.Fatalf("sign-in to named server %d = %v", i, err)
		}
		deleteFirst(t, s)
	}
	_, err := login(named[0], "u2")
	wantLimit(t, "second sign-in to a named server whose share is pinned", err, LimitServer)

	// A fourth server fills the share of all of them; a fifth finds none.
	fourth := testUpstream(newTestServer(t, nil, 2, "u1").Addr())
	fourth.ID, fourth.UserNamed = "", true
	s, err := login(fourth, "u1")
	if err != nil {
		t.Fatalf("sign-in to a fourth named server = %v", err)
	}
	deleteFirst(t, s)
	fifth := testUpstream(newTestServer(t, nil, 2, "u1").Addr())
	fifth.ID, fifth.UserNamed = "", true
	_, err = login(fifth, "u1")
	wantLimit(t, "sign-in with the user-named share pinned", err, LimitUserNamed)

	listed := testUpstream(servers[0].Addr())
	if _, err := login(listed, "demo"); err != nil {
		t.Fatalf("sign-in to the listed server = %v, want nil", err)
	}
}

// TestServerKey: every spelling of one named server is one key; a listed
// server's is its ID, apart from any named one.
func TestServerKey(t *testing.T) {
	key := func(addr string) string { return Upstream{Addr: addr, UserNamed: true}.ServerKey() }
	want := key("mail.example.org:995")
	for _, addr := range []string{"MAIL.example.org:995", "mail.example.org.:0995", "mail.example.org:00995"} {
		if got := key(addr); got != want {
			t.Errorf("ServerKey(%s) = %q, want %q", addr, got, want)
		}
	}
	if key("[::ffff:192.0.2.1]:995") != key("192.0.2.1:995") {
		t.Error("an IPv4-mapped address and its IPv4 form have different keys")
	}
	if key("[2001:DB8:0::1]:995") != key("[2001:db8::1]:995") {
		t.Error("two spellings of one IPv6 address have different keys")
	}
	if (Upstream{ID: "0", Addr: "mail.example.org:995"}).ServerKey() == want {
		t.Error("a listed server shares the key of a named one")
	}
}

// TestFailedSignInFreesMemory: a sign-in that read a listing over its
// budget before it failed tells Config.MemoryFreed, and a wrong password
// does not.
func TestFailedSignInFreesMemory(t *testing.T) {
	var freed atomic.Int32
	flood := newTestServer(t, &pop3test.Options{UIDLFlood: pop3test.Flood{Lines: 200}}, 1, "alice")
	m, _ := newTestManager(t, Config{MemoryFreed: func() { freed.Add(1) }})
	up := testUpstream(flood.Addr())
	up.Options.MaxListLines = 100
	if _, err := m.Login(context.Background(), up, "alice", "wrong"); KindOf(err) != KindWrongPassword {
		t.Fatalf("Login() with a wrong password = %v, want KindWrongPassword", err)
	}
	if got := freed.Load(); got != 0 {
		t.Fatalf("MemoryFreed calls after a wrong password = %d, want 0", got)
	}
	if _, err := m.Login(context.Background(), up, "alice", testPassword); KindOf(err) != KindListTooLarge {
		t.Fatalf("Login() to a flooding server = %v, want KindListTooLarge", err)
	}
	if got := freed.Load(); got != 1 {
		t.Fatalf("MemoryFreed calls after a listing over its budget = %d, want 1", got)
	}
}
