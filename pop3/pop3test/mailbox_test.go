package pop3test_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

func TestAddMailboxNormalises(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"bare LF", "Subject: a\n\nbody\n", "Subject: a\r\n\r\nbody\r\n"},
		{"CRLF kept", "Subject: a\r\n\r\nbody\r\n", "Subject: a\r\n\r\nbody\r\n"},
		{"mixed", "Subject: a\r\n\nb\r\nc\n", "Subject: a\r\n\r\nb\r\nc\r\n"},
		{"no final newline kept", "Subject: a\n\nbody", "Subject: a\r\n\r\nbody"},
		{"mbox From line dropped", "From MAILER-DAEMON Thu Jan  1 00:00:00 2026\nSubject: a\n\nFrom here\n>From there\n", "Subject: a\r\n\r\nFrom here\r\n>From there\r\n"},
		{"From line only", "From x", ""},
		{"From: header kept", "From: a@example.org\n\nx\n", "From: a@example.org\r\n\r\nx\r\n"},
		{"lone CR kept", "a\rb\n", "a\rb\r\n"},
		{"8bit kept", "Subject: \xe2\x82\xac\n\n\x00\xff\n", "Subject: \xe2\x82\xac\r\n\r\n\x00\xff\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pop3test.New(nil)
			in := []byte(tc.in)
			s.AddMailbox("u", "p", in)
			got := s.Mailbox("u")
			if len(got) != 1 || string(got[0]) != tc.want {
				t.Fatalf("Mailbox() = %q, want [%q]", got, tc.want)
			}
			if string(in) != tc.in {
				t.Errorf("AddMailbox modified its argument to %q", in)
			}
			got[0] = append(got[0][:0], "changed"...)
			if again := s.Mailbox("u"); string(again[0]) != tc.want {
				t.Errorf("Mailbox() after changing a returned slice = %q, want %q", again[0], tc.want)
			}
		})
	}
}

func TestMailboxUnknownAndEmpty(t *testing.T) {
	s := newTestServer(t, nil)
	if got := s.Mailbox("nobody"); got != nil {
		t.Errorf("Mailbox(nobody) = %q, want nil", got)
	}
	if got := s.UIDs("nobody"); got != nil {
		t.Errorf("UIDs(nobody) = %q, want nil", got)
	}
	s.AddMailbox("empty", "pw")
	c := mustDial(t, s)
	c.run("C: USER empty\nS: +OK\nC: PASS pw\nS: +OK Logged in.\nC: STAT\nS: +OK 0 0\nC: LIST\nS: +OK 0 messages:\nS: .\nC: UIDL\nS: +OK\nS: .\nC: RETR 1\nS: -ERR There's no message 1.\n", "\r\n")
}

