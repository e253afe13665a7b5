package pop3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// faker is a net.Conn that plays a canned server script and records what
// the client writes, as net/smtp's tests do.
type faker struct {
	io.Reader
	written bytes.Buffer
	writes  int // Write calls: one per flush, so one per round trip
	closed  bool
}

func (f *faker) Write(p []byte) (int, error) {
	f.writes++
	return f.written.Write(p)
}
func (f *faker) Close() error                     { f.closed = true; return nil }
func (f *faker) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000} }
func (f *faker) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 110} }
func (f *faker) SetDeadline(time.Time) error      { return nil }
func (f *faker) SetReadDeadline(time.Time) error  { return nil }
func (f *faker) SetWriteDeadline(time.Time) error { return nil }

// crlf turns a readable script ("\n" line ends) into wire format.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// newTestClient returns a Client reading server (written with "\n" line
// ends) and the faker recording what it sends.
func newTestClient(tb testing.TB, server string, opts *Options) (*Client, *faker) {
	tb.Helper()
	f := &faker{Reader: strings.NewReader(crlf(server))}
	if opts == nil {
		opts = &Options{Security: SecurityNone}
	}
	c, err := NewClient(f, opts)
	if err != nil {
		tb.Fatalf("NewClient() = %v", err)
	}
	return c, f
}

// signedIn marks a test client as past authentication, so a transcript can
// start at the TRANSACTION state.
func signedIn(c *Client, caps ...string) *Client {
	c.state = stateTransaction
	if len(caps) > 0 {
		c.caps = Capabilities{}
		for _, tag := range caps {
			c.caps[tag] = nil
		}
		if c.caps.Has("TOP") {
			c.top = supportYes
		}
	}
	return c
}

