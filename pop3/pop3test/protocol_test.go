package pop3test_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

func TestGreeting(t *testing.T) {
	tests := []struct {
		name string
		opts *pop3test.Options
		want string // regular expression
	}{
		{"default", nil, `^\+OK POP3 test server ready\.\r\n$`},
		{"custom", &pop3test.Options{Greeting: "[XCLIENT] Dovecot ready."}, `^\+OK \[XCLIENT\] Dovecot ready\.\r\n$`},
		{"apop", &pop3test.Options{APOP: true}, `^\+OK POP3 test server ready\. <\d+\.\d+\.\d+@localhost>\r\n$`},
		{"bare LF", &pop3test.Options{BareLF: true}, `^\+OK POP3 test server ready\.\n$`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, tc.opts)
			c := mustDialNoGreeting(t, s.Addr())
			if got := c.readLine(); !regexp.MustCompile(tc.want).MatchString(got) {
				t.Errorf("greeting = %q, want match for %q", got, tc.want)
			}
		})
	}
}

func TestCAPA(t *testing.T) {
	const (
		preLogin  = "+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN\n.\n"
		onTLS     = "+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nUSER\nSASL PLAIN\n.\n"
		postLogin = "+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\n.\n"
	)
	tests := []struct {
		name  string
		opts  *pop3test.Options
		setup string // "", "login", "stls" or "implicit"
		want  string
	}{
		{"pre-login", nil, "", preLogin},
		{"post-login drops STLS USER SASL", nil, "login", postLogin},
		{"after STLS", nil, "stls", onTLS},
		{"implicit TLS", nil, "implicit", onTLS},
		{"implicit TLS post-login", nil, "implicit login", postLogin},
		{"NoTOP", &pop3test.Options{NoTOP: true}, "", "+OK\nCAPA\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN\n.\n"},
		{"NoUIDL", &pop3test.Options{NoUIDL: true}, "", "+OK\nCAPA\nTOP\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN\n.\n"},
		{"NoPipelining", &pop3test.Options{NoPipelining: true}, "", "+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN\n.\n"},
		{"NoSTLS", &pop3test.Options{NoSTLS: true}, "", "+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nUSER\nSASL PLAIN\n.\n"},
		{"NoUSER", &pop3test.Options{NoUSER: true}, "", "+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nSASL PLAIN\n.\n"},
		{"NoSASL", &pop3test.Options{NoSASL: true}, "", "+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\n.\n"},
		{"NoRespCodes", &pop3test.Options{NoRespCodes: true}, "", "+OK\nCAPA\nTOP\nUIDL\nPIPELINING\nSTLS\nUSER\nSASL PLAIN\n.\n"},
		{"RequireTLS plain", &pop3test.Options{RequireTLS: true}, "", "+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\n.\n"},
		{"RequireTLS after STLS", &pop3test.Options{RequireTLS: true}, "stls", onTLS},
		{
			"courier-like extras",
			&pop3test.Options{LoginDelay: 1500 * time.Millisecond, Expire: "NEVER", Implementation: "Courier Mail Server"},
			"",
			"+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN\nLOGIN-DELAY 2\nEXPIRE NEVER\nIMPLEMENTATION Courier Mail Server\n.\n",
		},
		{"extras kept after login", &pop3test.Options{LoginDelay: time.Second, Expire: "0"}, "login", "+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nLOGIN-DELAY 1\nEXPIRE 0\n.\n"},
		{"NoCAPA", &pop3test.Options{NoCAPA: true}, "", "-ERR Unknown command.\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, tc.opts)
			var c *testConn
			if strings.HasPrefix(tc.setup, "implicit") {
				c = mustDialTLS(t, s)
				c.readLine()
			} else {
				c = mustDial(t, s)
			}
			if tc.setup == "stls" {
				c = c.startTLS(s)
			}
			if strings.HasSuffix(tc.setup, "login") {
				c.login()
			}
			if got, want := c.cmd("CAPA"), crlf(tc.want); got != want {
				t.Errorf("CAPA = %q, want %q", got, want)
			}
		})
	}
}

