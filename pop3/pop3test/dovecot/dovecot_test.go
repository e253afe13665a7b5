package dovecot

import (
	"bytes"
	"crypto/md5"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests speak raw POP3 over net/textproto on purpose: this package is
// the reference the project's POP3 client is tested against, so it must
// not depend on that client.

var (
	aliceMsgs = [][]byte{
		[]byte("From sender@example.test Mon Jan  1 10:00:00 2024\n" +
			"From: Sender One <one@example.test>\nTo: alice@example.test\nSubject: Hello Alice\n" +
			"Message-ID: <m1@example.test>\n\nFirst message, with an mbox From line that must be dropped.\n"),
		[]byte("From: Dots <dots@example.test>\r\nTo: alice@example.test\r\nSubject: Dot stuffing\r\n" +
			"Message-ID: <m2@example.test>\r\n\r\nline before\r\n.\r\n..\r\n.hidden\r\n...\r\nline after\r\n"),
		[]byte("From: long@example.test\nTo: alice@example.test\nSubject: Long line\n\n" +
			strings.Repeat("x", 10000) + "\nno newline at end"),
	}
	bobMsgs = [][]byte{
		[]byte("From: x@example.test\nTo: bob@example.test\nSubject: Bob 1\n\nbody 1\n"),
		[]byte("From: x@example.test\nTo: bob@example.test\nSubject: Bob 2\n\nbody 2\n"),
	}
)

func twoUsers() Options {
	return Options{Users: map[string][][]byte{"alice": aliceMsgs, "bob": bobMsgs}}
}

// popConn is a raw POP3 connection for the tests.
type popConn struct {
	tb testing.TB
	*textproto.Conn
	greeting string
}

func newTestConn(tb testing.TB, c net.Conn) *popConn {
	tb.Helper()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	p := &popConn{tb: tb, Conn: textproto.NewConn(c)}
	tb.Cleanup(func() { p.Close() })
	line, err := p.ReadLine()
	if err != nil || !strings.HasPrefix(line, "+OK") {
		tb.Fatalf("greeting = %q, %v, want +OK", line, err)
	}
	p.greeting = line
	return p
}

func mustDial(tb testing.TB, addr string) *popConn {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	return newTestConn(tb, c)
}

// cmd sends a command and returns the status line, whatever it is.
func (p *popConn) cmd(format string, args ...any) string {
	p.tb.Helper()
	if err := p.PrintfLine(format, args...); err != nil {
		p.tb.Fatalf("send %q: %v", format, err)
	}
	line, err := p.ReadLine()
	if err != nil {
		p.tb.Fatalf("reply to %q: %v", format, err)
	}
	return line
}

// ok sends a command and fails unless the reply is +OK.
func (p *popConn) ok(format string, args ...any) string {
	p.tb.Helper()
	line := p.cmd(format, args...)
	if !strings.HasPrefix(line, "+OK") {
		p.tb.Fatalf("%s = %q, want +OK", strings.Fields(format)[0], line)
	}
	return line
}

// multi sends a command with a multi-line answer and returns the body, dot
// un-stuffed and with LF line ends.
func (p *popConn) multi(format string, args ...any) []byte {
	p.tb.Helper()
	p.ok(format, args...)
	body, err := io.ReadAll(p.DotReader())
	if err != nil {
		p.tb.Fatalf("%s body: %v", format, err)
	}
	return body
}

func (p *popConn) login(s *Server, user string) {
	p.tb.Helper()
	p.ok("USER %s", user)
	p.ok("PASS %s", s.Password(user))
}

func (p *popConn) stat() (count, size int) {
	p.tb.Helper()
	f := strings.Fields(p.ok("STAT"))
	if len(f) < 3 {
		p.tb.Fatalf("STAT = %q", strings.Join(f, " "))
	}
	count, _ = strconv.Atoi(f[1])
	size, _ = strconv.Atoi(f[2])
	return count, size
}

// want returns what RETR of msg yields through DotReader: no mbox line, LF
// line ends, and a final newline (Dovecot adds CRLF when it is missing).
func want(msg []byte) []byte {
	m := bytes.ReplaceAll(normalizeMessage(msg), []byte("\r\n"), []byte("\n"))
	if !bytes.HasSuffix(m, []byte("\n")) {
		m = append(m, '\n')
	}
	return m
}

func TestRetrMatchesInOrder(t *testing.T) {
	t.Parallel()
	begin := time.Now()
	s := Start(t, twoUsers())
	t.Logf("start with 2 users, 5 messages: %v", time.Since(begin))

	for user, msgs := range map[string][][]byte{"alice": aliceMsgs, "bob": bobMsgs} {
		c := mustDial(t, s.Addr())
		c.login(s, user)
		if n, _ := c.stat(); n != len(msgs) {
			t.Errorf("%s: STAT count = %d, want %d", user, n, len(msgs))
		}
		for i, msg := range msgs {
			if got := c.multi("RETR %d", i+1); !bytes.Equal(got, want(msg)) {
				t.Errorf("%s: RETR %d = %.80q..., want %.80q...", user, i+1, got, want(msg))
			}
		}
		c.ok("QUIT")
	}
}

func TestUnknownUserAndWrongPassword(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Users: map[string][][]byte{"carol": nil}, Passwords: map[string]string{"carol": "s3cret"}})
	if got := s.Password("carol"); got != "s3cret" {
		t.Errorf("Password(carol) = %q, want s3cret", got)
	}
	for _, user := range []string{"carol", "nobody"} {
		c := mustDial(t, s.Addr())
		c.ok("USER %s", user)
		begin := time.Now()
		line := c.cmd("PASS wrong")
		t.Logf("failed login of %s answered after %v", user, time.Since(begin))
		if !strings.HasPrefix(line, "-ERR [AUTH]") {
			t.Errorf("PASS wrong for %s = %q, want -ERR [AUTH]", user, line)
		}
	}
	c := mustDial(t, s.Addr())
	c.login(s, "carol")
	if n, size := c.stat(); n != 0 || size != 0 {
		t.Errorf("STAT = %d %d, want 0 0", n, size)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	s := Start(t, twoUsers())
	cfg := &tls.Config{RootCAs: s.CertPool(), ServerName: s.ServerName()}

	t.Run("implicit", func(t *testing.T) {
		tc, err := tls.Dial("tcp", s.TLSAddr(), cfg)
		if err != nil {
			t.Fatalf("tls.Dial(%s) = %v", s.TLSAddr(), err)
		}
		c := newTestConn(t, tc)
		c.login(s, "bob")
		if n, _ := c.stat(); n != len(bobMsgs) {
			t.Errorf("STAT count = %d, want %d", n, len(bobMsgs))
		}
		c.ok("QUIT")
	})
	t.Run("STLS", func(t *testing.T) {
		raw, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c := newTestConn(t, raw)
		if capa := c.multi("CAPA"); !bytes.Contains(capa, []byte("STLS\n")) {
			t.Fatalf("CAPA = %q, want STLS", capa)
		}
		c.ok("STLS")
		tc := tls.Client(raw, cfg)
		if err := tc.Handshake(); err != nil {
			t.Fatalf("Handshake() = %v", err)
		}
		c2 := &popConn{tb: t, Conn: textproto.NewConn(tc)}
		c2.login(s, "alice")
		if n, _ := c2.stat(); n != len(aliceMsgs) {
			t.Errorf("STAT count = %d, want %d", n, len(aliceMsgs))
		}
		c2.ok("QUIT")
	})
	t.Run("CAFile", func(t *testing.T) {
		pem, err := os.ReadFile(s.CAFile())
		if err != nil || !bytes.Contains(pem, []byte("BEGIN CERTIFICATE")) {
			t.Fatalf("ReadFile(CAFile()) = %.40q, %v", pem, err)
		}
	})
}

