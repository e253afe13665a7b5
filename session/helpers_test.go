package session

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
)

// testPassword is every test user's password; the logs must never show it.
const testPassword = "s3cret-Pa55"

// testMsg returns message i of a test mailbox.
func testMsg(i int) []byte {
	return fmt.Appendf(nil, "From: sender%d@example.org\r\nSubject: message %d\r\nMessage-ID: <%d@example.org>\r\n\r\nBody of message %d.\r\n", i, i, i, i)
}

// newTestServer returns a pop3test server where each of users has n
// messages.
func newTestServer(tb testing.TB, opts *pop3test.Options, n int, users ...string) *pop3test.Server {
	tb.Helper()
	srv := pop3test.NewServer(tb, opts)
	for _, u := range users {
		var msgs [][]byte
		for i := 1; i <= n; i++ {
			msgs = append(msgs, testMsg(i))
		}
		srv.AddMailbox(u, testPassword, msgs...)
	}
	return srv
}

func testUpstream(addr string) Upstream {
	return Upstream{ID: "test", Label: "Test", Addr: addr, Options: pop3.Options{Security: pop3.SecurityNone, Timeout: 5 * time.Second}}
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestManager returns a Manager closed at the end of the test, whose
// logs are checked for the password then. A nil cfg.Envelope means
// testEnvelope.
func newTestManager(tb testing.TB, cfg Config) (*Manager, *syncBuffer) {
	tb.Helper()
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.Envelope == nil {
		cfg.Envelope = testEnvelope
	}
	m := NewManager(cfg)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			tb.Errorf("Close() = %v, want nil", err)
		}
		if strings.Contains(logs.String(), testPassword) {
			tb.Errorf("logs contain the password:\n%s", logs)
		}
	})
	return m, logs
}

func mustLogin(tb testing.TB, m *Manager, up Upstream, user string) *Session {
	tb.Helper()
	s, err := m.Login(context.Background(), up, user, testPassword)
	if err != nil {
		tb.Fatalf("Login(%s) = %v, want nil", user, err)
	}
	return s
}

// cutConn closes the session's connection as a network failure would:
// the session notices on its next request.
func cutConn(tb testing.TB, s *Session) {
	tb.Helper()
	st, err := s.lock(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer s.unlock()
	if st.client == nil {
		tb.Fatalf("the session has no connection to cut")
	}
	st.client.Close()
}

// mustView returns s.View, failing the test on an error.
func mustView(tb testing.TB, s *Session) View {
	tb.Helper()
	v, err := s.View(context.Background())
	if err != nil {
		tb.Fatalf("View() = %v, want nil", err)
	}
	return v
}

func mustMessages(tb testing.TB, s *Session) []Message {
	tb.Helper()
	msgs, err := s.Messages(context.Background())
	if err != nil {
		tb.Fatalf("Messages() = %v, want nil", err)
	}
	return msgs
}

func uidsOf(msgs []Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.UID
	}
	return out
}

// checkMailbox fails unless the server holds exactly test messages want
// (by number) for user.
func checkMailbox(tb testing.TB, srv *pop3test.Server, user string, want ...int) {
	tb.Helper()
	var wantMsgs [][]byte
	for _, i := range want {
		wantMsgs = append(wantMsgs, testMsg(i))
	}
	got := srv.Mailbox(user)
	if !slices.EqualFunc(got, wantMsgs, bytes.Equal) {
		tb.Errorf("mailbox of %s holds %d messages %q, want messages %v", user, len(got), subjects(got), want)
	}
}

func subjects(msgs [][]byte) []string {
	var out []string
	for _, m := range msgs {
		for line := range strings.SplitSeq(string(m), "\r\n") {
			if s, ok := strings.CutPrefix(line, "Subject: "); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// fakeClock is a Config.Now that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// eventually polls cond for up to two seconds: servers notice a closed
// connection asynchronously.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// countCommands counts the lines a client sent that start with verb.
func countCommands(srv *pop3test.Server, verb string) int {
	n := 0
	for _, c := range srv.Commands() {
		if strings.HasPrefix(strings.ToUpper(c), verb) {
			n++
		}
	}
	return n
}
