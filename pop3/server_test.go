package pop3_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
)

// These tests run the client against the in-process server: the protocol
// paths of a well-behaved server, the quirks of real ones, and faults.

func plainOptions() *pop3.Options {
	return &pop3.Options{Security: pop3.SecurityNone, Timeout: 5 * time.Second}
}

func tlsOptions(srv *pop3test.Server, security pop3.Security) *pop3.Options {
	return &pop3.Options{
		Security:  security,
		TLSConfig: &tls.Config{RootCAs: srv.CertPool(), ServerName: "localhost"},
		Timeout:   5 * time.Second,
	}
}

func TestServerCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	srv := pop3test.NewServer(t, nil)
	msgs := make([][]byte, len(corpus))
	for i, m := range corpus {
		msgs[i] = m.Data
	}
	srv.AddMailbox("corpus", "pw", msgs...)
	ctx := context.Background()
	c := mustLogin(t, ctx, srv.Addr(), plainOptions(), "corpus", "pw")
	checkCorpusRoundTrip(t, ctx, c, corpus)
}

func TestServerTLS(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", []byte("Subject: a\r\n\r\na\r\n"))
	ctx := context.Background()

	for _, tc := range []struct {
		name     string
		addr     string
		security pop3.Security
	}{{"implicit", srv.TLSAddr(), pop3.SecurityTLS}, {"STLS", srv.Addr(), pop3.SecurityStartTLS}} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLogin(t, ctx, tc.addr, tlsOptions(srv, tc.security), "alice", "pw")
			if !c.TLS() {
				t.Errorf("TLS() = false")
			}
			if n, _, err := c.Stat(ctx); n != 1 || err != nil {
				t.Errorf("Stat() = %d, %v", n, err)
			}
			c.Quit(ctx)
		})
	}

	t.Run("plain text refuses to send the password", func(t *testing.T) {
		opts := tlsOptions(srv, pop3.SecurityStartTLS)
		conn := mustDialTCP(t, srv.Addr())
		c, err := pop3.NewClient(conn, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Login(ctx, "alice", "pw"); !errors.Is(err, pop3.ErrInsecure) {
			t.Errorf("Login() before STLS = %v, want ErrInsecure", err)
		}
		for _, cmd := range srv.Commands() {
			if strings.Contains(cmd, "pw") {
				t.Errorf("server received %q", cmd)
			}
		}
	})
}

func TestServerSTLSRefused(t *testing.T) {
	srv := pop3test.NewServer(t, &pop3test.Options{NoSTLS: true})
	srv.AddMailbox("alice", "pw")
	_, err := pop3.Dial(context.Background(), srv.Addr(), tlsOptions(srv, pop3.SecurityStartTLS))
	if !errors.Is(err, pop3.ErrNoSTLS) || !errors.Is(err, pop3.ErrNotSupported) {
		t.Fatalf("Dial() to a server without STLS = %v, want ErrNoSTLS", err)
	}
	for _, cmd := range srv.Commands() {
		if strings.HasPrefix(cmd, "USER") || strings.HasPrefix(cmd, "AUTH") {
			t.Errorf("client sent %q without TLS", cmd)
		}
	}
}

// TestServerSTLSInjection: plaintext the server (or a man in the middle)
// sends after +OK to STLS must not be read as a reply inside TLS.
func TestServerSTLSInjection(t *testing.T) {
	srv := pop3test.NewServer(t, &pop3test.Options{InjectAfterSTLS: "+OK injected"})
	srv.AddMailbox("alice", "pw")
	_, err := pop3.Dial(context.Background(), srv.Addr(), tlsOptions(srv, pop3.SecurityStartTLS))
	var perr *pop3.ProtocolError
	if !errors.As(err, &perr) {
		t.Fatalf("Dial() = %v, want a *ProtocolError", err)
	}
}