func TestDeleteCommitsOnlyAtQuit(t *testing.T) {
	t.Parallel()
	s := Start(t, twoUsers())
	before := s.MaildirFiles("bob")
	if len(before) != len(bobMsgs) {
		t.Fatalf("MaildirFiles(bob) = %v, want %d files", before, len(bobMsgs))
	}

	// DELE, then drop the connection: no UPDATE state, nothing removed.
	c := mustDial(t, s.Addr())
	c.login(s, "bob")
	c.ok("DELE 1")
	c.Close()
	// The server notices the drop asynchronously; a new session only gets
	// the lock after the old one ended, so it also waits for that.
	c = mustDial(t, s.Addr())
	c.login(s, "bob")
	if n, _ := c.stat(); n != len(bobMsgs) {
		t.Errorf("after DELE and drop: STAT count = %d, want %d", n, len(bobMsgs))
	}
	if got := s.MaildirFiles("bob"); len(got) != len(bobMsgs) {
		t.Errorf("after DELE and drop: MaildirFiles(bob) = %v, want %d files", got, len(bobMsgs))
	}

	// DELE, then QUIT: the file of message 1 is gone.
	c.ok("DELE 1")
	c.ok("QUIT")
	after := s.MaildirFiles("bob")
	if len(after) != len(bobMsgs)-1 {
		t.Fatalf("after DELE and QUIT: MaildirFiles(bob) = %v, want %d files", after, len(bobMsgs)-1)
	}
	// Dovecot may have moved the file from new/ to cur/ and added flags.
	if got, want := maildirBase(after[0]), maildirBase(before[1]); got != want {
		t.Errorf("remaining file = %s, want message 2's %s", got, want)
	}
	c = mustDial(t, s.Addr())
	c.login(s, "bob")
	if got := c.multi("RETR 1"); !bytes.Equal(got, want(bobMsgs[1])) {
		t.Errorf("RETR 1 after deleting 1 = %q, want %q", got, want(bobMsgs[1]))
	}
}

