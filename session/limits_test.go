package session

import (
	"context"
	"errors"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

func TestMaxConns(t *testing.T) {
	srv := newTestServer(t, nil, 2, "alice", "bob", "carol")
	m, _ := newTestManager(t, Config{MaxConns: 2})
	up := testUpstream(srv.Addr())
	ctx := context.Background()
	alice := mustLogin(t, m, up, "alice")
	bob := mustLogin(t, m, up, "bob")

	// Full: carol's sign-in closes alice's connection, the least recently used.
	carol := mustLogin(t, m, up, "carol")
	if got := m.Stats(); got != (Stats{Sessions: 3, Conns: 2}) {
		t.Fatalf("Stats() = %+v, want 3 sessions, 2 connections", got)
	}
	// alice gets a connection back by closing bob's.
	if got := len(mustMessages(t, alice)); got != 2 {
		t.Fatalf("Messages() = %d messages, want 2", got)
	}
	if got := m.Stats().Conns; got != 2 {
		t.Fatalf("Stats().Conns = %d, want 2", got)
	}
	// Connections holding pending deletions are never taken.
	for _, s := range []*Session{alice, carol} {
		if err := s.Delete(ctx, srv.UIDs(s.Username())[0]); err != nil {
			t.Fatalf("Delete() = %v, want nil", err)
		}
	}
	if _, err := bob.Messages(ctx); !errors.Is(err, ErrTooManyConnections) {
		t.Fatalf("Messages() with all connections pinned = %v, want ErrTooManyConnections", err)
	}
	if _, err := m.Login(ctx, up, "bob", testPassword); !errors.Is(err, ErrTooManyConnections) {
		t.Fatalf("Login() with all connections pinned = %v, want ErrTooManyConnections", err)
	}
	for _, s := range []*Session{alice, carol} {
		if n, err := m.Logout(ctx, s); n != 1 || err != nil {
			t.Fatalf("Logout(%s) = %d, %v, want 1, nil", s.Username(), n, err)
		}
	}
	if got := len(mustMessages(t, bob)); got != 2 {
		t.Fatalf("Messages() = %d messages, want 2", got)
	}
	checkMailbox(t, srv, "alice", 2)
	checkMailbox(t, srv, "carol", 2)
}

func TestLoginDelay(t *testing.T) {
	srv := newTestServer(t, &pop3test.Options{LoginDelay: 500 * time.Millisecond}, 2, "alice")
	m, _ := newTestManager(t, Config{})
	up := testUpstream(srv.Addr())
	ctx := context.Background()
	s := mustLogin(t, m, up, "alice")
	if err := s.Refresh(ctx); !errors.Is(err, ErrLoginDelay) {
		t.Fatalf("Refresh() within LOGIN-DELAY = %v, want ErrLoginDelay", err)
	}
	if got := len(mustMessages(t, s)); got != 2 {
		t.Fatalf("Messages() after a refused Refresh = %d messages, want 2", got)
	}
	if _, err := m.Logout(ctx, s); err != nil {
		t.Fatal(err)
	}
	conns := srv.ConnCount()
	_, err := m.Login(ctx, up, "alice", testPassword)
	var lde *LoginDelayError
	if !errors.Is(err, ErrLoginDelay) || !errors.As(err, &lde) || lde.RetryAfter <= 0 || lde.RetryAfter > time.Second {
		t.Fatalf("Login() within LOGIN-DELAY = %v, want a *LoginDelayError under 1s", err)
	}
	if srv.ConnCount() != conns {
		t.Errorf("Login() within LOGIN-DELAY dialed the server")
	}
	time.Sleep(lde.RetryAfter)
	s = mustLogin(t, m, up, "alice")
	if _, err := m.Logout(ctx, s); err != nil {
		t.Fatal(err)
	}
}