// TestServerQuirks runs the same session against servers that lack
// optional parts of the protocol: it must keep working, and say so.
func TestServerQuirks(t *testing.T) {
	msgs := [][]byte{
		[]byte("Subject: one\r\n\r\nbody one\r\nmore\r\n"),
		[]byte("Subject: two\r\n\r\n.dotted\r\n"),
		[]byte("Subject: three\r\n\r\nbody three\r\n"),
	}
	tests := []struct {
		name          string
		opts          pop3test.Options
		wantTop       bool
		wantUIDL      bool
		wantPipelined bool
	}{
		{"modern", pop3test.Options{}, true, true, true},
		{"no CAPA", pop3test.Options{NoCAPA: true}, true, true, false},
		{"no UIDL", pop3test.Options{NoUIDL: true}, true, false, true},
		{"no TOP", pop3test.Options{NoTOP: true}, false, true, true},
		{"no PIPELINING", pop3test.Options{NoPipelining: true}, true, true, false},
		{"qmail-like: no CAPA, UIDL or TOP", pop3test.Options{NoCAPA: true, NoUIDL: true, NoTOP: true}, false, false, false},
		{"bare LF", pop3test.Options{BareLF: true}, true, true, true},
		{"Courier LIST header", pop3test.Options{ListHeaderText: "POP3 clients that break here, they violate STD53."}, true, true, true},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			srv := pop3test.NewServer(t, &opts)
			srv.AddMailbox("alice", "pw", msgs...)
			c := mustLogin(t, ctx, srv.Addr(), plainOptions(), "alice", "pw")
			if got := c.Pipelining(); got != tc.wantPipelined {
				t.Errorf("Pipelining() = %v, want %v", got, tc.wantPipelined)
			}
			ids, synthetic, err := c.UniqueIDs(ctx)
			if err != nil || len(ids) != 3 || synthetic == tc.wantUIDL {
				t.Fatalf("UniqueIDs() = %v, synthetic %v, %v", ids, synthetic, err)
			}
			if ids[0].UID == ids[1].UID || ids[1].UID == ids[2].UID {
				t.Errorf("UniqueIDs() = %v, want distinct ids", ids)
			}
			var headers []string
			err = c.TopMany(ctx, []int{3, 2, 1}, 0, func(n int, r io.Reader, err error) error {
				b, rerr := io.ReadAll(r)
				headers = append(headers, string(b))
				return errors.Join(err, rerr)
			})
			eol := "\r\n"
			if tc.opts.BareLF {
				eol = "\n"
			}
			want := strings.ReplaceAll("Subject: three\r\n\r\n|Subject: two\r\n\r\n|Subject: one\r\n\r\n", "\r\n", eol)
			if err != nil || strings.Join(headers, "|") != want {
				t.Errorf("TopMany() = %q, %v, want %q", strings.Join(headers, "|"), err, want)
			}
			if got := c.SupportsTop(); got != tc.wantTop {
				t.Errorf("SupportsTop() = %v, want %v", got, tc.wantTop)
			}
			r, err := c.Retr(ctx, 2)
			if got := mustReadAll(t, r, err); got != strings.ReplaceAll("Subject: two\r\n\r\n.dotted\r\n", "\r\n", eol) {
				t.Errorf("Retr(2) = %q", got)
			}
			// The ids of a second session are the same: they are stable.
			if err := c.Quit(ctx); err != nil {
				t.Fatalf("Quit() = %v", err)
			}
			c2 := mustLogin(t, ctx, srv.Addr(), plainOptions(), "alice", "pw")
			again, _, err := c2.UniqueIDs(ctx)
			if err != nil || len(again) != 3 || again[2] != ids[2] {
				t.Errorf("UniqueIDs() in a new session = %v, %v, want %v", again, err, ids)
			}
		})
	}
}