// maildirBase is a Maildir file's name without its directory and flags.
func maildirBase(path string) string {
	name, _, _ := strings.Cut(filepath.Base(path), ":")
	return name
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	s := Start(t, twoUsers())
	c := mustDial(t, s.Addr())
	c.login(s, "bob")
	c.stat() // the session has surely read the maildrop now
	late := []byte("From: late@example.test\nSubject: late\n\narrived during a session\n")
	if err := s.Deliver("bob", late); err != nil {
		t.Fatalf("Deliver() = %v", err)
	}
	if n, _ := c.stat(); n != len(bobMsgs) {
		t.Errorf("open session: STAT count = %d, want %d (snapshot)", n, len(bobMsgs))
	}
	c.ok("QUIT")
	c = mustDial(t, s.Addr())
	c.login(s, "bob")
	if n, _ := c.stat(); n != len(bobMsgs)+1 {
		t.Errorf("new session: STAT count = %d, want %d", n, len(bobMsgs)+1)
	}
	if got := c.multi("RETR %d", len(bobMsgs)+1); !bytes.Equal(got, want(late)) {
		t.Errorf("RETR last = %q, want %q", got, want(late))
	}
	if err := s.Deliver("nobody", late); err == nil {
		t.Error("Deliver(nobody) = nil, want error")
	}
}

// TestBulk checks the start time with 10,000 messages and that their order
// survives: bulk message i is one byte longer than message i-1, so LIST
// alone shows the order.
func TestBulk(t *testing.T) {
	t.Parallel()
	const n = 10000
	opts := Options{
		Users: map[string][][]byte{"mixed": bobMsgs},
		Bulk:  map[string]int{"mixed": n},
		BulkMessage: func(user string, i int) []byte {
			return fmt.Appendf(nil, "Subject: bulk %05d\n\n%s\n", i, strings.Repeat("b", i))
		},
	}
	begin := time.Now()
	s := Start(t, opts)
	t.Logf("start with %d bulk messages: %v", n, time.Since(begin))

	c := mustDial(t, s.Addr())
	c.login(s, "mixed")
	begin = time.Now()
	count, _ := c.stat()
	t.Logf("first STAT of %d messages: %v", count, time.Since(begin))
	if count != n+len(bobMsgs) {
		t.Fatalf("STAT count = %d, want %d", count, n+len(bobMsgs))
	}
	list := strings.Split(strings.TrimSpace(string(c.multi("LIST"))), "\n")
	if len(list) != count {
		t.Fatalf("LIST has %d lines, want %d", len(list), count)
	}
	prev := 0
	for i, line := range list[len(bobMsgs):] {
		var num, size int
		if _, err := fmt.Sscanf(line, "%d %d", &num, &size); err != nil {
			t.Fatalf("LIST line %q: %v", line, err)
		}
		if i > 0 && size != prev+1 {
			t.Fatalf("LIST %q: size %d after %d, want %d (order lost)", line, size, prev, prev+1)
		}
		prev = size
	}
	if got := c.multi("RETR 1"); !bytes.Equal(got, want(bobMsgs[0])) {
		t.Errorf("RETR 1 = %q, want %q", got, want(bobMsgs[0]))
	}
	if got := c.multi("TOP %d 0", count); !bytes.Contains(got, fmt.Appendf(nil, "Subject: bulk %05d\n", n)) {
		t.Errorf("TOP %d 0 = %q, want Subject: bulk %d", count, got, n)
	}
	if files := s.MaildirFiles("mixed"); len(files) != count {
		t.Errorf("MaildirFiles(mixed) has %d files, want %d", len(files), count)
	}
}

