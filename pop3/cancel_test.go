package pop3

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
)

// TestStaleCancelSparesNextCommand plays the download that the browser
// abandons: a RETR stream left unread, whose request's context is cancelled
// just as the next request's command is on the wire. The old exchange's
// cancellation must not touch the new one, or the Client breaks and the
// session reconnects for nothing (which a LOGIN-DELAY server refuses). The
// cancellation is run by hand at the worst moment, so the test does not
// depend on when context.AfterFunc's goroutine gets to run.
func TestStaleCancelSparesNextCommand(t *testing.T) {
	client, server := net.Pipe()
	t.Cleanup(func() { server.Close() })
	gotNoop := make(chan struct{})
	release := make(chan struct{})
	go func() {
		br := bufio.NewReader(server)
		server.Write([]byte("+OK hi\r\n"))
		if line, _ := br.ReadString('\n'); !strings.HasPrefix(line, "RETR 1") {
			return
		}
		server.Write([]byte("+OK\r\n" + strings.Repeat("a line of the message body\r\n", 200) + ".\r\n"))
		if line, _ := br.ReadString('\n'); !strings.HasPrefix(line, "NOOP") {
			return
		}
		close(gotNoop)
		<-release
		server.Write([]byte("+OK\r\n"))
	}()
	c, err := NewClient(client, &Options{Security: SecurityNone})
	if err != nil {
		t.Fatal(err)
	}
	signedIn(c)
	oldCtx, cancelOld := context.WithCancel(context.Background())
	defer cancelOld()
	r, err := c.Retr(oldCtx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	old := r.(*dotReader).ex

	done := make(chan error, 1)
	go func() { done <- c.Noop(context.Background()) }()
	<-gotNoop
	old.cancel() // what the abandoned request's cancellation runs
	close(release)
	if err := <-done; err != nil {
		t.Errorf("Noop() after the old request's cancel = %v, want nil", err)
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err() = %v, want the Client still usable", err)
	}
}

// TestCancelAbortsOwnStream checks the other side of the same rule: while
// the stream is still being read, its own request's cancellation stops it.
func TestCancelAbortsOwnStream(t *testing.T) {
	client, server := net.Pipe()
	t.Cleanup(func() { server.Close() })
	go func() {
		br := bufio.NewReader(server)
		server.Write([]byte("+OK hi\r\n"))
		br.ReadString('\n')
		server.Write([]byte("+OK\r\nfirst line\r\n")) // and then nothing
		br.ReadString('\n')
	}()
	c, err := NewClient(client, &Options{Security: SecurityNone})
	if err != nil {
		t.Fatal(err)
	}
	signedIn(c)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := c.Retr(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	cancel()
	buf := make([]byte, 100)
	for err == nil {
		_, err = r.Read(buf)
	}
	if !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("Read() after cancel = %v, want context canceled", err)
	}
}