func TestServerLoginDelay(t *testing.T) {
	srv := pop3test.NewServer(t, &pop3test.Options{LoginDelay: time.Hour})
	srv.AddMailbox("alice", "pw")
	ctx := context.Background()
	c := mustLogin(t, ctx, srv.Addr(), plainOptions(), "alice", "pw")
	if d, _, ok := c.Capabilities().LoginDelay(); !ok || d != time.Hour {
		t.Errorf("LoginDelay() = %v, %v, want 1h", d, ok)
	}
	c.Quit(ctx)
	c2, err := pop3.Dial(ctx, srv.Addr(), plainOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	var perr *pop3.Error
	if err := c2.Login(ctx, "alice", "pw"); !errors.As(err, &perr) || perr.Code != pop3.CodeLoginDelay {
		t.Errorf("second Login() = %v, want [LOGIN-DELAY]", err)
	}
}

func TestServerInUse(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw")
	ctx := context.Background()
	mustLogin(t, ctx, srv.Addr(), plainOptions(), "alice", "pw")
	c2, err := pop3.Dial(ctx, srv.Addr(), plainOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	var perr *pop3.Error
	if err := c2.Login(ctx, "alice", "pw"); !errors.As(err, &perr) || !perr.HasCode(pop3.CodeInUse) {
		t.Errorf("second Login() = %v, want [IN-USE]", err)
	}
}

func TestServerDeletion(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", []byte("Subject: 1\r\n\r\n"), []byte("Subject: 2\r\n\r\n"), []byte("Subject: 3\r\n\r\n"))
	ctx := context.Background()

	c := mustLogin(t, ctx, srv.Addr(), plainOptions(), "alice", "pw")
	c.Dele(ctx, 1)
	c.Close()
	// The server notices the dropped connection on its own time, and
	// releases the mailbox's lock then.
	for deadline := time.Now().Add(5 * time.Second); srv.ActiveConns() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the server still holds the dropped connection after 5s")
		}
	}
	if got := len(srv.Mailbox("alice")); got != 3 {
		t.Errorf("messages after DELE and a dropped connection = %d, want 3", got)
	}

	c = mustLogin(t, ctx, srv.Addr(), plainOptions(), "alice", "pw")
	if res, err := c.DeleMany(ctx, []int{1, 3, 3}); err != nil || res[0] != nil || res[1] != nil || res[2] == nil {
		t.Errorf("DeleMany(1, 3, 3) = %v, %v, want nil, nil, *Error", res, err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatalf("Quit() = %v", err)
	}
	if left := srv.Mailbox("alice"); len(left) != 1 || !bytes.Contains(left[0], []byte("Subject: 2")) {
		t.Errorf("messages after DELE and QUIT = %q, want only message 2", left)
	}
}

// TestServerFaults checks that each failure of the server surfaces as an
// error the caller can act on, and that the client never hangs.
func TestServerFaults(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		fault pop3test.Fault
		run   func(c *pop3.Client) error
		want  error
	}{
		{"drop at RETR", pop3test.Fault{Command: "RETR", Action: pop3test.FaultDrop}, retrAll, io.ErrUnexpectedEOF},
		{"drop mid-RETR", pop3test.Fault{Command: "RETR", Action: pop3test.FaultDropMidResponse}, retrAll, io.ErrUnexpectedEOF},
		{"drop mid-LIST", pop3test.Fault{Command: "LIST", Action: pop3test.FaultDropMidResponse}, func(c *pop3.Client) error { _, err := c.List(ctx); return err }, io.ErrUnexpectedEOF},
		{"garbage", pop3test.Fault{Command: "STAT", Action: pop3test.FaultGarbage}, func(c *pop3.Client) error { _, _, err := c.Stat(ctx); return err }, nil},
		{"stall", pop3test.Fault{Command: "NOOP", Action: pop3test.FaultStall}, func(c *pop3.Client) error { return c.Noop(ctx) }, os.ErrDeadlineExceeded},
		{"drop mid-pipeline", pop3test.Fault{Command: "TOP", After: 2, Action: pop3test.FaultDrop}, func(c *pop3.Client) error {
			return c.TopMany(ctx, []int{1, 1, 1, 1}, 0, func(int, io.Reader, error) error { return nil })
		}, io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := pop3test.NewServer(t, nil)
			srv.AddMailbox("alice", "pw", []byte("Subject: x\r\n\r\n"+strings.Repeat("line\r\n", 5000)))
			opts := plainOptions()
			opts.Timeout = 300 * time.Millisecond
			c := mustLogin(t, ctx, srv.Addr(), opts, "alice", "pw")
			srv.SetFault(tc.fault)
			err := tc.run(c)
			var broken *pop3.BrokenError
			if !errors.As(err, &broken) {
				t.Fatalf("err = %v, want *BrokenError", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}

	t.Run("temporary error keeps the connection", func(t *testing.T) {
		srv := pop3test.NewServer(t, nil)
		srv.AddMailbox("alice", "pw", []byte("Subject: x\r\n\r\n"))
		c := mustLogin(t, ctx, srv.Addr(), plainOptions(), "alice", "pw")
		srv.SetFault(pop3test.Fault{Command: "RETR", Action: pop3test.FaultTempError})
		var perr *pop3.Error
		if _, err := c.Retr(ctx, 1); !errors.As(err, &perr) || !perr.HasCode("SYS") {
			t.Fatalf("Retr() = %v, want [SYS/TEMP]", err)
		}
		r, err := c.Retr(ctx, 1)
		if got := mustReadAll(t, r, err); got != "Subject: x\r\n\r\n" {
			t.Errorf("Retr() after the error = %q", got)
		}
	})

	t.Run("no greeting", func(t *testing.T) {
		srv := pop3test.NewServer(t, nil)
		srv.SetFault(pop3test.Fault{Command: pop3test.CommandConnect, Action: pop3test.FaultStall})
		opts := plainOptions()
		opts.Timeout = 200 * time.Millisecond
		if _, err := pop3.Dial(ctx, srv.Addr(), opts); err == nil {
			t.Fatalf("Dial() without a greeting succeeded")
		}
	})

	t.Run("idle timeout is seen as a dead connection", func(t *testing.T) {
		srv := pop3test.NewServer(t, &pop3test.Options{IdleTimeout: 50 * time.Millisecond})
		srv.AddMailbox("alice", "pw")
		c := mustLogin(t, ctx, srv.Addr(), plainOptions(), "alice", "pw")
		// The server's timeout is the event: it has said goodbye and closed
		// the connection once it no longer counts it.
		for deadline := time.Now().Add(5 * time.Second); srv.ActiveConns() != 0; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the server still holds the idle connection after 5s")
			}
		}
		// The server's farewell "-ERR Disconnected for inactivity." reads as
		// the reply to NOOP; the next command finds the connection closed.
		err := c.Noop(ctx)
		if err == nil {
			t.Fatalf("Noop() after the server's idle timeout succeeded")
		}
		if err := c.Noop(ctx); c.Err() == nil {
			t.Errorf("second Noop() = %v, Err() = nil; want the client broken", err)
		}
	})
}

func retrAll(c *pop3.Client) error {
	r, err := c.Retr(context.Background(), 1)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, r)
	return err
}

