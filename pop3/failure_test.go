package pop3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestInjectionRefusedBeforeSending(t *testing.T) {
	ctx := context.Background()
	for _, arg := range []string{"alice\r\nDELE 1", "alice\nDELE 1", "alice\rx", "ali\x00ce"} {
		c, f := newTestClient(t, "+OK hi\n", nil)
		if err := c.User(ctx, arg); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("User(%q) = %v, want ErrInvalidArgument", arg, err)
		}
		if err := c.Pass(ctx, arg); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Pass(%q) = %v, want ErrInvalidArgument", arg, err)
		}
		if err := c.AuthPlain(ctx, "", arg, "pw"); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("AuthPlain(%q) = %v, want ErrInvalidArgument", arg, err)
		}
		if f.written.Len() != 0 {
			t.Errorf("client wrote %q for %q, want nothing", f.written.String(), arg)
		}
		if c.Err() != nil {
			t.Errorf("Err() = %v, want the client still usable", c.Err())
		}
	}
	c, f := newTestClient(t, "+OK hi\n", nil)
	signedIn(c)
	for _, err := range []error{
		c.Dele(ctx, 0),
		c.User(ctx, strings.Repeat("u", 300)),
	} {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("err = %v, want ErrInvalidArgument", err)
		}
	}
	if _, err := c.Retr(ctx, -1); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Retr(-1) = %v, want ErrInvalidArgument", err)
	}
	if _, err := c.Top(ctx, 1, -1); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Top(1, -1) = %v, want ErrInvalidArgument", err)
	}
	if f.written.Len() != 0 {
		t.Errorf("client wrote %q, want nothing", f.written.String())
	}
}

func TestCredentialsNeedTLS(t *testing.T) {
	c, f := newTestClient(t, "+OK hi\n", &Options{})
	ctx := context.Background()
	if err := c.Login(ctx, "a", "b"); !errors.Is(err, ErrInsecure) {
		t.Errorf("Login() over plain text = %v, want ErrInsecure", err)
	}
	if err := c.AuthPlain(ctx, "", "a", "b"); !errors.Is(err, ErrInsecure) {
		t.Errorf("AuthPlain() over plain text = %v, want ErrInsecure", err)
	}
	if f.written.Len() != 0 {
		t.Errorf("client wrote %q, want nothing", f.written.String())
	}
}

// TestBrokenReplies checks that every reply leaving the stream position
// unknown breaks the client, which then refuses further commands.
func TestBrokenReplies(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		server string
		opts   *Options
		run    func(c *Client) error
		want   error // errors.Is target, or nil to accept any broken error
	}{
		{"garbage status", "+OK hi\nHELLO THERE\n", nil, func(c *Client) error { return c.Noop(ctx) }, nil},
		{"+OKAY is not +OK", "+OK hi\n+OKAY\n", nil, func(c *Client) error { return c.Noop(ctx) }, nil},
		{"closed before reply", "+OK hi\n", nil, func(c *Client) error { return c.Noop(ctx) }, io.ErrUnexpectedEOF},
		{"closed mid-listing", "+OK hi\n+OK\n1 100\n", nil, func(c *Client) error { _, err := c.List(ctx); return err }, io.ErrUnexpectedEOF},
		{"closed mid-message", "+OK hi\n+OK\nSubject: x\n\nhalf a mess", nil, func(c *Client) error {
			r, err := c.Retr(ctx, 1)
			if err != nil {
				return err
			}
			_, err = io.ReadAll(r)
			return err
		}, io.ErrUnexpectedEOF},
		{"malformed LIST", "+OK hi\n+OK\n1 many\n.\n", nil, func(c *Client) error { _, err := c.List(ctx); return err }, nil},
		{"malformed UIDL", "+OK hi\n+OK\n1 bad\x01uid\n.\n", nil, func(c *Client) error { _, err := c.Uidl(ctx); return err }, nil},
		{"malformed STAT", "+OK hi\n+OK lots\n", nil, func(c *Client) error { _, _, err := c.Stat(ctx); return err }, nil},
		{"status line too long", "+OK hi\n+OK " + strings.Repeat("x", 2000) + "\n", &Options{Security: SecurityNone, MaxLineLength: 1000},
			func(c *Client) error { return c.Noop(ctx) }, ErrLineTooLong},
		{"listing too long", "+OK hi\n+OK\n1 1\n2 2\n3 3\n.\n", &Options{Security: SecurityNone, MaxListLines: 2},
			func(c *Client) error { _, err := c.List(ctx); return err }, ErrMessageTooLarge},
		{"message too large", "+OK hi\n+OK\n" + strings.Repeat("0123456789\n", 100) + ".\n", &Options{Security: SecurityNone, MaxMessageSize: 500},
			func(c *Client) error {
				r, err := c.Retr(ctx, 1)
				if err != nil {
					return err
				}
				_, err = io.Copy(io.Discard, r)
				return err
			}, ErrMessageTooLarge},
		{"AUTH prompt answered +OK", "+OK hi\n+OK\n", nil, func(c *Client) error {
			c.state = stateAuthorization
			return c.AuthPlain(ctx, "", "u", strings.Repeat("p", 250))
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, tc.server, tc.opts)
			signedIn(c)
			err := tc.run(c)
			var broken *BrokenError
			if !errors.As(err, &broken) {
				t.Fatalf("err = %v, want *BrokenError", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if next := c.Noop(ctx); next != err {
				t.Errorf("Noop() after break = %v, want the same %v", next, err)
			}
		})
	}
}

