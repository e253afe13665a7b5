package pop3test_test

import (
	"crypto/tls"
	"slices"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

func TestFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   pop3test.Fault
		noLogin bool
		script  string // transcript after login
		eof     bool   // the connection must then end ...
		tail    string // ... after exactly these bytes
		mailbox int    // messages left afterwards
		logins  int
	}{
		{
			name:    "drop before reply",
			fault:   pop3test.Fault{Command: "RETR", Action: pop3test.FaultDrop},
			script:  "C: DELE 2\nS: +OK Marked to be deleted.\nC: RETR 1\n",
			eof:     true,
			mailbox: 3,
		},
		{
			name:    "drop on QUIT commits nothing",
			fault:   pop3test.Fault{Command: "QUIT", Action: pop3test.FaultDrop},
			script:  "C: DELE 1\nS: +OK Marked to be deleted.\nC: QUIT\n",
			eof:     true,
			mailbox: 3,
		},
		{
			name:    "drop after skipping matches",
			fault:   pop3test.Fault{Command: "noop", After: 2, Action: pop3test.FaultDrop},
			script:  "C: NOOP\nS: +OK\nC: STAT\nS: +OK 3 125\nC: NOOP\nS: +OK\nC: NOOP\n",
			eof:     true,
			mailbox: 3,
		},
		{
			name:    "drop on any command",
			fault:   pop3test.Fault{Action: pop3test.FaultDrop},
			script:  "C: XYZZY\n",
			eof:     true,
			mailbox: 3,
		},
		{
			name:    "drop mid multi-line response",
			fault:   pop3test.Fault{Command: "RETR", Action: pop3test.FaultDropMidResponse},
			script:  "C: RETR 1\n",
			eof:     true,
			tail:    "+OK 62 octets\r\nFrom: a@example.org\r\nSubject: dots",
			mailbox: 3,
		},
		{
			name:    "drop mid single-line response",
			fault:   pop3test.Fault{Command: "STAT", Action: pop3test.FaultDropMidResponse},
			script:  "C: STAT\n",
			eof:     true,
			tail:    "+OK 3",
			mailbox: 3,
		},
		{
			name:    "drop mid QUIT reply after commit",
			fault:   pop3test.Fault{Command: "QUIT", Action: pop3test.FaultDropMidResponse},
			script:  "C: DELE 1\nS: +OK Marked to be deleted.\nC: QUIT\n",
			eof:     true,
			tail:    "+OK Logging out, m",
			mailbox: 2,
		},
		{
			name:    "garbage instead of status",
			fault:   pop3test.Fault{Command: "STAT", Action: pop3test.FaultGarbage},
			script:  "C: STAT\nS: HELLO THERE\nC: STAT\nS: +OK 3 125\n",
			mailbox: 3,
		},
		{
			name:    "custom reply",
			fault:   pop3test.Fault{Command: "RETR", Action: pop3test.FaultGarbage, Data: "-ERR [SYS/PERM] Gone."},
			script:  "C: RETR 1\nS: -ERR [SYS/PERM] Gone.\nC: LIST 1\nS: +OK 1 62\n",
			mailbox: 3,
		},
		{
			name:    "temporary error does not execute",
			fault:   pop3test.Fault{Command: "DELE", Action: pop3test.FaultTempError},
			script:  "C: DELE 1\nS: -ERR [SYS/TEMP] Temporary server failure.\nC: QUIT\nS: +OK Logging out.\n",
			eof:     true,
			mailbox: 3,
		},
		{
			name:    "temporary error text",
			fault:   pop3test.Fault{Command: "STAT", Action: pop3test.FaultTempError, Data: "Try again later."},
			script:  "C: STAT\nS: -ERR [SYS/TEMP] Try again later.\n",
			mailbox: 3,
		},
		{
			name:    "temporary error at login",
			fault:   pop3test.Fault{Command: "PASS", Action: pop3test.FaultTempError},
			noLogin: true,
			script: "C: USER alice\nS: +OK\nC: PASS open sesame\nS: -ERR [SYS/TEMP] Temporary server failure.\n" +
				"C: PASS open sesame\nS: +OK Logged in.\n",
			mailbox: 3,
			logins:  1,
		},
		{
			name:    "fires twice",
			fault:   pop3test.Fault{Command: "NOOP", Times: 2, Action: pop3test.FaultGarbage, Data: "?"},
			script:  "C: NOOP\nS: ?\nC: NOOP\nS: ?\nC: NOOP\nS: +OK\n",
			mailbox: 3,
		},
		{
			name:    "stall with delay then answer",
			fault:   pop3test.Fault{Command: "NOOP", Action: pop3test.FaultStall, Delay: 50 * time.Millisecond},
			script:  "C: NOOP\nS: +OK\nC: NOOP\nS: +OK\n",
			mailbox: 3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, nil)
			c := mustDial(t, s)
			logins := tc.logins
			if !tc.noLogin {
				c.login()
				logins++
			}
			s.AddFault(tc.fault)
			c.run(tc.script, "\r\n")
			if tc.eof {
				if got := c.readAll(); got != tc.tail {
					t.Errorf("read until EOF = %q, want %q", got, tc.tail)
				}
				waitFor(t, "connection to end", func() bool { return s.ActiveConns() == 0 })
			}
			if got := s.PendingFaults(); got != 0 {
				t.Errorf("PendingFaults() = %d, want 0", got)
			}
			if got := len(s.Mailbox(testUser)); got != tc.mailbox {
				t.Errorf("len(Mailbox()) = %d, want %d", got, tc.mailbox)
			}
			if got := s.Logins(); got != logins {
				t.Errorf("Logins() = %d, want %d", got, logins)
			}
		})
	}
}

