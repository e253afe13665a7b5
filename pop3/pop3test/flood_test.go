package pop3test_test

import (
	"strings"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

func TestFloods(t *testing.T) {
	tests := []struct {
		name  string
		opts  pop3test.Options
		login bool
		cmd   string
		want  string
	}{
		{"CAPA", pop3test.Options{CAPAFlood: pop3test.Flood{Lines: 3}}, false, "CAPA",
			"+OK\nX-FLOOD-1\nX-FLOOD-2\nX-FLOOD-3\n.\n"},
		{"CAPA padded", pop3test.Options{CAPAFlood: pop3test.Flood{Lines: 2, LineLength: 14}}, false, "CAPA",
			"+OK\nX-FLOOD-1 xxxx\nX-FLOOD-2 xxxx\n.\n"},
		{"UIDL", pop3test.Options{UIDLFlood: pop3test.Flood{Lines: 2}}, true, "UIDL",
			"+OK\n1 flood1\n2 flood2\n.\n"},
		{"UIDL padded", pop3test.Options{UIDLFlood: pop3test.Flood{Lines: 1, LineLength: 12}}, true, "UIDL",
			"+OK\n1 flood1 xxx\n.\n"},
		{"UIDL n untouched", pop3test.Options{UIDLFlood: pop3test.Flood{Lines: 2}}, true, "UIDL 1",
			"+OK 1 "},
		{"LIST", pop3test.Options{LISTFlood: pop3test.Flood{Lines: 2}}, true, "LIST",
			"+OK 2 messages:\n1 1000\n2 1000\n.\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, &tc.opts)
			c := mustDial(t, s)
			if tc.login {
				c.login()
			}
			got := c.cmd(tc.cmd)
			if !strings.HasPrefix(got, crlf(tc.want)) {
				t.Fatalf("%s = %q, want %q", tc.cmd, got, crlf(tc.want))
			}
			// The connection carries on after a terminated flood.
			c.expect("XYZZY", "-ERR Unknown command.\r\n")
		})
	}
}

// TestFloodLarge checks that a flood of 15,000 lines of 65,000 octets
// (about 975 MB) arrives whole and in order, without the server holding it.
func TestFloodLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("sends about 1 GB")
	}
	const lines, length = 15000, 65000
	s := newTestServer(t, &pop3test.Options{CAPAFlood: pop3test.Flood{Lines: lines, LineLength: length}})
	c := mustDial(t, s)
	c.conn.SetDeadline(time.Now().Add(time.Minute))
	c.send("CAPA")
	if got := c.readLine(); got != "+OK\r\n" {
		t.Fatalf("CAPA status = %q, want +OK", got)
	}
	for i := 1; i <= lines; i++ {
		l, err := c.r.ReadSlice('\n')
		prefix, n := string(l[:min(len(l), 8)]), len(l)
		for err != nil && len(l) > 0 { // longer than the buffer
			l, err = c.r.ReadSlice('\n')
			n += len(l)
		}
		if n != length+2 || prefix != "X-FLOOD-" {
			t.Fatalf("line %d: %d octets starting %q, want %d starting X-FLOOD-", i, n, prefix, length+2)
		}
	}
	if got := c.readLine(); got != ".\r\n" {
		t.Fatalf("after the flood: %q, want the terminator", got)
	}
}

// TestFloodUnterminated checks that an unterminated flood holds the client
// mid-listing: the lines, then silence, until the client hangs up.
func TestFloodUnterminated(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{UIDLFlood: pop3test.Flood{Lines: 2, Unterminated: true}})
	c := mustLogin(t, s)
	c.send("UIDL")
	for _, want := range []string{"+OK\r\n", "1 flood1\r\n", "2 flood2\r\n"} {
		if got := c.readLine(); got != want {
			t.Fatalf("read %q, want %q", got, want)
		}
	}
	c.expectSilence(100 * time.Millisecond)
	c.conn.Close()
	waitFor(t, "the server to notice the hang-up", func() bool { return s.ActiveConns() == 0 })
}

// TestAnyUser: every user name and password signs in, each to an empty
// mailbox of its own, and with LoginDelay each is a session whose client
// must keep it: a second sign-in of the name within the delay is refused.
func TestAnyUser(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{AnyUser: true, LoginDelay: time.Hour, NoLock: true})
	for _, user := range []string{"x1", "x2", "whoever"} {
		c := mustDial(t, s)
		c.expect("USER "+user, "+OK\r\n")
		c.expect("PASS anything-"+user, "+OK Logged in.\r\n")
		c.expect("STAT", "+OK 0 0\r\n")
		if got := c.cmd("CAPA"); !strings.Contains(got, "\r\nLOGIN-DELAY 3600\r\n") {
			t.Fatalf("CAPA = %q, want LOGIN-DELAY 3600", got)
		}
	}
	c := mustDial(t, s)
	c.expect("USER x1", "+OK\r\n")
	c.expect("PASS other", "-ERR [LOGIN-DELAY] Logged in too recently, try again later.\r\n")
	if got := s.Logins(); got != 3 {
		t.Fatalf("Logins() = %d, want 3", got)
	}
	// Without AnyUser an unknown name is refused, as on any server.
	plain := newTestServer(t, nil)
	c = mustDial(t, plain)
	c.expect("USER x1", "+OK\r\n")
	c.expect("PASS anything", "-ERR [AUTH] Authentication failed.\r\n")
}
