package session

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
)

// The memory benchmark signs in sessions over TLS to a pop3test server in
// a child process (this test binary again), so that the server's memory
// stays out of the figure, and has each load an inbox page:
//
//	go test -run='^$' -bench=SessionMemory -benchtime=1x ./session/
const (
	memSessions = 200
	memMessages = 50
	// serverProcessEnv makes TestPOP3TestProcess serve instead of skip.
	serverProcessEnv = "POPGATE_POP3TEST_PROCESS"
)

// memMsg is message i of the memory benchmark's mailboxes: a header block
// of ordinary size and a short body.
func memMsg(i int) []byte {
	var b strings.Builder
	for hop := range 4 {
		fmt.Fprintf(&b, "Received: from relay%d.example.net (relay%d.example.net [192.0.2.%d])\r\n"+
			"\tby mx.example.org with ESMTPS id %08x; Mon, 3 Mar 2025 10:%02d:00 +0100\r\n", hop, hop, hop+1, i*7+hop, i%60)
	}
	fmt.Fprintf(&b, "From: Sender Number %d <sender%d@example.net>\r\n"+
		"To: Recipient <user@example.org>\r\n"+
		"Subject: Minutes of the garden committee, meeting %d\r\n"+
		"Date: Mon, 3 Mar 2025 10:%02d:00 +0100\r\n"+
		"Message-ID: <%d.%x@example.net>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Body of message %d.\r\n", i, i, i, i%60, i, i*31, i)
	return []byte(b.String())
}

// TestPOP3TestProcess is the benchmark's server when serverProcessEnv is
// set: it prints its address and certificate, then serves until stdin
// closes.
func TestPOP3TestProcess(t *testing.T) {
	if os.Getenv(serverProcessEnv) == "" {
		t.Skip("only a child process of BenchmarkSessionMemory serves")
	}
	srv := pop3test.NewServer(t, nil)
	var msgs [][]byte
	for i := 1; i <= memMessages; i++ {
		msgs = append(msgs, memMsg(i))
	}
	for u := range memSessions {
		srv.AddMailbox(fmt.Sprintf("user%d", u), testPassword, msgs...)
	}
	fmt.Printf("%s\n%s", srv.TLSAddr(), srv.CertPEM())
	os.Stdout.Close()
	io.Copy(io.Discard, os.Stdin)
}

// startServerProcess runs TestPOP3TestProcess in a child process and
// returns its implicit-TLS address and a pool trusting its certificate.
func startServerProcess(tb testing.TB) (string, *x509.CertPool) {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatalf("os.Executable() = %v", err)
	}
	cmd := exec.Command(exe, "-test.run=^TestPOP3TestProcess$")
	cmd.Env = append(os.Environ(), serverProcessEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting the server process: %v", err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	out, err := io.ReadAll(bufio.NewReader(stdout))
	if err != nil {
		tb.Fatal(err)
	}
	addr, pemData, ok := strings.Cut(string(out), "\n")
	pool := x509.NewCertPool()
	if !ok || !pool.AppendCertsFromPEM([]byte(pemData)) {
		tb.Fatalf("server process printed %q, want an address and a certificate", out)
	}
	return addr, pool
}

// BenchmarkSessionMemory reports the live heap, the heap spans in use (the
// live heap plus the free room in partly used spans) and the goroutines
// that each signed-in session with an open connection and a loaded inbox
// page adds, after garbage collection.
func BenchmarkSessionMemory(b *testing.B) {
	addr, pool := startServerProcess(b)
	up := Upstream{ID: "test", Label: "Test", Addr: addr, Options: pop3.Options{
		TLSConfig: &tls.Config{RootCAs: pool},
		Timeout:   10 * time.Second,
	}}
	var heap, inuse, goroutines float64
	for round := 0; b.Loop(); round++ {
		heap, inuse, goroutines = sessionMemory(b, up, round)
	}
	b.ReportMetric(heap, "heap-B/session")
	b.ReportMetric(inuse, "inuse-B/session")
	b.ReportMetric(goroutines, "goroutines/session")
}

// sessionMemory signs in memSessions users in a new Manager and measures
// what they add.
func sessionMemory(b *testing.B, up Upstream, round int) (heap, inuse, goroutines float64) {
	ctx := context.Background()
	m := NewManager(Config{MaxConns: memSessions, IndexAfter: time.Millisecond, Logger: slog.New(slog.DiscardHandler), Envelope: testEnvelope})
	defer m.Close(ctx)
	heap0, inuse0, g0 := liveHeap()
	sessions := make([]*Session, 0, memSessions)
	for u := range memSessions {
		s, err := m.Login(ctx, up, fmt.Sprintf("user%d", u), testPassword)
		if err != nil {
			b.Fatalf("round %d: Login() = %v", round, err)
		}
		msgs, err := s.Messages(ctx)
		if err != nil {
			b.Fatalf("Messages() = %v", err)
		}
		uids := make([]string, len(msgs))
		for i, msg := range msgs {
			uids[i] = msg.UID
		}
		envs, err := s.Envelopes(ctx, uids)
		if err != nil || len(envs) != memMessages || envs[0].Subject == "" {
			b.Fatalf("Envelopes() = %d envelopes, %v; want %d", len(envs), err, memMessages)
		}
		sessions = append(sessions, s)
	}
	for _, s := range sessions { // let indexers with nothing to do end
		eventually(b, "the indexer to stop", func() bool { return !s.st.indexing.Load() })
	}
	heap1, inuse1, g1 := liveHeap()
	runtime.KeepAlive(sessions)
	return float64(heap1-heap0) / memSessions, float64(inuse1-inuse0) / memSessions, float64(g1-g0) / memSessions
}

// liveHeap returns the live heap and the heap spans in use after garbage
// collection, and the number of goroutines.
func liveHeap() (alloc, inuse uint64, goroutines int) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, ms.HeapInuse, runtime.NumGoroutine()
}
