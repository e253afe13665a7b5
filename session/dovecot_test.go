package session

import (
	"context"
	"slices"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test/dovecot"
)

// TestDovecot runs sign-in, deletion, a lost connection and sign-out
// against a real server: exactly the deleted message's file must go.
func TestDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.Options{Users: map[string][][]byte{
		"alice": {testMsg(1), testMsg(2), testMsg(3)},
	}})
	m, _ := newTestManager(t, Config{})
	up := Upstream{ID: "dovecot", Addr: srv.Addr(), Options: pop3.Options{
		Security:  pop3.SecurityStartTLS,
		TLSConfig: srv.TLSConfig(),
	}}
	ctx := context.Background()
	s, err := m.Login(ctx, up, "alice", srv.Password("alice"))
	if err != nil {
		t.Fatalf("Login() = %v, want nil\n%s", err, srv.Log())
	}
	msgs := mustMessages(t, s)
	if len(msgs) != 3 {
		t.Fatalf("Messages() = %d messages, want 3", len(msgs))
	}
	files := srv.MaildirFiles("alice")
	if err := s.Delete(ctx, msgs[1].UID); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	// The connection drops: the mark is lost with it, the deletion is not.
	cutConn(t, s)
	if got := uidsOf(mustMessages(t, s)); !slices.Equal(got, []string{msgs[0].UID, msgs[2].UID}) {
		t.Fatalf("Messages() after reconnect = %v, want messages 1 and 3", got)
	}
	if got := len(srv.MaildirFiles("alice")); got != 3 {
		t.Fatalf("%d files before sign-out, want 3", got)
	}
	deleted, err := m.Logout(ctx, s)
	if deleted != 1 || err != nil {
		t.Fatalf("Logout() = %d, %v, want 1, nil\n%s", deleted, err, srv.Log())
	}
	if got, want := srv.MaildirFiles("alice"), []string{files[0], files[2]}; !slices.Equal(got, want) {
		t.Errorf("MaildirFiles() = %v, want %v", got, want)
	}
}
