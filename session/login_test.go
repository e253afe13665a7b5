package session

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"slices"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
)

func TestLoginSnapshot(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice")
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")

	msgs := mustMessages(t, s)
	if got, want := uidsOf(msgs), srv.UIDs("alice"); !slices.Equal(got, want) {
		t.Fatalf("Messages() UIDs = %v, want %v", got, want)
	}
	for i, msg := range msgs {
		if msg.Number != i+1 || msg.Size != int64(len(testMsg(i+1))) {
			t.Errorf("Messages()[%d] = %+v, want number %d size %d", i, msg, i+1, len(testMsg(i+1)))
		}
	}
	if mustView(t, s).SyntheticIDs {
		t.Errorf("SyntheticIDs() = true, want false")
	}
	if !mustView(t, s).Capabilities.Has("UIDL") {
		t.Errorf("Capabilities() = %v, want UIDL", mustView(t, s).Capabilities)
	}
	if s.Username() != "alice" || s.Upstream().ID != "test" || len(s.ID()) < 43 {
		t.Errorf("Username, Upstream, ID = %q, %q, %q", s.Username(), s.Upstream().ID, s.ID())
	}
	if v := mustView(t, s); v.SnapshotTime.IsZero() || v.SyntheticIDs || !v.Capabilities.Has("UIDL") || v.Pending != nil {
		t.Errorf("View() = %+v, want a snapshot time, UIDL and nothing pending", v)
	}
	if got := m.Stats(); got != (Stats{Sessions: 1, Conns: 1}) {
		t.Errorf("Stats() = %+v, want 1 session, 1 connection", got)
	}
	if bytes.Contains(s.st.sealed, []byte(testPassword)) {
		t.Errorf("the sealed password contains the password")
	}
	if srv.Logins() != 1 {
		t.Errorf("server saw %d logins, want 1", srv.Logins())
	}
}

func TestLoginErrors(t *testing.T) {
	srv := newTestServer(t, nil, 1, "alice")
	m, _ := newTestManager(t, Config{})
	up := testUpstream(srv.Addr())
	ctx := context.Background()

	var perr *pop3.Error
	if _, err := m.Login(ctx, up, "alice", "wrong"); !errors.As(err, &perr) || !perr.HasCode(pop3.CodeAuth) {
		t.Errorf("Login(wrong password) = %v, want -ERR [AUTH]", err)
	}
	// Another mail program holds the mailbox: [IN-USE] reaches the user.
	other, err := pop3.Dial(ctx, up.Addr, &up.Options)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Login(ctx, "alice", testPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Login(ctx, up, "alice", testPassword); !errors.As(err, &perr) || !perr.HasCode(pop3.CodeInUse) {
		t.Errorf("Login() while another program holds the mailbox = %v, want -ERR [IN-USE]", err)
	}
	other.Quit(ctx)
	s := mustLogin(t, m, up, "alice")
	if got := m.Stats(); got != (Stats{Sessions: 1, Conns: 1}) {
		t.Errorf("Stats() after failed logins = %+v, want 1 session, 1 connection", got)
	}
	s2 := &Session{st: s.st, key: newKey()}
	if err := s2.Refresh(ctx); !errors.Is(err, ErrNoSession) {
		t.Errorf("Refresh() with a wrong key = %v, want ErrNoSession", err)
	}
	if _, err := m.Login(ctx, testUpstream("127.0.0.1:1"), "alice", testPassword); err == nil {
		t.Errorf("Login(closed port) = nil, want an error")
	}
}

func TestLoginSyntheticIDs(t *testing.T) {
	srv := newTestServer(t, &pop3test.Options{NoUIDL: true}, 3, "alice")
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	if !mustView(t, s).SyntheticIDs {
		t.Fatalf("SyntheticIDs() = false, want true")
	}
	msgs := mustMessages(t, s)
	if err := s.Delete(context.Background(), msgs[0].UID); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh() = %v, want nil", err)
	}
	if got := mustView(t, s).Pending; !slices.Equal(got, []string{msgs[0].UID}) {
		t.Fatalf("Pending() after Refresh = %v, want %v", got, msgs[0].UID)
	}
	if n, err := m.Logout(context.Background(), s); n != 1 || err != nil {
		t.Fatalf("Logout() = %d, %v, want 1, nil", n, err)
	}
	checkMailbox(t, srv, "alice", 2, 3)
}

func TestLoginTLS(t *testing.T) {
	srv := newTestServer(t, nil, 2, "alice")
	m, _ := newTestManager(t, Config{})
	up := Upstream{ID: "tls", Addr: srv.TLSAddr()}
	up.Options.TLSConfig = &tls.Config{RootCAs: srv.CertPool(), ServerName: "localhost"}
	s := mustLogin(t, m, up, "alice")
	if got := len(mustMessages(t, s)); got != 2 {
		t.Fatalf("Messages() = %d messages, want 2", got)
	}
}

// TestLoginTakesOverOwnSession: signing in again (another browser, a lost
// cookie) ends the account's earlier popgate session as sign-out does,
// instead of failing with [IN-USE] until it expires.
func TestLoginTakesOverOwnSession(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice")
	m, _ := newTestManager(t, Config{})
	up := testUpstream(srv.Addr())
	ctx := context.Background()
	first := mustLogin(t, m, up, "alice")
	if err := first.Delete(ctx, mustMessages(t, first)[0].UID); err != nil {
		t.Fatal(err)
	}
	second := mustLogin(t, m, up, "alice")
	checkMailbox(t, srv, "alice", 2, 3)
	if got := len(mustMessages(t, second)); got != 2 {
		t.Errorf("new session lists %d messages, want 2", got)
	}
	if _, err := first.Messages(ctx); !errors.Is(err, ErrNoSession) {
		t.Errorf("old session Messages() = %v, want ErrNoSession", err)
	}
	if _, err := m.Login(ctx, up, "alice", "wrong"); err == nil {
		t.Errorf("Login(wrong password) succeeded")
	}
	if got := len(mustMessages(t, second)); got != 2 {
		t.Errorf("a wrong password ended the session: %d messages", got)
	}
}