func mustDialTCP(tb testing.TB, addr string) net.Conn {
	tb.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	return conn
}

// TestServerCloseDuringSTLS closes the Client from another goroutine
// while StartTLS finishes its handshake and swaps in the TLS connection, as
// shutdown may: the race detector must find the swap and Close's read of
// the connection ordered. Close is started from the client's last
// handshake write, so it always overlaps the swap.
func TestServerCloseDuringSTLS(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	var c *pop3.Client
	closed := make(chan struct{})
	opts := plainOptions()
	opts.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return &closeAfterHandshake{Conn: conn, close: func() { go func() { c.Close(); close(closed) }() }}, err
	}
	c, err := pop3.Dial(context.Background(), srv.Addr(), opts)
	if err != nil {
		t.Fatal(err)
	}
	c.StartTLS(context.Background(), &tls.Config{RootCAs: srv.CertPool(), ServerName: "localhost", MaxVersion: tls.VersionTLS13})
	<-closed
	if err := c.Noop(context.Background()); err == nil {
		t.Fatal("Noop() after Close = nil, want an error")
	}
}

// closeAfterHandshake calls close on the client's second write after STLS:
// the TLS 1.3 Finished message, the handshake's last.
type closeAfterHandshake struct {
	net.Conn
	stls   bool
	writes int
	close  func()
}

func (c *closeAfterHandshake) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if c.stls {
		if c.writes++; c.writes == 2 {
			c.close()
		}
	}
	if bytes.HasPrefix(p, []byte("STLS")) {
		c.stls = true
	}
	return n, err
}
