package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// buildPopgate compiles the command into a temporary folder, so that tests
// can run the real process: its signal handling lives in main.
func buildPopgate(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "popgate")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freePort returns a loopback port that was free a moment ago, for
// processes that must be told their port up front.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// waitHealthy polls base+"healthz" until it answers 200.
func waitHealthy(t *testing.T, base string, exited <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatal("process exited before serving")
		default:
		}
		resp, err := http.Get(base + "healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%shealthz did not answer 200 within 15s", base)
}

// syncBuffer collects a child's log while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// popgateProcess is the real binary running as a child process.
type popgateProcess struct {
	t       *testing.T
	cmd     *exec.Cmd
	base    string // its URL, ending in "/"
	logs    *syncBuffer
	exited  chan struct{}
	waitErr error // set before exited closes
}

// startPopgate builds popgate and runs it with env (plus a listen address)
// until the test ends or stop is called; it returns once it serves.
func startPopgate(t *testing.T, env ...string) *popgateProcess {
	t.Helper()
	bin := buildPopgate(t)
	listen := "127.0.0.1:" + freePort(t)
	p := &popgateProcess{t: t, cmd: exec.Command(bin), base: "http://" + listen + "/", logs: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd.Env = append(env, "POPGATE_LISTEN="+listen)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("popgate log:\n%s", p.logs.String())
		}
	})
	waitHealthy(t, p.base, p.exited)
	return p
}

// stop sends SIGTERM and fails the test unless popgate exits with status 0
// within limit.
func (p *popgateProcess) stop(limit time.Duration) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(limit):
		p.t.Fatalf("popgate did not exit within %v of SIGTERM", limit)
	}
	if p.waitErr != nil {
		p.t.Errorf("popgate exited with %v, want status 0", p.waitErr)
	}
}

// TestShutdownCommitsDeletions: a deploy or scale-down sends SIGTERM while
// users are signed in with deletions pending. The process must sign them
// out cleanly (QUIT), so the POP3 server removes exactly those messages,
// and exit 0 so the orchestrator does not count it as a crash.
func TestShutdownCommitsDeletions(t *testing.T) {
	var msgs [][]byte
	for i := 1; i <= 8; i++ {
		msgs = append(msgs, []byte(fmt.Sprintf("From: S%d <s%d@example.test>\r\nSubject: Shutdown %d\r\n\r\nBody %d\r\n", i, i, i, i)))
	}
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", msgs...)
	before := map[string][]byte{}
	stored := srv.Mailbox("alice")
	for i, uid := range srv.UIDs("alice") {
		before[uid] = stored[i]
	}

	p := startPopgate(t, "POPGATE_SERVERS=pop3+insecure://"+srv.Addr())
	b := newBrowser(t, p.base)
	b.post("login", url.Values{"username": {"alice"}, "password": {"pw"}}, http.StatusSeeOther)
	_, data := b.get("", http.StatusOK)
	uids := inboxUIDs(t, data)
	if len(uids) != len(msgs) {
		t.Fatalf("inbox lists %d messages, want %d", len(uids), len(msgs))
	}
	deleted := []string{uids[1], uids[4]}
	for _, uid := range deleted {
		b.post(messagePath(uid)+"/delete", nil, http.StatusSeeOther)
	}
	if got := len(srv.Mailbox("alice")); got != len(msgs) {
		t.Fatalf("server holds %d messages before shutdown, want %d: deletions must wait for sign-out", got, len(msgs))
	}

	p.stop(40 * time.Second) // beyond shutdownTimeout

	left := map[string]bool{}
	for _, msg := range srv.Mailbox("alice") {
		left[string(msg)] = true
	}
	if len(left) != len(msgs)-len(deleted) {
		t.Errorf("server holds %d messages after shutdown, want %d", len(left), len(msgs)-len(deleted))
	}
	for uid, msg := range before {
		wantGone := uid == deleted[0] || uid == deleted[1]
		if left[string(msg)] == wantGone {
			subject, _, _ := strings.Cut(string(msg[bytes.Index(msg, []byte("Subject:")):]), "\r\n")
			if wantGone {
				t.Errorf("deleted message %s (%s) is still on the server", uid, subject)
			} else {
				t.Errorf("message %s (%s) was lost", uid, subject)
			}
		}
	}
}

// TestShutdownWithStalledServer: SIGTERM comes while one user's request
// hangs on a POP3 server that stopped answering it. Every signed-in user's
// deletions, the stalled user's included, must still be committed within
// POPGATE_SHUTDOWN_TIMEOUT: the stalled request is cancelled when half the
// budget is spent, and the sign-outs have the other half.
func TestShutdownWithStalledServer(t *testing.T) {
	var msgs [][]byte
	for i := 1; i <= 4; i++ {
		msgs = append(msgs, []byte(fmt.Sprintf("Subject: Stall %d\r\n\r\nBody %d\r\n", i, i)))
	}
	srv := pop3test.NewServer(t, nil)
	users := []string{"alice", "bob", "carol"}
	for _, u := range users {
		srv.AddMailbox(u, "pw", msgs...)
	}
	const budget = 6 * time.Second
	p := startPopgate(t, "POPGATE_SERVERS=pop3+insecure://"+srv.Addr(), "POPGATE_SHUTDOWN_TIMEOUT="+budget.String())
	browsers := map[string]*browser{}
	for _, u := range users {
		b := newBrowser(t, p.base)
		b.post("login", url.Values{"username": {u}, "password": {"pw"}}, http.StatusSeeOther)
		_, data := b.get("", http.StatusOK)
		b.post(messagePath(inboxUIDs(t, data)[0])+"/delete", nil, http.StatusSeeOther)
		browsers[u] = b
	}

	// alice opens a message, and the server never answers her RETR.
	srv.AddFault(pop3test.Fault{Command: "RETR", Action: pop3test.FaultStall})
	_, data := browsers["alice"].get("", http.StatusOK)
	stalled := make(chan struct{})
	go func() {
		defer close(stalled)
		resp, err := browsers["alice"].c.Get(p.base + messagePath(inboxUIDs(t, data)[0]))
		if err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "the stalled RETR", func() bool { return srv.PendingFaults() == 0 })

	start := time.Now()
	p.stop(budget + 5*time.Second)
	if took := time.Since(start); took > budget+2*time.Second {
		t.Errorf("shutdown took %v, want within the %v budget (and a moment to exit)", took, budget)
	}
	<-stalled
	for _, u := range users {
		if got := len(srv.Mailbox(u)); got != len(msgs)-1 {
			t.Errorf("%s's mailbox holds %d messages after shutdown, want %d: the deletion was lost", u, got, len(msgs)-1)
		}
	}
}

// waitFor polls cond until it holds, for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
