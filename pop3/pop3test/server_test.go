package pop3test_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// countingListener counts the writes the server makes, to check that
// pipelined replies are batched.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func TestPipelining(t *testing.T) {
	const n = 50
	s := pop3test.New(nil)
	t.Cleanup(func() { s.Close() })
	var msgs [][]byte
	for i := 1; i <= n; i++ {
		msgs = append(msgs, fmt.Appendf(nil, "Subject: %d\n\nbody %d\n", i, i))
	}
	s.AddMailbox(testUser, testPass, msgs...)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	writes := new(atomic.Int64)
	served := make(chan error, 1)
	go func() { served <- s.Serve(countingListener{l, writes}) }()
	waitFor(t, "Serve to register the listener", func() bool { return s.Addr() != "" })

	c := mustDial(t, s)
	c.login()
	var batch, want strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&batch, "TOP %d 0\r\n", i)
		fmt.Fprintf(&want, "+OK\r\nSubject: %d\r\n\r\n.\r\n", i)
	}
	before := writes.Load()
	start := time.Now()
	c.write(batch.String())
	var got strings.Builder
	for range n {
		got.WriteString(c.readReply(true))
	}
	elapsed := time.Since(start)
	if got.String() != want.String() {
		t.Errorf("pipelined TOP replies = %q, want %q", got.String(), want.String())
	}
	if w := writes.Load() - before; w > 5 {
		t.Errorf("server made %d writes for %d pipelined replies, want at most 5", w, n)
	}
	if elapsed > 2*time.Second {
		t.Errorf("pipelined batch took %v", elapsed)
	}

	s.Close()
	if err := <-served; !errors.Is(err, pop3test.ErrClosed) {
		t.Errorf("Serve() = %v after Close, want ErrClosed", err)
	}
}

func TestLosePipelinedAfterLogin(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{LosePipelinedAfterLogin: true})
	c := mustDial(t, s)
	c.write("USER alice\r\nPASS open sesame\r\nSTAT\r\n")
	c.run("S: +OK\nS: +OK Logged in.\nC: NOOP\nS: +OK\n", "\r\n")
	if got, want := s.Commands(), []string{"USER alice", "PASS open sesame", "NOOP"}; !slices.Equal(got, want) {
		t.Errorf("Commands() = %q, want %q", got, want)
	}
}

func TestCommandsAndCounters(t *testing.T) {
	s := newTestServer(t, nil)
	a := mustLogin(t, s)
	b := mustDial(t, s)
	b.expect("noop", "-ERR Command not valid in this state.\r\n")
	a.expect("LIST 1", "+OK 1 62\r\n")
	b.expect("QUIT", "+OK Logging out.\r\n")

	want := []string{"USER alice", "PASS open sesame", "noop", "LIST 1", "QUIT"}
	if got := s.Commands(); !slices.Equal(got, want) {
		t.Errorf("Commands() = %q, want %q", got, want)
	}
	if got, want := s.ConnCommands(1), []string{"USER alice", "PASS open sesame", "LIST 1"}; !slices.Equal(got, want) {
		t.Errorf("ConnCommands(1) = %q, want %q", got, want)
	}
	if got, want := s.ConnCommands(2), []string{"noop", "QUIT"}; !slices.Equal(got, want) {
		t.Errorf("ConnCommands(2) = %q, want %q", got, want)
	}
	if got := s.ConnCommands(3); got != nil {
		t.Errorf("ConnCommands(3) = %q, want nil", got)
	}
	if got := s.ConnCount(); got != 2 {
		t.Errorf("ConnCount() = %d, want 2", got)
	}
	if got := s.Logins(); got != 1 {
		t.Errorf("Logins() = %d, want 1", got)
	}
	waitFor(t, "QUIT connection to end", func() bool { return s.ActiveConns() == 1 })
}