func TestAddMailboxFiles(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.eml")
	b := filepath.Join(dir, "b.eml")
	os.WriteFile(a, []byte(msgDots), 0o600)
	os.WriteFile(b, []byte("From x@y Sat Jan  3 00:00:00 2026\n"+msgThree), 0o600)

	s := newTestServer(t, nil)
	if err := s.AddMailboxFiles("bob", "pw", a, b); err != nil {
		t.Fatalf("AddMailboxFiles() = %v", err)
	}
	want := []string{crlf(msgDots), crlf(msgThree)}
	if got := mailboxStrings(s, "bob"); !slices.Equal(got, want) {
		t.Errorf("Mailbox() = %q, want %q", got, want)
	}

	err := s.AddMailboxFiles("bob", "other", a, filepath.Join(dir, "missing.eml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("AddMailboxFiles(missing) = %v, want fs.ErrNotExist", err)
	}
	if got := mailboxStrings(s, "bob"); !slices.Equal(got, want) {
		t.Errorf("Mailbox() after failed AddMailboxFiles = %q, want %q", got, want)
	}
	c := mustDial(t, s)
	c.run("C: USER bob\nS: +OK\nC: PASS pw\nS: +OK Logged in.\n", "\r\n")
}

func TestUIDs(t *testing.T) {
	s := newTestServer(t, nil)
	s.AddMailbox("bob", "pw", []byte(msgDots), []byte(msgDots))
	seen := map[string]bool{}
	for _, user := range []string{testUser, "bob"} {
		for _, uid := range s.UIDs(user) {
			if len(uid) < 1 || len(uid) > 70 || strings.IndexFunc(uid, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
				t.Errorf("UID %q violates RFC 1939 §7", uid)
			}
			if seen[uid] {
				t.Errorf("UID %q not unique", uid)
			}
			seen[uid] = true
		}
	}

	// The same UIDs across sessions, and after renumbering.
	uids := s.UIDs(testUser)
	listing := crlf("+OK\n1 " + uids[0] + "\n2 " + uids[1] + "\n3 " + uids[2] + "\n.\n")
	c := mustLogin(t, s)
	c.expect("UIDL", listing)
	c.expect("DELE 1", "+OK Marked to be deleted.\r\n")
	c.expect("QUIT", "+OK Logging out, messages deleted.\r\n")
	c = mustLogin(t, s)
	c.expect("UIDL", crlf("+OK\n1 "+uids[1]+"\n2 "+uids[2]+"\n.\n"))
	c.expect("UIDL 2", "+OK 2 "+uids[2]+"\r\n")

	// A replaced mailbox is a new mailbox, as after a UIDVALIDITY reset.
	c.expect("QUIT", "+OK Logging out.\r\n")
	s.AddMailbox(testUser, testPass, []byte(msgNoEOL), []byte(msgThree))
	for _, uid := range s.UIDs(testUser) {
		if slices.Contains(uids, uid) {
			t.Errorf("UID %q reused after AddMailbox replaced the mailbox", uid)
		}
	}
}

func TestDeleteCommittedAtQuit(t *testing.T) {
	s := newTestServer(t, nil)
	c := mustLogin(t, s)
	c.expect("DELE 1", "+OK Marked to be deleted.\r\n")
	c.expect("DELE 3", "+OK Marked to be deleted.\r\n")
	if got := len(s.Mailbox(testUser)); got != 3 {
		t.Fatalf("len(Mailbox()) = %d before QUIT, want 3", got)
	}
	c.expect("QUIT", "+OK Logging out, messages deleted.\r\n")
	c.expectEOF()
	if got, want := mailboxStrings(s, testUser), []string{crlf(msgNoEOL)}; !slices.Equal(got, want) {
		t.Errorf("Mailbox() = %q, want %q", got, want)
	}
	c = mustLogin(t, s)
	c.expect("STAT", "+OK 1 33\r\n")
}

func TestDeleteLostOnDrop(t *testing.T) {
	s := newTestServer(t, nil)
	c := mustLogin(t, s)
	c.expect("DELE 1", "+OK Marked to be deleted.\r\n")
	c.conn.Close()
	waitFor(t, "connection to end", func() bool { return s.ActiveConns() == 0 })
	if got := len(s.Mailbox(testUser)); got != 3 {
		t.Errorf("len(Mailbox()) = %d after drop, want 3", got)
	}
	// The lock went with the connection.
	c = mustLogin(t, s)
	c.expect("STAT", "+OK 3 125\r\n")
}

func TestCloseDiscardsPendingDeletions(t *testing.T) {
	s := newTestServer(t, nil)
	c := mustLogin(t, s)
	c.expect("DELE 1", "+OK Marked to be deleted.\r\n")
	s.Close()
	c.expectEOF()
	if got := len(s.Mailbox(testUser)); got != 3 {
		t.Errorf("len(Mailbox()) = %d after Close, want 3", got)
	}
}

func TestLock(t *testing.T) {
	const inUse = "-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n"
	s := newTestServer(t, nil)
	first := mustLogin(t, s)

	second := mustDial(t, s)
	second.expect("USER alice", "+OK\r\n")
	start := time.Now()
	second.expect("PASS open sesame", inUse)
	if d := time.Since(start); d > time.Second {
		t.Errorf("[IN-USE] took %v, want an immediate answer", d)
	}
	// Bad credentials are still reported as such while locked.
	second.expect("USER alice", "+OK\r\n")
	second.expect("PASS wrong", "-ERR [AUTH] Authentication failed.\r\n")

	first.expect("QUIT", "+OK Logging out.\r\n")
	second.expect("USER alice", "+OK\r\n")
	second.expect("PASS open sesame", "+OK Logged in.\r\n")

	// Other mailboxes are not affected.
	s.AddMailbox("bob", "pw")
	third := mustDial(t, s)
	third.expect("USER bob", "+OK\r\n")
	third.expect("PASS pw", "+OK Logged in.\r\n")

	// A dropped connection releases the lock too.
	second.conn.Close()
	waitFor(t, "lock release", func() bool {
		c := mustDial(t, s)
		c.expect("USER alice", "+OK\r\n")
		return c.cmd("PASS open sesame") == "+OK Logged in.\r\n"
	})
	if got := s.Logins(); got < 4 {
		t.Errorf("Logins() = %d, want at least 4", got)
	}
}

func TestNoLockSnapshots(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{NoLock: true})
	a := mustLogin(t, s)
	b := mustLogin(t, s)
	a.expect("DELE 1", "+OK Marked to be deleted.\r\n")
	a.expect("QUIT", "+OK Logging out, messages deleted.\r\n")
	b.run("C: STAT\nS: +OK 3 125\nC: LIST 1\nS: +OK 1 62\n"+
		"C: RETR 1\nS: -ERR Message 1 expunged.\nC: TOP 1 0\nS: -ERR Message 1 expunged.\n"+
		"C: RETR 3\nS: +OK 30 octets\nS: Subject: three\nS: \nS: b1\nS: b2\nS: b3\nS: .\n"+
		"C: DELE 1\nS: +OK Marked to be deleted.\nC: QUIT\nS: +OK Logging out, messages deleted.\n", "\r\n")
	if got := len(s.Mailbox(testUser)); got != 2 {
		t.Errorf("len(Mailbox()) = %d, want 2", got)
	}
}