func TestGreeting(t *testing.T) {
	t.Run("-ERR greeting", func(t *testing.T) {
		f := &faker{Reader: strings.NewReader("-ERR [SYS/TEMP] too busy\r\n")}
		_, err := NewClient(f, nil)
		var perr *Error
		if !errors.As(err, &perr) || perr.Code != CodeSysTemp {
			t.Errorf("NewClient() = %v, want [SYS/TEMP]", err)
		}
		if !f.closed {
			t.Errorf("conn not closed after a failed greeting")
		}
	})
	t.Run("no greeting", func(t *testing.T) {
		client, server := net.Pipe()
		defer server.Close()
		start := time.Now()
		_, err := NewClient(client, &Options{Timeout: 50 * time.Millisecond})
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("NewClient() = %v, want a deadline error", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("NewClient() took %v", time.Since(start))
		}
	})
	t.Run("closed before greeting", func(t *testing.T) {
		client, server := net.Pipe()
		server.Close()
		if _, err := NewClient(client, nil); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("NewClient() = %v, want io.ErrUnexpectedEOF", err)
		}
	})
}

// stalledServer greets, then reads commands and never answers.
func stalledServer(t *testing.T) net.Conn {
	client, server := net.Pipe()
	t.Cleanup(func() { server.Close() })
	go func() {
		server.Write([]byte("+OK hi\r\n"))
		io.Copy(io.Discard, server)
	}()
	return client
}

func TestContextCancelsExchange(t *testing.T) {
	c, err := NewClient(stalledServer(t), &Options{Security: SecurityNone})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	err = c.Noop(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Noop() = %v, want context.Canceled", err)
	}
	var broken *BrokenError
	if !errors.As(c.Err(), &broken) {
		t.Errorf("Err() = %v, want *BrokenError: the reply may still come", c.Err())
	}
}