func readAllString(tb testing.TB, r io.Reader, err error) string {
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

func TestTranscripts(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		server string
		// run drives the client and checks what it returned.
		run    func(t *testing.T, c *Client)
		client string
	}{{
		name:   "greeting with APOP timestamp",
		server: "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\n",
		run: func(t *testing.T, c *Client) {
			if got, want := c.Greeting(), "POP3 server ready <1896.697170952@dbc.mtview.ca.us>"; got != want {
				t.Errorf("Greeting() = %q, want %q", got, want)
			}
			if got, want := c.timestamp, "<1896.697170952@dbc.mtview.ca.us>"; got != want {
				t.Errorf("timestamp = %q, want %q", got, want)
			}
		},
	}, {
		name: "CAPA",
		server: "+OK hi\n" +
			"+OK Capability list follows\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nsasl PLAIN LOGIN\nLOGIN-DELAY 900 USER\nEXPIRE 0\nIMPLEMENTATION Shlemazle Plotz-v302\n.\n",
		run: func(t *testing.T, c *Client) {
			caps, err := c.Capa(ctx)
			if err != nil {
				t.Fatalf("Capa() = %v", err)
			}
			if !caps.Has("top") || !caps.Has("PIPELINING") || caps.Has("STLS") {
				t.Errorf("Capa() = %v, want TOP and PIPELINING and no STLS", caps)
			}
			if !caps.HasSASL("plain") || caps.HasSASL("CRAM-MD5") {
				t.Errorf("SASL() = %v, want PLAIN LOGIN", caps.SASL())
			}
			if d, perUser, ok := caps.LoginDelay(); d != 900*time.Second || !perUser || !ok {
				t.Errorf("LoginDelay() = %v, %v, %v, want 15m, true, true", d, perUser, ok)
			}
			if days, never, ok := caps.Expire(); days != 0 || never || !ok {
				t.Errorf("Expire() = %v, %v, %v, want 0, false, true", days, never, ok)
			}
			if got := caps.Implementation(); got != "Shlemazle Plotz-v302" {
				t.Errorf("Implementation() = %q", got)
			}
			if !c.Pipelining() || !c.SupportsTop() {
				t.Errorf("Pipelining(), SupportsTop() = %v, %v, want true, true", c.Pipelining(), c.SupportsTop())
			}
		},
		client: "CAPA\n",
	}, {
		name:   "CAPA unsupported",
		server: "+OK hi\n-ERR\n",
		run: func(t *testing.T, c *Client) {
			var perr *Error
			if _, err := c.Capa(ctx); !errors.As(err, &perr) {
				t.Fatalf("Capa() = %v, want *Error", err)
			}
			if c.Capabilities() != nil || c.Err() != nil {
				t.Errorf("after -ERR: Capabilities() = %v, Err() = %v, want nil, nil", c.Capabilities(), c.Err())
			}
		},
		client: "CAPA\n",
	}, {
		name:   "USER PASS",
		server: "+OK hi\n+OK\n+OK maildrop has 2 messages\n+OK\nUIDL\n.\n",
		run: func(t *testing.T, c *Client) {
			if err := c.User(ctx, "mrose"); err != nil {
				t.Fatalf("User() = %v", err)
			}
			if err := c.Pass(ctx, "secret with spaces"); err != nil {
				t.Fatalf("Pass() = %v", err)
			}
			if !c.Capabilities().Has("UIDL") {
				t.Errorf("capabilities after sign-in = %v, want UIDL", c.Capabilities())
			}
		},
		client: "USER mrose\nPASS secret with spaces\nCAPA\n",
	}, {
		name:   "Login picks AUTH PLAIN with initial response",
		server: "+OK hi\n+OK\nSASL PLAIN\nUSER\n.\n+OK Logged in.\n+OK\nTOP\n.\n",
		run: func(t *testing.T, c *Client) {
			if _, err := c.Capa(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Login(ctx, "tim", "tanstaaftanstaaf"); err != nil {
				t.Fatalf("Login() = %v", err)
			}
		},
		client: "CAPA\nAUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\nCAPA\n",
	}, {
		name:   "Login falls back to USER PASS",
		server: "+OK hi\n+OK\nUSER\n.\n+OK\n+OK\n+OK\n.\n",
		run: func(t *testing.T, c *Client) {
			c.Capa(ctx)
			if err := c.Login(ctx, "tim", "pw"); err != nil {
				t.Fatalf("Login() = %v", err)
			}
		},
		client: "CAPA\nUSER tim\nPASS pw\nCAPA\n",
	}, {
		name:   "AUTH PLAIN too long for an initial response",
		server: "+OK hi\n+ \n+OK\n-ERR\n",
		run: func(t *testing.T, c *Client) {
			if err := c.AuthPlain(ctx, "", "user", strings.Repeat("p", 200)); err != nil {
				t.Fatalf("AuthPlain() = %v", err)
			}
		},
		client: "AUTH PLAIN\n" + "AHVzZXIA" + strings.Repeat("cHBw", 66) + "cHA=" + "\nCAPA\n",
	}, {
		name:   "AUTH PLAIN refused at the prompt",
		server: "+OK hi\n-ERR [SYS/PERM] no\n",
		run: func(t *testing.T, c *Client) {
			var perr *Error
			if err := c.AuthPlain(ctx, "", "user", strings.Repeat("p", 200)); !errors.As(err, &perr) || perr.Code != CodeSysPerm {
				t.Fatalf("AuthPlain() = %v, want [SYS/PERM]", err)
			}
		},
		client: "AUTH PLAIN\n",
	}, {
		name:   "APOP as in RFC 1939",
		server: "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\n+OK maildrop has 1 message (369 octets)\n-ERR\n",
		run: func(t *testing.T, c *Client) {
			c.opts.AllowAPOP = true
			if err := c.Apop(ctx, "mrose", "tanstaaf"); err != nil {
				t.Fatalf("Apop() = %v", err)
			}
		},
		client: "APOP mrose c4c9334bac560ecc979e58001b3e22fb\nCAPA\n",
	}, {
		name:   "APOP off unless allowed",
		server: "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\n",
		run: func(t *testing.T, c *Client) {
			if err := c.Apop(ctx, "mrose", "tanstaaf"); !errors.Is(err, ErrNotSupported) {
				t.Fatalf("Apop() = %v, want ErrNotSupported", err)
			}
		},
	}, {
		name:   "wrong password",
		server: "+OK hi\n+OK\n-ERR [AUTH] Authentication failed.\n+OK\n",
		run: func(t *testing.T, c *Client) {
			c.User(ctx, "a")
			var perr *Error
			if err := c.Pass(ctx, "b"); !errors.As(err, &perr) || perr.Code != CodeAuth || perr.Text != "Authentication failed." {
				t.Fatalf("Pass() = %v, want [AUTH] Authentication failed.", err)
			}
			if err := c.Noop(ctx); err != nil {
				t.Errorf("Noop() after -ERR = %v, want the client still usable", err)
			}
		},
		client: "USER a\nPASS b\nNOOP\n",
	}, {
		name:   "mailbox in use",
		server: "+OK hi\n+OK\n-ERR [IN-USE] Mailbox is locked by another POP3 session.\n",
		run: func(t *testing.T, c *Client) {
			c.User(ctx, "a")
			var perr *Error
			if err := c.Pass(ctx, "b"); !errors.As(err, &perr) || !perr.HasCode(CodeInUse) {
				t.Fatalf("Pass() = %v, want [IN-USE]", err)
			}
		},
		client: "USER a\nPASS b\n",
	}, {
		name:   "bare -ERR and lower case status",
		server: "+OK hi\n-ERR\n+ok\n-err [sys/temp] try later\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c)
			var perr *Error
			if err := c.Dele(ctx, 1); !errors.As(err, &perr) || perr.Code != "" || perr.Text != "" {
				t.Errorf("Dele() = %#v, want bare *Error", err)
			}
			if err := c.Rset(ctx); err != nil {
				t.Errorf("Rset() = %v", err)
			}
			if err := c.Noop(ctx); !errors.As(err, &perr) || !perr.HasCode("SYS") || perr.Text != "try later" {
				t.Errorf("Noop() = %v, want [SYS/TEMP] try later", err)
			}
		},
		client: "DELE 1\nRSET\nNOOP\n",
	}, {
		name:   "STAT LIST UIDL",
		server: "+OK hi\n+OK 2 320\n+OK 2 messages (320 octets)\n1 120\n2 200 extra\n.\n+OK 2 200\n+OK\n1 whqtswO00WBw418f9t5JxYwZ\n2 QhdPYR:00WBw1Ph7x7\n.\n+OK 2 QhdPYR:00WBw1Ph7x7\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c)
			if n, size, err := c.Stat(ctx); n != 2 || size != 320 || err != nil {
				t.Errorf("Stat() = %d, %d, %v, want 2, 320, nil", n, size, err)
			}
			list, err := c.List(ctx)
			if err != nil || len(list) != 2 || list[1] != (MessageInfo{2, 200}) {
				t.Errorf("List() = %v, %v", list, err)
			}
			if m, err := c.ListOne(ctx, 2); m != (MessageInfo{2, 200}) || err != nil {
				t.Errorf("ListOne(2) = %v, %v", m, err)
			}
			uids, err := c.Uidl(ctx)
			if err != nil || len(uids) != 2 || uids[0] != (MessageUID{1, "whqtswO00WBw418f9t5JxYwZ"}) {
				t.Errorf("Uidl() = %v, %v", uids, err)
			}
			if m, err := c.UidlOne(ctx, 2); m.UID != "QhdPYR:00WBw1Ph7x7" || err != nil {
				t.Errorf("UidlOne(2) = %v, %v", m, err)
			}
		},
		client: "STAT\nLIST\nLIST 2\nUIDL\nUIDL 2\n",
	}, {
		name:   "empty maildrop",
		server: "+OK hi\n+OK 0 0\n+OK\n.\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c)
			if n, size, err := c.Stat(ctx); n != 0 || size != 0 || err != nil {
				t.Errorf("Stat() = %d, %d, %v, want 0, 0, nil", n, size, err)
			}
			if list, err := c.List(ctx); len(list) != 0 || err != nil {
				t.Errorf("List() = %v, %v, want empty", list, err)
			}
		},
		client: "STAT\nLIST\n",
	}, {
		name:   "RETR un-stuffs dots and keeps CRLF",
		server: "+OK hi\n+OK 120 octets\nSubject: dots\n\n..\n...\n..hidden\n. \nlast\n.\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c)
			r, err := c.Retr(ctx, 1)
			if got, want := readAllString(t, r, err), crlf("Subject: dots\n\n.\n..\n.hidden\n \nlast\n"); got != want {
				t.Errorf("Retr() = %q, want %q", got, want)
			}
		},
		client: "RETR 1\n",
	}, {
		name:   "TOP",
		server: "+OK hi\n+OK\nSubject: x\n\nline 1\n.\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c, "TOP")
			r, err := c.Top(ctx, 3, 1)
			if got, want := readAllString(t, r, err), crlf("Subject: x\n\nline 1\n"); got != want {
				t.Errorf("Top() = %q, want %q", got, want)
			}
		},
		client: "TOP 3 1\n",
	}, {
		name:   "RETR -ERR has no body",
		server: "+OK hi\n-ERR no such message\n+OK\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c)
			var perr *Error
			if _, err := c.Retr(ctx, 9); !errors.As(err, &perr) {
				t.Fatalf("Retr() = %v, want *Error", err)
			}
			if err := c.Noop(ctx); err != nil {
				t.Errorf("Noop() = %v", err)
			}
		},
		client: "RETR 9\nNOOP\n",
	}, {
		name:   "next command drains an unread stream",
		server: "+OK hi\n+OK\nSubject: a\n\nbody\n.\n+OK\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c)
			r, err := c.Retr(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Dele(ctx, 1); err != nil {
				t.Fatalf("Dele() after unread Retr = %v", err)
			}
			if _, err := r.Read(make([]byte, 10)); !errors.Is(err, ErrStreamInvalid) {
				t.Errorf("old stream Read() = %v, want ErrStreamInvalid", err)
			}
		},
		client: "RETR 1\nDELE 1\n",
	}, {
		name:   "DELE RSET NOOP QUIT",
		server: "+OK hi\n+OK message 1 deleted\n+OK\n+OK\n+OK dewey POP3 server signing off\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c)
			for _, err := range []error{c.Dele(ctx, 1), c.Rset(ctx), c.Noop(ctx), c.Quit(ctx)} {
				if err != nil {
					t.Errorf("err = %v", err)
				}
			}
			if err := c.Noop(ctx); !errors.Is(err, ErrClosed) {
				t.Errorf("Noop() after Quit = %v, want ErrClosed", err)
			}
		},
		client: "DELE 1\nRSET\nNOOP\nQUIT\n",
	}, {
		name:   "QUIT -ERR in UPDATE",
		server: "+OK hi\n-ERR some deleted messages not removed\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c)
			var perr *Error
			if err := c.Quit(ctx); !errors.As(err, &perr) {
				t.Errorf("Quit() = %v, want *Error", err)
			}
		},
		client: "QUIT\n",
	}, {
		name:   "pipelined TOP batch",
		server: "+OK hi\n+OK\nSubject: 1\n\n.\n-ERR no such message\n+OK\nSubject: .3\n\n.\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c, "TOP", "PIPELINING")
			var got []string
			err := c.TopMany(ctx, []int{1, 2, 3}, 0, func(n int, r io.Reader, err error) error {
				if err != nil {
					got = append(got, "error")
					return nil
				}
				b, _ := io.ReadAll(r)
				got = append(got, string(b))
				return nil
			})
			if err != nil {
				t.Fatalf("TopMany() = %v", err)
			}
			if want := []string{crlf("Subject: 1\n\n"), "error", crlf("Subject: .3\n\n")}; strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("TopMany() gave %q, want %q", got, want)
			}
		},
		client: "TOP 1 0\nTOP 2 0\nTOP 3 0\n",
	}, {
		name:   "DELE batch",
		server: "+OK hi\n+OK\n-ERR message 2 already deleted\n+OK\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c, "PIPELINING")
			res, err := c.DeleMany(ctx, []int{1, 2, 3})
			if err != nil || len(res) != 3 || res[0] != nil || res[1] == nil || res[2] != nil {
				t.Errorf("DeleMany() = %v, %v, want [nil, *Error, nil]", res, err)
			}
		},
		client: "DELE 1\nDELE 2\nDELE 3\n",
	}, {
		name:   "server without TOP: RETR cut to the header",
		server: "+OK hi\n-ERR unknown command\n+OK 1 100\n+OK\nSubject: a\n\nbody 1\nbody 2\n.\n+OK\nSubject: b\n\nbody\n.\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c)
			var got []string
			err := c.TopMany(ctx, []int{1, 2}, 0, func(n int, r io.Reader, err error) error {
				got = append(got, readAllString(t, r, err))
				return nil
			})
			if err != nil {
				t.Fatalf("TopMany() = %v", err)
			}
			if want := crlf("Subject: a\n\n|Subject: b\n\n"); strings.Join(got, "|") != want {
				t.Errorf("TopMany() = %q, want %q", strings.Join(got, "|"), want)
			}
			if c.SupportsTop() {
				t.Errorf("SupportsTop() = true, want false")
			}
		},
		client: "TOP 1 0\nLIST 1\nRETR 1\nRETR 2\n",
	}, {
		name:   "server without UIDL: synthetic ids",
		server: "+OK hi\n-ERR unknown command\n+OK\n1 10\n2 10\n.\n+OK\nSubject: same\n\n.\n+OK\nSubject: same\n\n.\n",
		run: func(t *testing.T, c *Client) {
			signedIn(c, "TOP", "PIPELINING")
			ids, synthetic, err := c.UniqueIDs(ctx)
			if err != nil || !synthetic || len(ids) != 2 {
				t.Fatalf("UniqueIDs() = %v, %v, %v", ids, synthetic, err)
			}
			if ids[1].UID != ids[0].UID+"-2" || !validUID(ids[0].UID) {
				t.Errorf("UniqueIDs() = %v, want distinct ids for identical headers", ids)
			}
			if c.SupportsUIDL() {
				t.Errorf("SupportsUIDL() = true, want false")
			}
		},
		client: "UIDL\nLIST\nTOP 1 0\nTOP 2 0\n",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, f := newTestClient(t, tc.server, nil)
			tc.run(t, c)
			if got, want := f.written.String(), crlf(tc.client); got != want {
				t.Errorf("client wrote %q, want %q", got, want)
			}
		})
	}
}

func TestObserve(t *testing.T) {
	type call struct {
		verb string
		err  bool
	}
	var calls []call
	opts := &Options{Security: SecurityNone, Observe: func(verb string, d time.Duration, err error) {
		if d < 0 {
			t.Errorf("Observe(%s) duration %v", verb, d)
		}
		calls = append(calls, call{verb, err != nil})
	}}
	c, _ := newTestClient(t, "+OK hi\n+OK\n-ERR no\n+OK\nSubject: x\n\n.\n+OK\n+OK\n", opts)
	signedIn(c, "PIPELINING")
	ctx := context.Background()
	c.Noop(ctx)
	c.Dele(ctx, 1)
	r, _ := c.Retr(ctx, 1)
	io.ReadAll(r)
	c.DeleMany(ctx, []int{1, 2})
	want := []call{{"GREETING", false}, {"NOOP", false}, {"DELE", true}, {"RETR", false}, {"DELE", false}}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("Observe calls = %v, want %v", calls, want)
	}
}
