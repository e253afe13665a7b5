package pop3test_test

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// Fixture messages, written with LF as a mail file on disk would be; the
// server stores them with CRLF.
const (
	msgDots = "From: a@example.org\nSubject: dots\n\nfirst\n.\n..\n.x\nlast\n"
	// Dovecot lists such a message with its stored size but sends a final
	// CRLF on RETR.
	msgNoEOL = "Subject: no final newline\n\nbody"
	msgThree = "Subject: three\n\nb1\nb2\nb3\n"

	testUser = "alice"
	// The password contains spaces on purpose (RFC 1939 §7).
	testPass = "open sesame"
)

const ioTimeout = 5 * time.Second

// crlf turns a readable transcript written with "\n" into wire format.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// newTestServer starts a server with alice's three fixture messages.
func newTestServer(tb testing.TB, opts *pop3test.Options) *pop3test.Server {
	tb.Helper()
	s := pop3test.NewServer(tb, opts)
	s.AddMailbox(testUser, testPass, []byte(msgDots), []byte(msgNoEOL), []byte(msgThree))
	return s
}

// testConn is a raw client: it sends lines verbatim and returns replies as
// the exact bytes received.
type testConn struct {
	tb   testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func newTestConn(tb testing.TB, conn net.Conn) *testConn {
	tb.Helper()
	tb.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(ioTimeout))
	return &testConn{tb: tb, conn: conn, r: bufio.NewReader(conn)}
}

// mustDial connects to the plain listener and reads the greeting.
func mustDial(tb testing.TB, s *pop3test.Server) *testConn {
	tb.Helper()
	c := mustDialNoGreeting(tb, s.Addr())
	if got, want := c.readLine(), "+OK POP3 test server ready.\r\n"; got != want {
		tb.Fatalf("greeting = %q, want %q", got, want)
	}
	return c
}

func mustDialNoGreeting(tb testing.TB, addr string) *testConn {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		tb.Fatalf("Dial(%q) = %v", addr, err)
	}
	return newTestConn(tb, conn)
}

func mustDialTLS(tb testing.TB, s *pop3test.Server) *testConn {
	tb.Helper()
	d := &net.Dialer{Timeout: ioTimeout}
	conn, err := tls.DialWithDialer(d, "tcp", s.TLSAddr(), &tls.Config{RootCAs: s.CertPool(), ServerName: "localhost"})
	if err != nil {
		tb.Fatalf("tls.Dial(%q) = %v", s.TLSAddr(), err)
	}
	return newTestConn(tb, conn)
}

// mustLogin dials and logs in as alice with USER/PASS.
func mustLogin(tb testing.TB, s *pop3test.Server) *testConn {
	tb.Helper()
	c := mustDial(tb, s)
	c.login()
	return c
}

func (c *testConn) login() {
	c.tb.Helper()
	c.expect("USER "+testUser, "+OK\r\n")
	c.expect("PASS "+testPass, "+OK Logged in.\r\n")
}

func (c *testConn) send(line string) {
	c.tb.Helper()
	c.write(line + "\r\n")
}

func (c *testConn) write(raw string) {
	c.tb.Helper()
	if _, err := io.WriteString(c.conn, raw); err != nil {
		c.tb.Fatalf("write %q: %v", raw, err)
	}
}

func (c *testConn) readLine() string {
	c.tb.Helper()
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.tb.Fatalf("read: got %q, then %v", line, err)
	}
	return line
}

// readReply reads one reply; the body is read when multi is set and the
// status is +OK. Either CRLF or LF-only terminators are accepted so that
// BareLF replies can be compared byte for byte.
func (c *testConn) readReply(multi bool) string {
	c.tb.Helper()
	var b strings.Builder
	status := c.readLine()
	b.WriteString(status)
	if !multi || !strings.HasPrefix(status, "+OK") {
		return b.String()
	}
	for {
		l := c.readLine()
		b.WriteString(l)
		if l == ".\r\n" || l == ".\n" {
			return b.String()
		}
	}
}

// isMulti tells which commands get a multi-line reply (RFC 1939, RFC 2449).
func isMulti(cmd string) bool {
	f := strings.Fields(strings.ToUpper(cmd))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "CAPA", "RETR", "TOP":
		return true
	case "LIST", "UIDL", "AUTH":
		return len(f) == 1
	}
	return false
}

func (c *testConn) cmd(line string) string {
	c.tb.Helper()
	c.send(line)
	return c.readReply(isMulti(line))
}

func (c *testConn) expect(line, want string) {
	c.tb.Helper()
	if got := c.cmd(line); got != want {
		c.tb.Fatalf("%s = %q, want %q", line, got, want)
	}
}

// run plays a transcript: "C: " lines are sent, "S: " lines must be the
// next lines received, byte for byte, each ending with eol.
func (c *testConn) run(transcript, eol string) {
	c.tb.Helper()
	last := "greeting"
	for _, l := range strings.Split(strings.TrimSuffix(transcript, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "C: "):
			last = l[3:]
			c.send(last)
		case strings.HasPrefix(l, "S: "):
			if got, want := c.readLine(), l[3:]+eol; got != want {
				c.tb.Fatalf("after %s: read %q, want %q", last, got, want)
			}
		case l == "S:EOF":
			c.expectEOF()
		default:
			c.tb.Fatalf("bad transcript line %q", l)
		}
	}
}

// readAll reads until EOF, for replies cut short by a fault.
func (c *testConn) readAll() string {
	c.tb.Helper()
	b, err := io.ReadAll(c.r)
	if err != nil && !isConnReset(err) {
		c.tb.Fatalf("read until EOF: got %q, then %v", b, err)
	}
	return string(b)
}

func (c *testConn) expectEOF() {
	c.tb.Helper()
	if rest := c.readAll(); rest != "" {
		c.tb.Fatalf("read %q, want EOF", rest)
	}
}

// expectSilence checks that nothing arrives for d, and leaves the connection
// usable with a fresh deadline.
func (c *testConn) expectSilence(d time.Duration) {
	c.tb.Helper()
	c.conn.SetReadDeadline(time.Now().Add(d))
	b, err := c.r.ReadByte()
	if err == nil {
		c.tb.Fatalf("read %q, want nothing for %v", b, d)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		c.tb.Fatalf("read error %v, want a timeout", err)
	}
	c.conn.SetDeadline(time.Now().Add(ioTimeout))
}

func isConnReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// waitFor polls cond, for effects of a client closing its end, which the
// server notices asynchronously.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mailboxStrings(s *pop3test.Server, user string) []string {
	var out []string
	for _, m := range s.Mailbox(user) {
		out = append(out, string(m))
	}
	return out
}