func TestTimeout(t *testing.T) {
	c, err := NewClient(stalledServer(t), &Options{Security: SecurityNone, Timeout: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Noop(context.Background()); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Noop() = %v, want a deadline error", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	c2, _ := NewClient(stalledServer(t), &Options{Security: SecurityNone})
	if err := c2.Noop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Noop() with a context deadline = %v, want context.DeadlineExceeded", err)
	}
}

func TestCanceledContextSendsNothing(t *testing.T) {
	c, f := newTestClient(t, "+OK hi\n", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Noop(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Noop() = %v, want context.Canceled", err)
	}
	if f.written.Len() != 0 || c.Err() != nil {
		t.Errorf("wrote %q, Err() = %v; want nothing sent and the client usable", f.written.String(), c.Err())
	}
}

func TestTraceRedactsSecrets(t *testing.T) {
	var trace bytes.Buffer
	server := "+OK hi <1.2@host>\n+OK\n+OK\n-ERR\n-ERR\n+ \n-ERR\n-ERR\n+OK\nSubject: private\n\nsecret body\n.\n"
	c, _ := newTestClient(t, server, &Options{Security: SecurityNone, AllowAPOP: true, DebugWriter: &trace})
	ctx := context.Background()
	c.User(ctx, "alice")
	if err := c.Pass(ctx, "hunter2"); err != nil {
		t.Fatal(err)
	}
	c.state = stateAuthorization
	c.AuthPlain(ctx, "", "alice", "hunter2")
	c.state = stateAuthorization
	c.AuthPlain(ctx, "", "alice", strings.Repeat("hunter2", 30))
	c.state = stateAuthorization
	c.Apop(ctx, "alice", "hunter2")
	r, _ := c.Retr(ctx, 1)
	io.ReadAll(r)
	got := trace.String()
	for _, secret := range []string{"hunter2", "aHVudGVyMg", "AGFsaWNlAGh1bnRlcj", "secret body", "private"} {
		if strings.Contains(got, secret) {
			t.Errorf("trace contains %q:\n%s", secret, got)
		}
	}
	for _, want := range []string{"C: USER alice", "C: PASS <redacted>", "C: AUTH PLAIN <redacted>", "C: <redacted>", "C: APOP alice <redacted>", "C: RETR 1", "S: <"} {
		if !strings.Contains(got, want) {
			t.Errorf("trace lacks %q:\n%s", want, got)
		}
	}
}

// TestPipeliningRoundTrips counts the client's flushes: with PIPELINING a
// page of 50 headers goes out in one write, without it in 50.
func TestPipeliningRoundTrips(t *testing.T) {
	var reply strings.Builder
	reply.WriteString("+OK hi\n")
	for i := 0; i < 50; i++ {
		reply.WriteString("+OK\nSubject: s\n\n.\n")
	}
	nums := make([]int, 50)
	for i := range nums {
		nums[i] = i + 1
	}
	for _, tc := range []struct {
		caps   []string
		writes int
	}{{[]string{"TOP", "PIPELINING"}, 1}, {[]string{"TOP"}, 50}} {
		c, f := newTestClient(t, reply.String(), nil)
		signedIn(c, tc.caps...)
		count := 0
		err := c.TopMany(context.Background(), nums, 0, func(int, io.Reader, error) error { count++; return nil })
		if err != nil || count != 50 {
			t.Fatalf("TopMany() = %v after %d replies", err, count)
		}
		if f.writes != tc.writes {
			t.Errorf("caps %v: %d writes, want %d", tc.caps, f.writes, tc.writes)
		}
	}
}

// TestPipelineWindow checks that a batch larger than the window is written
// in slices while replies are read, never all at once.
func TestPipelineWindow(t *testing.T) {
	const n = 1000
	var reply strings.Builder
	reply.WriteString("+OK hi\n")
	for i := 0; i < n; i++ {
		reply.WriteString("+OK\n")
	}
	c, f := newTestClient(t, reply.String(), nil)
	signedIn(c, "PIPELINING")
	nums := make([]int, n)
	for i := range nums {
		nums[i] = i + 1
	}
	res, err := c.DeleMany(context.Background(), nums)
	if err != nil || len(res) != n {
		t.Fatalf("DeleMany() = %d results, %v", len(res), err)
	}
	if f.writes < n/pipelineWindow || f.writes > 2*n/(pipelineWindow/2) {
		t.Errorf("%d writes for %d commands, want about %d", f.writes, n, 2*n/pipelineWindow)
	}
	if got := strings.Count(f.written.String(), "DELE "); got != n {
		t.Errorf("sent %d DELE, want %d", got, n)
	}
}

func TestStreamBareLF(t *testing.T) {
	f := &faker{Reader: strings.NewReader("+OK hi\n+OK\nSubject: lf\n\n..dot\nend\n.\n+OK\n")}
	c, err := NewClient(f, &Options{Security: SecurityNone})
	if err != nil {
		t.Fatal(err)
	}
	signedIn(c)
	r, err := c.Retr(context.Background(), 1)
	if got, want := readAllString(t, r, err), "Subject: lf\n\n.dot\nend\n"; got != want {
		t.Errorf("Retr() = %q, want %q", got, want)
	}
	if err := c.Noop(context.Background()); err != nil {
		t.Errorf("Noop() = %v", err)
	}
}

// TestStreamLongLines checks lines far beyond bufio's buffer, including one
// whose chunk boundary falls right before a "." that is not a terminator.
func TestStreamLongLines(t *testing.T) {
	long := strings.Repeat("x", readBufferSize-1) + "\n." + strings.Repeat("y", 3*readBufferSize) + "\n"
	msg := "Subject: long\n\n" + long + strings.Repeat("z", readBufferSize) + ".\n"
	stuffed := strings.ReplaceAll("\n"+msg, "\n.", "\n..")[1:]
	c, _ := newTestClient(t, "+OK hi\n+OK\n"+stuffed+".\n", nil)
	signedIn(c)
	r, err := c.Retr(context.Background(), 1)
	if got := readAllString(t, r, err); got != crlf(msg) {
		t.Errorf("Retr() returned %d octets, want %d", len(got), len(crlf(msg)))
	}
}

// TestSizeCapSmallRead: the size cap holds for a message short enough to
// arrive, terminator and all, in a single read, and since the reply was
// read to its end the Client stays usable.
func TestSizeCapSmallRead(t *testing.T) {
	body := strings.Repeat("0123456789", 30)
	c, _ := newTestClient(t, "+OK hi\n+OK\n"+body+"\n.\n", &Options{Security: SecurityNone, MaxMessageSize: 100})
	signedIn(c)
	r, err := c.Retr(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("reading a %d-octet message under a 100-octet cap = %v, want ErrMessageTooLarge", len(body)+2, err)
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err() = %v, want the Client usable: the whole reply was read", err)
	}
}
