package pop3_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"popgate/internal/corpus"
	"popgate/pop3"
	"popgate/pop3/pop3test/dovecot"
)

// The same protocol suite as against the in-process server, here against a
// real Dovecot from Debian's dovecot-pop3d package.

// dotMessage holds the dot-stuffing edge cases: lines ".", "..", ".x", "...".
const dotMessage = "From: Dots <dots@example.test>\r\nTo: alice@example.test\r\nSubject: Dot stuffing\r\n" +
	"Message-ID: <dots@example.test>\r\n\r\nline before\r\n.\r\n..\r\n.hidden\r\n...\r\nline after\r\n"

// longLineMessage has a 10,000-octet line and no final newline.
var longLineMessage = "From: long@example.test\r\nSubject: Long line\r\n\r\n" + strings.Repeat("x", 10000) + "\r\nno newline at end"

func dovecotOptions(srv *dovecot.Server, security pop3.Security) *pop3.Options {
	return &pop3.Options{
		Security:  security,
		TLSConfig: &tls.Config{RootCAs: srv.CertPool(), ServerName: srv.ServerName()},
		Timeout:   20 * time.Second,
	}
}

func mustLogin(tb testing.TB, ctx context.Context, addr string, opts *pop3.Options, user, pass string) *pop3.Client {
	tb.Helper()
	c, err := pop3.Dial(ctx, addr, opts)
	if err != nil {
		tb.Fatalf("Dial(%s) = %v", addr, err)
	}
	if err := c.Login(ctx, user, pass); err != nil {
		c.Close()
		tb.Fatalf("Login(%s) = %v", user, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

func TestDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.Options{
		Users: map[string][][]byte{
			"alice": {[]byte("Subject: one\r\n\r\nfirst\r\n"), []byte(dotMessage), []byte(longLineMessage)},
			"bob":   {[]byte("Subject: b1\n\nbody 1\n"), []byte("Subject: b2\n\nbody 2\n"), []byte("Subject: b3\n\nbody 3\n")},
			"carol": nil,
			"dave":  {[]byte("Subject: d\r\n\r\nd\r\n")},
		},
		Passwords: map[string]string{"dave": strings.Repeat("long password ", 16)},
	})
	ctx := context.Background()

	t.Run("STLS", func(t *testing.T) {
		c, err := pop3.Dial(ctx, srv.Addr(), dovecotOptions(srv, pop3.SecurityStartTLS))
		if err != nil {
			t.Fatalf("Dial() = %v", err)
		}
		defer c.Close()
		if st, ok := c.TLSConnectionState(); !ok || st.Version < tls.VersionTLS12 {
			t.Fatalf("TLSConnectionState() = %v, %v, want TLS 1.2 or later", st.Version, ok)
		}
		caps := c.Capabilities()
		if caps.Has("STLS") || !caps.Has("PIPELINING") || !caps.HasSASL("PLAIN") {
			t.Errorf("CAPA after STLS = %v, want no STLS, with PIPELINING and SASL PLAIN", caps)
		}
		if err := c.Login(ctx, "alice", srv.Password("alice")); err != nil {
			t.Fatalf("Login() = %v", err)
		}
		if after := c.Capabilities(); after.Has("SASL") || !after.Has("UIDL") {
			t.Errorf("CAPA after sign-in = %v, want UIDL and no SASL", after)
		}
		if n, _, err := c.Stat(ctx); n != 3 || err != nil {
			t.Errorf("Stat() = %d, %v, want 3", n, err)
		}
		if err := c.Quit(ctx); err != nil {
			t.Errorf("Quit() = %v", err)
		}
	})

	t.Run("implicit TLS", func(t *testing.T) {
		c := mustLogin(t, ctx, srv.TLSAddr(), dovecotOptions(srv, pop3.SecurityTLS), "bob", srv.Password("bob"))
		if !c.TLS() {
			t.Errorf("TLS() = false")
		}
		if n, _, err := c.Stat(ctx); n != 3 || err != nil {
			t.Errorf("Stat() = %d, %v, want 3", n, err)
		}
	})

	t.Run("untrusted certificate", func(t *testing.T) {
		for _, tc := range []struct {
			addr     string
			security pop3.Security
		}{{srv.TLSAddr(), pop3.SecurityTLS}, {srv.Addr(), pop3.SecurityStartTLS}} {
			_, err := pop3.Dial(ctx, tc.addr, &pop3.Options{Security: tc.security, TLSConfig: &tls.Config{ServerName: "localhost"}})
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &unknown) {
				t.Errorf("Dial(%v) without the CA = %v, want an unknown-authority error", tc.security, err)
			}
		}
	})

	t.Run("USER PASS", func(t *testing.T) {
		c, err := pop3.Dial(ctx, srv.Addr(), dovecotOptions(srv, pop3.SecurityStartTLS))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.User(ctx, "bob"); err != nil {
			t.Fatalf("User() = %v", err)
		}
		if err := c.Pass(ctx, srv.Password("bob")); err != nil {
			t.Fatalf("Pass() = %v", err)
		}
		c.Quit(ctx)
	})

	t.Run("AUTH PLAIN after the prompt", func(t *testing.T) {
		c := mustLogin(t, ctx, srv.TLSAddr(), dovecotOptions(srv, pop3.SecurityTLS), "dave", srv.Password("dave"))
		if n, _, err := c.Stat(ctx); n != 1 || err != nil {
			t.Errorf("Stat() = %d, %v, want 1", n, err)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		for _, login := range []func(c *pop3.Client) error{
			func(c *pop3.Client) error { return c.AuthPlain(ctx, "", "alice", "wrong") },
			func(c *pop3.Client) error { c.User(ctx, "nobody"); return c.Pass(ctx, "wrong") },
		} {
			c, err := pop3.Dial(ctx, srv.TLSAddr(), dovecotOptions(srv, pop3.SecurityTLS))
			if err != nil {
				t.Fatal(err)
			}
			var perr *pop3.Error
			if err := login(c); !errors.As(err, &perr) || perr.Code != pop3.CodeAuth {
				t.Errorf("sign-in with a wrong password = %v, want [AUTH]", err)
			}
			c.Close()
		}
	})

	t.Run("listing and messages", func(t *testing.T) {
		c := mustLogin(t, ctx, srv.TLSAddr(), dovecotOptions(srv, pop3.SecurityTLS), "alice", srv.Password("alice"))
		list, err := c.List(ctx)
		if err != nil || len(list) != 3 {
			t.Fatalf("List() = %v, %v", list, err)
		}
		uids, err := c.Uidl(ctx)
		if err != nil || len(uids) != 3 || uids[0].UID == uids[1].UID {
			t.Fatalf("Uidl() = %v, %v", uids, err)
		}
		if one, err := c.UidlOne(ctx, 2); one != uids[1] || err != nil {
			t.Errorf("UidlOne(2) = %v, %v, want %v", one, err, uids[1])
		}
		if one, err := c.ListOne(ctx, 2); one != list[1] || err != nil {
			t.Errorf("ListOne(2) = %v, %v, want %v", one, err, list[1])
		}
		for i, want := range []string{"Subject: one\r\n\r\nfirst\r\n", dotMessage, longLineMessage + "\r\n"} {
			r, err := c.Retr(ctx, i+1)
			got := mustReadAll(t, r, err)
			if got != want {
				t.Errorf("Retr(%d): %s", i+1, firstDifference([]byte(got), []byte(want)))
			}
		}
		// Dovecot counts the message without its final CRLF in LIST but
		// sends one in RETR: sizes are advisory (RFC 1939 §11: the count on
		// the server may differ from the octets sent).
		if list[2].Size != int64(len(longLineMessage)) {
			t.Logf("LIST size %d for %d octets sent", list[2].Size, len(longLineMessage)+2)
		}
		r, err := c.Top(ctx, 2, 2)
		if got, want := mustReadAll(t, r, err), dotMessage[:strings.Index(dotMessage, "\r\n\r\n")+4]+"line before\r\n.\r\n"; got != want {
			t.Errorf("Top(2, 2) = %q, want %q", got, want)
		}
		var perr *pop3.Error
		if _, err := c.Retr(ctx, 99); !errors.As(err, &perr) {
			t.Errorf("Retr(99) = %v, want *Error", err)
		}
		if _, err := c.Top(ctx, 99, 0); !errors.As(err, &perr) || !c.SupportsTop() {
			t.Errorf("Top(99, 0) = %v, SupportsTop() = %v, want *Error and true", err, c.SupportsTop())
		}
		if err := c.Noop(ctx); err != nil {
			t.Errorf("Noop() = %v", err)
		}
	})

	t.Run("empty maildrop", func(t *testing.T) {
		c := mustLogin(t, ctx, srv.TLSAddr(), dovecotOptions(srv, pop3.SecurityTLS), "carol", srv.Password("carol"))
		if n, size, err := c.Stat(ctx); n != 0 || size != 0 || err != nil {
			t.Errorf("Stat() = %d, %d, %v, want 0, 0", n, size, err)
		}
		if list, err := c.List(ctx); len(list) != 0 || err != nil {
			t.Errorf("List() = %v, %v, want empty", list, err)
		}
	})

	// Deletion: DELE + dropped connection keeps the message, RSET unmarks,
	// DELE + QUIT removes the file. In that order, on bob's mailbox.
	t.Run("DELE and a dropped connection keep the message", func(t *testing.T) {
		c := mustLogin(t, ctx, srv.TLSAddr(), dovecotOptions(srv, pop3.SecurityTLS), "bob", srv.Password("bob"))
		before := srv.MaildirFiles("bob")
		if err := c.Dele(ctx, 1); err != nil {
			t.Fatalf("Dele(1) = %v", err)
		}
		if n, _, _ := c.Stat(ctx); n != 2 {
			t.Errorf("Stat() after DELE = %d, want 2", n)
		}
		c.Close()
		// Signing in again needs the first session's lock: it has ended.
		c2 := mustLogin(t, ctx, srv.TLSAddr(), dovecotOptions(srv, pop3.SecurityTLS), "bob", srv.Password("bob"))
		if after := srv.MaildirFiles("bob"); len(after) != len(before) {
			t.Errorf("files after DELE and a drop = %d, want %d", len(after), len(before))
		}
		if n, _, _ := c2.Stat(ctx); n != 3 {
			t.Errorf("Stat() in the next session = %d, want 3", n)
		}
		c2.Dele(ctx, 1)
		c2.Rset(ctx)
		if n, _, _ := c2.Stat(ctx); n != 3 {
			t.Errorf("Stat() after DELE and RSET = %d, want 3", n)
		}
		c2.Quit(ctx)
	})

	t.Run("DELE and QUIT remove the file", func(t *testing.T) {
		c := mustLogin(t, ctx, srv.TLSAddr(), dovecotOptions(srv, pop3.SecurityTLS), "bob", srv.Password("bob"))
		before := srv.MaildirFiles("bob")
		uids, _ := c.Uidl(ctx)
		res, err := c.DeleMany(ctx, []int{1, 3})
		if err != nil || res[0] != nil || res[1] != nil {
			t.Fatalf("DeleMany() = %v, %v", res, err)
		}
		if err := c.Quit(ctx); err != nil {
			t.Fatalf("Quit() = %v", err)
		}
		if after := srv.MaildirFiles("bob"); len(after) != len(before)-2 {
			t.Errorf("files after QUIT = %d, want %d", len(after), len(before)-2)
		}
		c2 := mustLogin(t, ctx, srv.TLSAddr(), dovecotOptions(srv, pop3.SecurityTLS), "bob", srv.Password("bob"))
		left, _ := c2.Uidl(ctx)
		if len(left) != 1 || left[0].UID != uids[1].UID || left[0].Number != 1 {
			t.Errorf("Uidl() after QUIT = %v, want only %s renumbered 1", left, uids[1].UID)
		}
	})
}

// TestDovecotInUse checks RFC 1939's exclusive lock: with
// pop3_lock_session, Dovecot answers a second sign-in [IN-USE] (after about
// ten seconds of waiting for the lock).
func TestDovecotInUse(t *testing.T) {
	t.Parallel()
	srv := dovecot.Start(t, dovecot.Options{Users: map[string][][]byte{"erin": {[]byte("Subject: e\r\n\r\ne\r\n")}}})
	ctx := context.Background()
	opts := dovecotOptions(srv, pop3.SecurityTLS)
	opts.Timeout = 40 * time.Second
	first := mustLogin(t, ctx, srv.TLSAddr(), opts, "erin", srv.Password("erin"))
	second, err := pop3.Dial(ctx, srv.TLSAddr(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	start := time.Now()
	err = second.Login(ctx, "erin", srv.Password("erin"))
	var perr *pop3.Error
	if !errors.As(err, &perr) || perr.Code != pop3.CodeInUse {
		t.Fatalf("second Login() = %v, want [IN-USE]", err)
	}
	t.Logf("[IN-USE] after %v", time.Since(start).Round(time.Millisecond))
	if err := first.Noop(ctx); err != nil {
		t.Errorf("first session Noop() = %v", err)
	}
}

// TestDovecotCorpus stores every corpus message in Dovecot and reads each
// back with RETR, byte for byte but for the CRLF normalisation a POP3
// server applies; TOP n 0 must give the header block of the same bytes.
func TestDovecotCorpus(t *testing.T) {
	t.Parallel()
	corpus := loadCorpus(t)
	msgs := make([][]byte, len(corpus))
	for i, m := range corpus {
		msgs[i] = m.Data
	}
	srv := dovecot.Start(t, dovecot.Options{Users: map[string][][]byte{"corpus": msgs}})
	ctx := context.Background()
	c := mustLogin(t, ctx, srv.TLSAddr(), dovecotOptions(srv, pop3.SecurityTLS), "corpus", srv.Password("corpus"))
	checkCorpusRoundTrip(t, ctx, c, corpus)
}

// checkCorpusRoundTrip reads every message back and compares it.
func checkCorpusRoundTrip(t *testing.T, ctx context.Context, c *pop3.Client, msgs []corpus.Message) {
	t.Helper()
	if n, _, err := c.Stat(ctx); n != len(msgs) || err != nil {
		t.Fatalf("Stat() = %d, %v, want %d", n, err, len(msgs))
	}
	nums := make([]int, len(msgs))
	for i := range msgs {
		want := onTheWire(msgs[i].Data)
		r, err := c.Retr(ctx, i+1)
		if err != nil {
			t.Fatalf("Retr(%d) = %v", i+1, err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("Retr(%d) read = %v", i+1, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %s", msgs[i].Path, firstDifference(got, want))
		}
		nums[i] = i + 1
	}
	err := c.TopMany(ctx, nums, 0, func(n int, r io.Reader, err error) error {
		if err != nil {
			return err
		}
		got, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if want := onTheWire(msgs[n-1].Data); !bytes.HasPrefix(want, got) {
			t.Errorf("%s: TOP n 0 is not a prefix of the message: %s", msgs[n-1].Path, firstDifference(got, want[:min(len(want), len(got))]))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("TopMany() = %v", err)
	}
}

// TestDovecotPipelining checks that a page of 50 headers costs at most two
// round trips with Dovecot: the client writes the batch at once.
func TestDovecotPipelining(t *testing.T) {
	t.Parallel()
	srv := dovecot.Start(t, dovecot.Options{Bulk: map[string]int{"bulk": 120}})
	ctx := context.Background()
	var writes atomic.Int64
	opts := dovecotOptions(srv, pop3.SecurityTLS)
	opts.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return &countingConn{Conn: conn, writes: &writes}, err
	}
	c := mustLogin(t, ctx, srv.TLSAddr(), opts, "bulk", srv.Password("bulk"))
	if !c.Pipelining() {
		t.Fatalf("Dovecot did not advertise PIPELINING: %v", c.Capabilities())
	}
	nums := make([]int, 50)
	for i := range nums {
		nums[i] = 120 - i
	}
	before := writes.Load()
	got := 0
	err := c.TopMany(ctx, nums, 0, func(n int, r io.Reader, err error) error {
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(r)
		if !bytes.Contains(b, []byte("Subject:")) {
			return fmt.Errorf("TOP %d 0 = %q, want a header", n, b)
		}
		got++
		return nil
	})
	if err != nil || got != 50 {
		t.Fatalf("TopMany() = %v after %d headers", err, got)
	}
	// Each round trip starts with the client writing (over TLS, one record
	// per flush): the batch must go out in at most two.
	if trips := writes.Load() - before; trips > 2 {
		t.Errorf("50 headers took %d round trips, want at most 2", trips)
	}
}

// countingConn counts writes on the TCP connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func mustReadAll(tb testing.TB, r io.Reader, err error) string {
	tb.Helper()
	if err != nil {
		tb.Fatalf("stream error = %v", err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		tb.Fatalf("ReadAll() = %v", err)
	}
	return string(b)
}