func TestReplacedMailboxExpungesSnapshot(t *testing.T) {
	s := newTestServer(t, nil)
	c := mustLogin(t, s)
	s.AddMailbox(testUser, testPass, []byte(msgThree))
	c.expect("RETR 1", "-ERR Message 1 expunged.\r\n")
	// The lock survives the replacement.
	c2 := mustDial(t, s)
	c2.expect("USER alice", "+OK\r\n")
	c2.expect("PASS open sesame", "-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n")
}

func TestDeliver(t *testing.T) {
	s := newTestServer(t, nil)
	c := mustLogin(t, s)
	if err := s.Deliver(testUser, []byte("Subject: new\n\nhi\n")); err != nil {
		t.Fatalf("Deliver() = %v", err)
	}
	if got := len(s.Mailbox(testUser)); got != 4 {
		t.Errorf("len(Mailbox()) = %d, want 4", got)
	}
	// RFC 1939: the maildrop is a snapshot taken at login.
	c.expect("STAT", "+OK 3 125\r\n")
	c.expect("DELE 2", "+OK Marked to be deleted.\r\n")
	c.expect("QUIT", "+OK Logging out, messages deleted.\r\n")
	c = mustLogin(t, s)
	c.run("C: LIST\nS: +OK 3 messages:\nS: 1 62\nS: 2 30\nS: 3 20\nS: .\n", "\r\n")
	if err := s.Deliver("nobody", []byte("x")); err == nil {
		t.Error("Deliver(nobody) = nil, want an error")
	}
}

func TestLoginDelay(t *testing.T) {
	t.Parallel()
	// Long enough that the refused attempts below surely fall inside it,
	// even on a loaded machine.
	const delay = time.Second
	s := newTestServer(t, &pop3test.Options{LoginDelay: delay})
	start := time.Now()
	c := mustLogin(t, s)
	c.expect("QUIT", "+OK Logging out.\r\n")

	c = mustDial(t, s)
	c.expect("USER alice", "+OK\r\n")
	c.expect("PASS open sesame", "-ERR [LOGIN-DELAY] Logged in too recently, try again later.\r\n")
	c.expect("AUTH PLAIN "+b64("\x00alice\x00open sesame"), "-ERR [LOGIN-DELAY] Logged in too recently, try again later.\r\n")
	// Credentials are checked first, so a wrong password is not mistaken
	// for a delay.
	c.expect("USER alice", "+OK\r\n")
	c.expect("PASS nope", "-ERR [AUTH] Authentication failed.\r\n")

	time.Sleep(time.Until(start.Add(delay + 50*time.Millisecond)))
	c.login()
	if got := s.Logins(); got != 2 {
		t.Errorf("Logins() = %d, want 2", got)
	}
}

func TestExpireZeroRemovesRetrieved(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{Expire: "0"})
	c := mustLogin(t, s)
	c.readReplyOf("RETR 3")
	c.readReplyOf("TOP 1 0")
	c.expect("QUIT", "+OK Logging out, messages deleted.\r\n")
	if got, want := mailboxStrings(s, testUser), []string{crlf(msgDots), crlf(msgNoEOL)}; !slices.Equal(got, want) {
		t.Errorf("Mailbox() = %q, want %q", got, want)
	}
}

func (c *testConn) readReplyOf(cmd string) string {
	c.tb.Helper()
	got := c.cmd(cmd)
	if !strings.HasPrefix(got, "+OK") {
		c.tb.Fatalf("%s = %q, want +OK", cmd, got)
	}
	return got
}

func TestSetUIDs(t *testing.T) {
	s := newTestServer(t, nil)
	if err := s.SetUIDs(testUser, ".", "..", "a/b"); err != nil {
		t.Fatalf("SetUIDs() = %v, want nil", err)
	}
	if got, want := s.UIDs(testUser), []string{".", "..", "a/b"}; !slices.Equal(got, want) {
		t.Errorf("UIDs() = %q, want %q", got, want)
	}
	c := mustLogin(t, s)
	c.expect("UIDL", crlf("+OK\n1 .\n2 ..\n3 a/b\n.\n"))
	c.expect("DELE 2", "+OK Marked to be deleted.\r\n")
	c.expect("QUIT", "+OK Logging out, messages deleted.\r\n")
	if got, want := s.UIDs(testUser), []string{".", "a/b"}; !slices.Equal(got, want) {
		t.Errorf("UIDs() after DELE 2 = %q, want %q", got, want)
	}
	for _, uids := range [][]string{{"x"}, {"x", "x"}, {"x", ""}, {"x", "a b"}, {"x", strings.Repeat("y", 71)}} {
		if err := s.SetUIDs(testUser, uids...); err == nil {
			t.Errorf("SetUIDs(%q) = nil, want an error", uids)
		}
	}
	if err := s.SetUIDs("nobody"); err == nil {
		t.Errorf("SetUIDs(nobody) = nil, want an error")
	}
}