func TestAuthorization(t *testing.T) {
	ir := func(s string) string { return "C: AUTH PLAIN " + b64(s) }
	tests := []struct {
		name       string
		opts       *pop3test.Options
		transcript string
		logins     int
	}{
		{
			name: "USER PASS",
			transcript: "C: USER alice\nS: +OK\nC: PASS open sesame\nS: +OK Logged in.\n" +
				"C: STAT\nS: +OK 3 125\n",
			logins: 1,
		},
		{
			name:       "case-insensitive commands",
			transcript: "C: user alice\nS: +OK\nC: Pass open sesame\nS: +OK Logged in.\nC: stat\nS: +OK 3 125\n",
			logins:     1,
		},
		{
			name: "wrong password then retry",
			transcript: "C: USER alice\nS: +OK\nC: PASS open\nS: -ERR [AUTH] Authentication failed.\n" +
				"C: PASS open sesame\nS: -ERR No username given.\n" +
				"C: USER alice\nS: +OK\nC: PASS open sesame\nS: +OK Logged in.\n",
			logins: 1,
		},
		{
			name:       "unknown user",
			transcript: "C: USER bob\nS: +OK\nC: PASS open sesame\nS: -ERR [AUTH] Authentication failed.\n",
		},
		{
			name:       "no response codes",
			opts:       &pop3test.Options{NoRespCodes: true},
			transcript: "C: USER alice\nS: +OK\nC: PASS x\nS: -ERR Authentication failed.\n",
		},
		{
			name:       "PASS without USER",
			transcript: "C: PASS open sesame\nS: -ERR No username given.\nC: USER\nS: -ERR No username given.\n",
		},
		{
			name: "commands in wrong state",
			transcript: "C: STAT\nS: -ERR Command not valid in this state.\nC: NOOP\nS: -ERR Command not valid in this state.\n" +
				"C: USER alice\nS: +OK\nC: PASS open sesame\nS: +OK Logged in.\n" +
				"C: USER alice\nS: -ERR Command not valid in this state.\nC: STLS\nS: -ERR Command not valid in this state.\n" +
				"C: AUTH PLAIN\nS: -ERR Command not valid in this state.\n",
			logins: 1,
		},
		{
			name:       "unknown commands",
			transcript: "C: LAST\nS: -ERR Unknown command.\nC: \nS: -ERR Unknown command.\nC: XTND XMIT\nS: -ERR Unknown command.\nC: APOP alice 0123\nS: -ERR Unknown command.\n",
		},
		{
			name:       "QUIT in AUTHORIZATION",
			transcript: "C: QUIT\nS: +OK Logging out.\nS:EOF\n",
		},
		{
			name:       "AUTH PLAIN initial response",
			transcript: ir("\x00alice\x00open sesame") + "\nS: +OK Logged in.\nC: STAT\nS: +OK 3 125\n",
			logins:     1,
		},
		{
			name:       "AUTH PLAIN with matching authzid",
			transcript: ir("alice\x00alice\x00open sesame") + "\nS: +OK Logged in.\n",
			logins:     1,
		},
		{
			name:       "AUTH PLAIN with other authzid",
			transcript: ir("bob\x00alice\x00open sesame") + "\nS: -ERR [AUTH] Authentication failed.\n",
		},
		{
			name:       "AUTH PLAIN continuation",
			transcript: "C: auth plain\nS: + \nC: " + b64("\x00alice\x00open sesame") + "\nS: +OK Logged in.\n",
			logins:     1,
		},
		{
			name:       "AUTH PLAIN cancelled",
			transcript: "C: AUTH PLAIN\nS: + \nC: *\nS: -ERR Authentication aborted by client.\nC: USER alice\nS: +OK\n",
		},
		{
			name:       "AUTH PLAIN wrong password",
			transcript: ir("\x00alice\x00sesame") + "\nS: -ERR [AUTH] Authentication failed.\n",
		},
		{
			name:       "AUTH PLAIN empty initial response",
			transcript: "C: AUTH PLAIN =\nS: -ERR [AUTH] Authentication failed.\n",
		},
		{
			name:       "AUTH PLAIN bad base64",
			transcript: "C: AUTH PLAIN !!!\nS: -ERR Invalid base64 data.\nC: AUTH PLAIN\nS: + \nC: %%%\nS: -ERR Invalid base64 data.\n",
		},
		{
			name:       "AUTH other mechanism",
			transcript: "C: AUTH LOGIN\nS: -ERR Unsupported authentication mechanism.\nC: AUTH PLAIN a b\nS: -ERR Invalid arguments.\n",
		},
		{
			name:       "bare AUTH lists mechanisms",
			transcript: "C: AUTH\nS: +OK\nS: PLAIN\nS: .\n",
		},
		{
			name:       "NoUSER",
			opts:       &pop3test.Options{NoUSER: true},
			transcript: "C: USER alice\nS: -ERR Unknown command.\nC: PASS open sesame\nS: -ERR Unknown command.\n",
		},
		{
			name:       "NoSASL",
			opts:       &pop3test.Options{NoSASL: true},
			transcript: "C: AUTH PLAIN\nS: -ERR Unknown command.\n",
		},
		{
			name: "RequireTLS on plain connection",
			opts: &pop3test.Options{RequireTLS: true},
			transcript: "C: USER alice\nS: -ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\n" +
				ir("\x00alice\x00open sesame") + "\nS: -ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\n",
		},
		{
			name:       "MaxBadCommands",
			opts:       &pop3test.Options{MaxBadCommands: 3},
			transcript: "C: LAST\nS: -ERR Unknown command.\nC: STAT\nS: -ERR Command not valid in this state.\nC: RPOP x\nS: -ERR Too many invalid bad commands.\nS:EOF\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, tc.opts)
			c := mustDial(t, s)
			c.run(tc.transcript, "\r\n")
			if got := s.Logins(); got != tc.logins {
				t.Errorf("Logins() = %d, want %d", got, tc.logins)
			}
		})
	}
}