func TestMaxRecordedCommands(t *testing.T) {
	tests := []struct {
		max  int
		want []string
	}{
		{0, []string{"NOOP 1", "NOOP 2", "NOOP 3"}},
		{2, []string{"NOOP 2", "NOOP 3"}},
		{-1, []string{}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.max), func(t *testing.T) {
			s := newTestServer(t, &pop3test.Options{MaxRecordedCommands: tc.max})
			c := mustDial(t, s)
			for i := 1; i <= 3; i++ {
				c.cmd(fmt.Sprintf("NOOP %d", i))
			}
			if got := s.Commands(); !slices.Equal(got, tc.want) {
				t.Errorf("Commands() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	s := pop3test.New(nil)
	if got := s.Addr(); got != "" {
		t.Errorf("Addr() before Listen = %q, want empty", got)
	}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	if err := s.ListenTLS("127.0.0.1:0"); err != nil {
		t.Fatalf("ListenTLS() = %v", err)
	}
	for _, a := range []string{s.Addr(), s.TLSAddr()} {
		if !strings.HasPrefix(a, "127.0.0.1:") || a == "127.0.0.1:0" {
			t.Errorf("address = %q, want 127.0.0.1 with a real port", a)
		}
	}
	if err := s.Listen("127.0.0.1:bad"); err == nil {
		t.Error("Listen(bad port) = nil, want an error")
	}
	s.AddMailbox(testUser, testPass)
	c := mustLogin(t, s)
	tc := mustDialTLS(t, s)
	tc.readLine()

	done := make(chan struct{})
	go func() {
		s.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(ioTimeout):
		t.Fatal("Close() did not return")
	}
	c.expectEOF()
	if got := s.ActiveConns(); got != 0 {
		t.Errorf("ActiveConns() after Close = %d, want 0", got)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	if err := s.Listen("127.0.0.1:0"); !errors.Is(err, pop3test.ErrClosed) {
		t.Errorf("Listen() after Close = %v, want ErrClosed", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ServeTLS(l); !errors.Is(err, pop3test.ErrClosed) {
		t.Errorf("ServeTLS() after Close = %v, want ErrClosed", err)
	}
	if _, err := net.Dial("tcp", l.Addr().String()); err == nil {
		t.Error("listener passed to ServeTLS after Close still accepts")
	}
}

// TestConcurrentUse runs sessions on many mailboxes while the server is
// reconfigured, for the race detector.
func TestConcurrentUse(t *testing.T) {
	s := newTestServer(t, nil)
	const users, rounds = 8, 5
	for i := range users {
		s.AddMailbox(fmt.Sprint("user", i), "pw", []byte(msgDots), []byte(msgThree))
	}
	var wg sync.WaitGroup
	errs := make(chan error, users*rounds)
	for i := range users {
		wg.Go(func() {
			for range rounds {
				if err := textprotoSession(s.Addr(), fmt.Sprint("user", i), "pw"); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			s.SetOptions(&pop3test.Options{Implementation: fmt.Sprint(i)})
			s.AddFault(pop3test.Fault{Command: "XNONE", Action: pop3test.FaultDrop})
			_ = s.Commands()
			_ = s.Mailbox("user0")
			s.Deliver("user1", []byte("Subject: more\n\n"))
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := s.Logins(); got != users*rounds {
		t.Errorf("Logins() = %d, want %d", got, users*rounds)
	}
}

// textprotoSession logs in, reads and quits with net/textproto; it returns
// errors instead of failing the test because it runs in other goroutines.
func textprotoSession(addr, user, pass string) error {
	conn, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(ioTimeout))
	c := textproto.NewConn(conn)
	defer c.Close()
	if _, err := c.ReadLine(); err != nil {
		return err
	}
	steps := []struct {
		cmd   string
		multi bool
	}{{"USER " + user, false}, {"PASS " + pass, false}, {"RETR 1", true}, {"UIDL", true}, {"CAPA", true}, {"QUIT", false}}
	for _, st := range steps {
		if err := c.PrintfLine("%s", st.cmd); err != nil {
			return err
		}
		line, err := c.ReadLine()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "+OK") {
			return fmt.Errorf("%s = %q, want +OK", st.cmd, line)
		}
		if st.multi {
			if _, err := c.ReadDotLines(); err != nil {
				return err
			}
		}
	}
	return nil
}

// FuzzSession feeds arbitrary input to a logged-in session: the server must
// neither panic (which would end the process) nor stop accepting, which the
// Dial of the next input would notice.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"STAT\r\nLIST\r\nRETR 1\r\nTOP 1 0\r\n",
		"DELE 1\r\nDELE 1\r\nRSET\r\nQUIT\r\n",
		"TOP 1 -1\r\nTOP 1 99999999999999999999\r\nRETR 0\r\nLIST 1 2\r\n",
		"USER alice\r\nAUTH PLAIN\r\n=\r\nAUTH PLAIN AAAA\r\n",
		"\x00\xff\r\n\n\n.\r\n\r\r\r",
		"STLS\r\nUSER x\r\n",
		"APOP\r\nAPOP a b c\r\nAUTH\r\nCAPA\r\nUIDL x\r\n",
		strings.Repeat("N", 3000) + "\r\n",
	} {
		f.Add(seed)
	}
	s := newTestServer(f, &pop3test.Options{NoLock: true, MaxRecordedCommands: 100})
	f.Fuzz(func(t *testing.T, input string) {
		conn, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(time.Second))
		fmt.Fprintf(conn, "USER alice\r\nPASS open sesame\r\n%s\r\nQUIT\r\n", input)
		greeting := make([]byte, len("+OK POP3 test server ready.\r\n"))
		if _, err := io.ReadFull(conn, greeting); err != nil || string(greeting) != "+OK POP3 test server ready.\r\n" {
			t.Fatalf("greeting = %q, %v", greeting, err)
		}
		io.Copy(io.Discard, conn)
	})
}