func TestFaultStallDelay(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	c := mustLogin(t, s)
	s.AddFault(pop3test.Fault{Command: "STAT", Action: pop3test.FaultStall, Delay: 150 * time.Millisecond})
	start := time.Now()
	c.expect("STAT", "+OK 3 125\r\n")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("STAT answered after %v, want at least 150ms", d)
	}
}

// TestFaultStallRelease: a stall with Release holds the command until the
// test closes Release, and then executes it: another session's expunge
// committed meanwhile shows in the reply.
func TestFaultStallRelease(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &pop3test.Options{NoLock: true})
	a := mustLogin(t, s)
	release := make(chan struct{})
	s.AddFault(pop3test.Fault{Command: "RETR", Action: pop3test.FaultStall, Release: release})
	a.send("RETR 1")
	waitFor(t, "the stall to fire", func() bool { return s.PendingFaults() == 0 })
	b := mustLogin(t, s)
	b.expect("DELE 1", "+OK Marked to be deleted.\r\n")
	b.expect("QUIT", "+OK Logging out, messages deleted.\r\n")
	close(release)
	if got := a.readReply(true); got != "-ERR Message 1 expunged.\r\n" {
		t.Errorf("RETR 1 held across another session's expunge = %q, want -ERR Message 1 expunged.", got)
	}
	a.expect("STAT", "+OK 3 125\r\n")
}

func TestFaultStallForever(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	c := mustLogin(t, s)
	s.AddFault(pop3test.Fault{Command: "STAT", Action: pop3test.FaultStall})
	c.send("STAT")
	c.expectSilence(150 * time.Millisecond)
	c.send("NOOP")
	c.expectSilence(50 * time.Millisecond)
	if got, want := s.ConnCommands(1), []string{"USER alice", "PASS open sesame", "STAT", "NOOP"}; !slices.Equal(got, want) {
		t.Errorf("ConnCommands(1) = %q, want %q", got, want)
	}
	// The stalled session still holds the lock.
	other := mustDial(t, s)
	other.expect("USER alice", "+OK\r\n")
	other.expect("PASS open sesame", "-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n")

	c.conn.Close()
	waitFor(t, "stalled connection to end", func() bool { return s.ActiveConns() == 1 })
	other.login()
}

func TestFaultStallForeverEndsAtClose(t *testing.T) {
	s := newTestServer(t, nil)
	c := mustLogin(t, s)
	s.AddFault(pop3test.Fault{Command: "RETR", Action: pop3test.FaultStall})
	c.send("RETR 1")
	c.expectSilence(50 * time.Millisecond)
	done := make(chan struct{})
	go func() {
		s.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(ioTimeout):
		t.Fatal("Close() did not return with a stalled connection")
	}
	c.expectEOF()
}