func TestAPOP(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{APOP: true})
	stamp := regexp.MustCompile(`<[^>]+>`)
	digest := func(greeting, secret string) string {
		sum := md5.Sum([]byte(stamp.FindString(greeting) + secret))
		return hex.EncodeToString(sum[:])
	}

	c := mustDialNoGreeting(t, s.Addr())
	greeting := c.readLine()
	c.expect("APOP alice "+digest(greeting, "wrong"), "-ERR [AUTH] Authentication failed.\r\n")
	c.expect("APOP alice", "-ERR Invalid arguments.\r\n")
	c.expect("APOP alice "+strings.ToUpper(digest(greeting, testPass)), "+OK Logged in.\r\n")
	c.expect("STAT", "+OK 3 125\r\n")
	c.expect("QUIT", "+OK Logging out.\r\n")

	// Each connection gets its own timestamp, so a digest cannot be
	// replayed.
	c2 := mustDialNoGreeting(t, s.Addr())
	greeting2 := c2.readLine()
	if stamp.FindString(greeting2) == stamp.FindString(greeting) {
		t.Fatalf("timestamp %q reused", stamp.FindString(greeting))
	}
	c2.expect("APOP alice "+digest(greeting, testPass), "-ERR [AUTH] Authentication failed.\r\n")
	if got := s.Logins(); got != 1 {
		t.Errorf("Logins() = %d, want 1", got)
	}
}

