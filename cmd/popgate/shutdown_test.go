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

	bin := buildPopgate(t)
	listen := "127.0.0.1:" + freePort(t)
	cmd := exec.Command(bin)
	cmd.Env = []string{"POPGATE_SERVERS=pop3+insecure://" + srv.Addr(), "POPGATE_LISTEN=" + listen}
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("popgate log:\n%s", logs.String())
		}
	})

	base := "http://" + listen + "/"
	waitHealthy(t, base, exited)
	b := newBrowser(t, base)
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

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(40 * time.Second): // beyond shutdownTimeout
		t.Fatal("popgate did not exit within 40s of SIGTERM")
	}
	if waitErr != nil {
		t.Errorf("popgate exited with %v, want status 0", waitErr)
	}

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