func TestFaultsAtConnect(t *testing.T) {
	tests := []struct {
		name  string
		fault pop3test.Fault
		read  string // read until EOF, or "" to check silence
		then  string // transcript if the connection stays usable
	}{
		{name: "drop", fault: pop3test.Fault{Action: pop3test.FaultDrop}, read: ""},
		{name: "temporary error greeting", fault: pop3test.Fault{Action: pop3test.FaultTempError}, read: "-ERR [SYS/TEMP] Temporary server failure.\r\n"},
		{name: "half greeting", fault: pop3test.Fault{Action: pop3test.FaultDropMidResponse}, read: "+OK POP3 test "},
		{name: "garbage greeting", fault: pop3test.Fault{Action: pop3test.FaultGarbage}, then: "S: HELLO THERE\nC: USER alice\nS: +OK\n"},
		{name: "late greeting", fault: pop3test.Fault{Action: pop3test.FaultStall, Delay: 50 * time.Millisecond}, then: "S: +OK POP3 test server ready.\nC: NOOP\nS: -ERR Command not valid in this state.\n"},
		{name: "no greeting", fault: pop3test.Fault{Action: pop3test.FaultStall}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, nil)
			tc.fault.Command = pop3test.CommandConnect
			s.AddFault(tc.fault)
			c := mustDialNoGreeting(t, s.Addr())
			switch {
			case tc.then != "":
				c.run(tc.then, "\r\n")
			case tc.fault.Action == pop3test.FaultStall:
				c.expectSilence(150 * time.Millisecond)
			default:
				if got := c.readAll(); got != tc.read {
					t.Errorf("read until EOF = %q, want %q", got, tc.read)
				}
			}
			// Only the next connection is affected.
			mustDial(t, s)
			if got := s.PendingFaults(); got != 0 {
				t.Errorf("PendingFaults() = %d, want 0", got)
			}
		})
	}
}

func TestFaultAtConnectTLS(t *testing.T) {
	s := newTestServer(t, nil)
	s.AddFault(pop3test.Fault{Command: pop3test.CommandConnect, Action: pop3test.FaultDrop})
	conn, err := tls.Dial("tcp", s.TLSAddr(), &tls.Config{RootCAs: s.CertPool(), ServerName: "localhost"})
	if err != nil {
		t.Fatalf("tls.Dial() = %v", err)
	}
	newTestConn(t, conn).expectEOF()
	c := mustDialTLS(t, s)
	if got, want := c.readLine(), "+OK POP3 test server ready.\r\n"; got != want {
		t.Errorf("greeting = %q, want %q", got, want)
	}
}

func TestFaultMatching(t *testing.T) {
	s := newTestServer(t, nil)
	c := mustDial(t, s)

	// A client typing CONNECT is not a new connection.
	s.AddFault(pop3test.Fault{Command: pop3test.CommandConnect, Action: pop3test.FaultDrop})
	c.expect("CONNECT", "-ERR Unknown command.\r\n")
	if got := s.PendingFaults(); got != 1 {
		t.Fatalf("PendingFaults() = %d, want 1", got)
	}
	s.SetFault()
	if got := s.PendingFaults(); got != 0 {
		t.Fatalf("PendingFaults() after SetFault() = %d, want 0", got)
	}

	// AUTH continuation lines are not commands.
	c.expect("AUTH PLAIN", "+ \r\n")
	s.SetFault(pop3test.Fault{Action: pop3test.FaultGarbage, Times: -1})
	c.expect(b64("\x00alice\x00open sesame"), "+OK Logged in.\r\n")
	c.expect("NOOP", "HELLO THERE\r\n")
	c.expect("STAT", "HELLO THERE\r\n")
	if got := s.PendingFaults(); got != 1 {
		t.Errorf("PendingFaults() = %d with Times -1, want 1", got)
	}

	// The first matching fault wins; later ones wait their turn.
	s.SetFault(
		pop3test.Fault{Command: "STAT", Action: pop3test.FaultGarbage, Data: "first"},
		pop3test.Fault{Command: "STAT", Action: pop3test.FaultGarbage, Data: "second"},
	)
	c.run("C: STAT\nS: first\nC: STAT\nS: second\nC: STAT\nS: +OK 3 125\n", "\r\n")
}