// transactionScript exercises every TRANSACTION command on the fixture
// mailbox; uid is filled in from Server.UIDs.
const transactionScript = `C: STAT
S: +OK 3 125
C: LIST
S: +OK 3 messages:
S: 1 62
S: 2 33
S: 3 30
S: .
C: LIST 2
S: +OK 2 33
C: UIDL
S: +OK
S: 1 %[1]s
S: 2 %[2]s
S: 3 %[3]s
S: .
C: UIDL 3
S: +OK 3 %[3]s
C: RETR 1
S: +OK 62 octets
S: From: a@example.org
S: Subject: dots
S: 
S: first
S: ..
S: ...
S: ..x
S: last
S: .
C: RETR 2
S: +OK 33 octets
S: Subject: no final newline
S: 
S: body
S: .
C: TOP 1 0
S: +OK
S: From: a@example.org
S: Subject: dots
S: 
S: .
C: TOP 1 2
S: +OK
S: From: a@example.org
S: Subject: dots
S: 
S: first
S: ..
S: .
C: TOP 3 99999999999999999999999
S: +OK
S: Subject: three
S: 
S: b1
S: b2
S: b3
S: .
C: TOP 1 -1
S: -ERR Invalid size: -1
C: TOP 1
S: -ERR Invalid arguments.
C: RETR 4
S: -ERR There's no message 4.
C: RETR 0
S: -ERR There's no message 0.
C: RETR x
S: -ERR Invalid message number: x
C: RETR
S: -ERR Invalid arguments.
C: LIST 9
S: -ERR There's no message 9.
C: UIDL +1
S: -ERR Invalid message number: +1
C: NOOP
S: +OK
C: DELE 1
S: +OK Marked to be deleted.
C: DELE 1
S: -ERR Message is deleted.
C: RETR 1
S: -ERR Message is deleted.
C: TOP 1 0
S: -ERR Message is deleted.
C: LIST 1
S: -ERR Message is deleted.
C: UIDL 1
S: -ERR Message is deleted.
C: STAT
S: +OK 2 63
C: LIST
S: +OK 2 messages:
S: 2 33
S: 3 30
S: .
C: UIDL
S: +OK
S: 2 %[2]s
S: 3 %[3]s
S: .
C: RSET
S: +OK
C: STAT
S: +OK 3 125
C: QUIT
S: +OK Logging out.
S:EOF
`

func TestTransaction(t *testing.T) {
	s := newTestServer(t, nil)
	uids := s.UIDs(testUser)
	c := mustLogin(t, s)
	c.run(fmt.Sprintf(transactionScript, uids[0], uids[1], uids[2]), "\r\n")
	if got := len(s.Mailbox(testUser)); got != 3 {
		t.Errorf("len(Mailbox()) = %d after RSET and QUIT, want 3", got)
	}
}

func TestBareLF(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{BareLF: true})
	uids := s.UIDs(testUser)
	c := mustDialNoGreeting(t, s.Addr())
	c.run("S: +OK POP3 test server ready.\nC: USER alice\nS: +OK\nC: PASS open sesame\nS: +OK Logged in.\n", "\n")
	c.run(fmt.Sprintf(transactionScript, uids[0], uids[1], uids[2]), "\n")
	if got := c.r.Buffered(); got != 0 {
		t.Errorf("%d bytes left over", got)
	}
}

func TestListHeaderText(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{ListHeaderText: "POP3 clients that break here, they violate STD53."})
	c := mustLogin(t, s)
	want := crlf("+OK POP3 clients that break here, they violate STD53.\n1 62\n2 33\n3 30\n.\n")
	if got := c.cmd("LIST"); got != want {
		t.Errorf("LIST = %q, want %q", got, want)
	}
}

func TestDisabledCommands(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{NoUIDL: true, NoTOP: true})
	c := mustLogin(t, s)
	c.run("C: UIDL\nS: -ERR Unknown command.\nC: UIDL 1\nS: -ERR Unknown command.\nC: TOP 1 0\nS: -ERR Unknown command.\nC: LIST 1\nS: +OK 1 62\n", "\r\n")

	// Knobs changed while connected apply from the next command on.
	s.SetOptions(nil)
	c.expect("TOP 1 0", crlf("+OK\nFrom: a@example.org\nSubject: dots\n\n.\n"))
	s.SetOptions(&pop3test.Options{NoTOP: true})
	c.expect("TOP 1 0", "-ERR Unknown command.\r\n")
	if got := s.Options(); !got.NoTOP || got.NoUIDL {
		t.Errorf("Options() = %+v, want only NoTOP", got)
	}
}