// TestLockSession is the one test that waits for Dovecot's ~10 s lock
// timeout, so it runs in parallel with everything else.
func TestLockSession(t *testing.T) {
	t.Parallel()
	s := Start(t, twoUsers())
	first := mustDial(t, s.Addr())
	first.login(s, "alice")

	second := mustDial(t, s.Addr())
	second.ok("USER alice")
	begin := time.Now()
	line := second.cmd("PASS %s", s.Password("alice"))
	t.Logf("second login answered after %v: %s", time.Since(begin), line)
	if !strings.HasPrefix(line, "-ERR [IN-USE]") {
		t.Errorf("second concurrent PASS = %q, want -ERR [IN-USE]", line)
	}
	first.ok("QUIT")
}

func TestNoLockSession(t *testing.T) {
	t.Parallel()
	opts := twoUsers()
	opts.NoLockSession = true
	s := Start(t, opts)
	first := mustDial(t, s.Addr())
	first.login(s, "alice")
	second := mustDial(t, s.Addr())
	second.login(s, "alice")
	if n, _ := second.stat(); n != len(aliceMsgs) {
		t.Errorf("second session: STAT count = %d, want %d", n, len(aliceMsgs))
	}
}

func TestMaxUserIPConnections(t *testing.T) {
	t.Parallel()
	opts := twoUsers()
	opts.NoLockSession = true
	opts.MaxUserIPConnections = 1
	s := Start(t, opts)
	first := mustDial(t, s.Addr())
	first.login(s, "bob")
	first.stat()
	// Dovecot's anvil learns of the first session a moment after its +OK;
	// under load a second login can slip in before. Give it a few tries.
	var line string
	for try := 0; try < 10; try++ {
		c := mustDial(t, s.Addr())
		c.ok("USER bob")
		if line = c.cmd("PASS %s", s.Password("bob")); strings.HasPrefix(line, "-ERR [IN-USE]") {
			return
		}
		c.cmd("QUIT")
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("PASS beyond the limit = %q, want -ERR [IN-USE]", line)
}

func TestAPOP(t *testing.T) {
	t.Parallel()
	opts := twoUsers()
	opts.AuthMechs = "plain login apop"
	s := Start(t, opts)
	c := mustDial(t, s.Addr())
	i, j := strings.IndexByte(c.greeting, '<'), strings.LastIndexByte(c.greeting, '>')
	if i < 0 || j < i {
		t.Fatalf("greeting = %q, want an APOP timestamp", c.greeting)
	}
	digest := md5.Sum([]byte(c.greeting[i:j+1] + s.Password("bob")))
	c.ok("APOP bob %x", digest)
	if n, _ := c.stat(); n != len(bobMsgs) {
		t.Errorf("STAT count = %d, want %d", n, len(bobMsgs))
	}
}

func TestStopLeavesNothingRunning(t *testing.T) {
	t.Parallel()
	s := Start(t, twoUsers())
	c := mustDial(t, s.Addr())
	c.login(s, "alice") // a live session: its pop3 process must go too
	pgid := s.cmd.Process.Pid
	if pids, err := groupProcesses(pgid); err != nil || len(pids) < 2 {
		t.Fatalf("groupProcesses(%d) = %v, %v; want master and children", pgid, pids, err)
	}
	begin := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop() = %v", err)
	}
	t.Logf("Stop() took %v", time.Since(begin))
	if pids, err := groupProcesses(pgid); err != nil || len(pids) != 0 {
		t.Errorf("after Stop: groupProcesses(%d) = %v, %v; want none", pgid, pids, err)
	}
	for _, addr := range []string{s.Addr(), s.TLSAddr()} {
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			t.Errorf("after Stop: %s still accepts connections", addr)
		}
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop() = %v, want nil", err)
	}
	// The session was killed, not quit: nothing to commit, no error.
	if got := s.MaildirFiles("alice"); len(got) != len(aliceMsgs) {
		t.Errorf("MaildirFiles(alice) = %v, want %d files", got, len(aliceMsgs))
	}
}