func TestLineTooLong(t *testing.T) {
	tests := []struct {
		name string
		opts *pop3test.Options
		line string
		want string
	}{
		{"RFC 2449 minimum", nil, "USER " + strings.Repeat("u", 248), "+OK\r\n"},
		{"default limit", nil, "NOOP " + strings.Repeat("x", 1100), "-ERR Input line too long.\r\n"},
		{"beyond read buffer", nil, "NOOP " + strings.Repeat("x", 10000), "-ERR Input line too long.\r\n"},
		{"custom limit", &pop3test.Options{MaxLineLength: 47}, "USER " + strings.Repeat("u", 41), "-ERR Input line too long.\r\n"},
		{"custom limit fits", &pop3test.Options{MaxLineLength: 47}, "USER " + strings.Repeat("u", 40), "+OK\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, tc.opts)
			c := mustDial(t, s)
			if got := c.cmd(tc.line); got != tc.want {
				t.Fatalf("long line = %q, want %q", got, tc.want)
			}
			if strings.HasPrefix(tc.want, "-ERR") {
				c.expectEOF()
			}
		})
	}
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &pop3test.Options{IdleTimeout: 100 * time.Millisecond})
	c := mustLogin(t, s)
	c.expect("DELE 1", "+OK Marked to be deleted.\r\n")
	start := time.Now()
	if got, want := c.readAll(), "-ERR Disconnected for inactivity.\r\n"; got != want {
		t.Fatalf("after idling = %q, want %q", got, want)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("disconnected after %v, want about 100ms", d)
	}
	// RFC 1939 §3: an autologout does not enter the UPDATE state.
	waitFor(t, "connection to end", func() bool { return s.ActiveConns() == 0 })
	if got := len(s.Mailbox(testUser)); got != 3 {
		t.Errorf("len(Mailbox()) = %d, want 3", got)
	}
}

func TestTOPEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		cmd  string
		want string
	}{
		{"no blank line is all header", "Subject: x\nX-Other: y", "TOP 1 0", "+OK\nSubject: x\nX-Other: y\n.\n"},
		{"empty header", "\nbody 1\nbody 2\n", "TOP 1 1", "+OK\n\nbody 1\n.\n"},
		{"more lines than body", "H: v\n\nl1\nl2", "TOP 1 5", "+OK\nH: v\n\nl1\nl2\n.\n"},
		{"cut before unterminated last line", "H: v\n\nl1\nl2", "TOP 1 1", "+OK\nH: v\n\nl1\n.\n"},
		{"dot-stuffed header and body", ".H: v\n\n.\n", "TOP 1 1", "+OK\n..H: v\n\n..\n.\n"},
		{"empty message", "", "TOP 1 0", "+OK\n.\n"},
		{"empty message RETR", "", "RETR 1", "+OK 0 octets\n.\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pop3test.NewServer(t, nil)
			s.AddMailbox(testUser, testPass, []byte(tc.msg))
			c := mustLogin(t, s)
			if got, want := c.cmd(tc.cmd), crlf(tc.want); got != want {
				t.Errorf("%s = %q, want %q", tc.cmd, got, want)
			}
		})
	}
}

func TestOptionTextStaysOnOneLine(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{Implementation: "evil\r\nSTLS", ListHeaderText: "a\nb"})
	c := mustLogin(t, s)
	if got, want := c.cmd("CAPA"), crlf("+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nIMPLEMENTATION evil  STLS\n.\n"); got != want {
		t.Errorf("CAPA = %q, want %q", got, want)
	}
	if got, want := c.cmd("LIST"), crlf("+OK a b\n1 62\n2 33\n3 30\n.\n"); got != want {
		t.Errorf("LIST = %q, want %q", got, want)
	}
}