func TestParallelInstances(t *testing.T) {
	t.Parallel()
	a, b := Start(t, twoUsers()), Start(t, twoUsers())
	if a.Addr() == b.Addr() || a.TLSAddr() == b.TLSAddr() {
		t.Fatalf("instances share addresses: %s %s / %s %s", a.Addr(), a.TLSAddr(), b.Addr(), b.TLSAddr())
	}
	for _, s := range []*Server{a, b} {
		c := mustDial(t, s.Addr())
		c.login(s, "bob")
		c.ok("QUIT")
	}
}

func TestStartProcessRefusesPrivateParent(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root runs Dovecot as other users")
	}
	if _, err := findDovecot(); err != nil {
		notInstalled(t, err)
	}
	parent := t.TempDir()
	if err := os.Chmod(parent, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := StartProcess(filepath.Join(parent, "data"), twoUsers())
	if err == nil {
		s.Stop()
		t.Fatal("StartProcess below a 0700 folder = nil error, want one")
	}
	if !strings.Contains(err.Error(), "not traversable") || !strings.Contains(err.Error(), parent) {
		t.Errorf("StartProcess() = %v, want it to name %s as not traversable", err, parent)
	}
}

func TestInvalidOptions(t *testing.T) {
	t.Parallel()
	for _, opts := range []Options{
		{Users: map[string][][]byte{"a:b": nil}},
		{Users: map[string][][]byte{"../x": nil}},
		{Passwords: map[string]string{"a": "x:y"}},
		{Passwords: map[string]string{"a": "x\ny"}},
		{Bulk: map[string]int{"a": -1}},
	} {
		if _, err := userList(opts); err == nil {
			t.Errorf("userList(%+v) = nil error, want one", opts)
		}
	}
}

// fakeTB records Skip and Fatal instead of ending the goroutine.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

func (f *fakeTB) Helper()                       {}
func (f *fakeTB) TempDir() string               { return f.TB.TempDir() }
func (f *fakeTB) Skipf(format string, a ...any) { f.skipped = fmt.Sprintf(format, a...) }
func (f *fakeTB) Fatalf(format string, a ...any) {
	f.fatal = fmt.Sprintf(format, a...)
}

func TestStartWithoutDovecot(t *testing.T) {
	missing := func(string, Options) (*Server, error) {
		return nil, fmt.Errorf("%w: test", ErrNotInstalled)
	}
	for _, require := range []string{"", "1"} {
		t.Setenv(EnvRequireReal, require)
		f := &fakeTB{TB: t}
		if s := startTB(f, Options{}, missing); s != nil {
			t.Errorf("%s=%q: startTB() = %v, want nil", EnvRequireReal, require, s)
		}
		if require == "1" && !strings.Contains(f.fatal, "dovecot-pop3d") {
			t.Errorf("%s=1: Fatalf(%q), want a hint to install dovecot-pop3d", EnvRequireReal, f.fatal)
		}
		if require == "" && (!strings.Contains(f.skipped, "apt-get install dovecot-pop3d") || f.fatal != "") {
			t.Errorf("%s unset: skipped %q, fatal %q; want a skip that says what to install", EnvRequireReal, f.skipped, f.fatal)
		}
	}
}

// TestPortClashRetried gives the first start attempt a port that another
// listener holds: Dovecot fails to bind, and the start is retried with
// fresh ports.
func TestPortClashRetried(t *testing.T) {
	t.Parallel()
	if _, err := findDovecot(); err != nil {
		notInstalled(t, err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	calls := 0
	ports := func() (int, int, error) {
		calls++
		plain, tlsPort, err := freePorts()
		if calls == 1 {
			plain = busy.Addr().(*net.TCPAddr).Port
		}
		return plain, tlsPort, err
	}
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s, err := startProcess(dir, twoUsers(), ports)
	if err != nil {
		t.Fatalf("startProcess() = %v", err)
	}
	defer s.Stop()
	if calls != 2 {
		t.Errorf("ports chosen %d times, want 2", calls)
	}
	if s.Addr() == busy.Addr().String() {
		t.Errorf("Addr() = %s, the busy port", s.Addr())
	}
	c := mustDial(t, s.Addr())
	c.login(s, "bob")
	c.ok("QUIT")
}
