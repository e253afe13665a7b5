package web

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestLogBuffer: info lines wait in the buffer until the flush delay,
// a warning takes them out at once, and after Close lines go straight
// through. It runs in a synctest bubble, whose clock moves only when
// every goroutine in it is blocked: the flush timer fires exactly at
// logFlushDelay of fake time, however busy the machine is.
func TestLogBuffer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &syncWriter{}
		buf := NewLogBuffer(out)
		log := slog.New(LogHandler(slog.NewTextHandler(buf, nil), buf))
		written := func() string {
			out.mu.Lock()
			defer out.mu.Unlock()
			return out.b.String()
		}

		log.Info("one")
		if got := written(); got != "" {
			t.Errorf("an info line was written at once: %q", got)
		}
		log.Warn("two")
		if got := written(); !strings.Contains(got, "msg=one") || !strings.Contains(got, "msg=two") {
			t.Errorf("after a warning, written = %q, want both lines", got)
		}

		log.Info("three")
		time.Sleep(logFlushDelay - time.Nanosecond)
		synctest.Wait()
		if got := written(); strings.Contains(got, "msg=three") {
			t.Errorf("the info line was flushed before %v: %q", logFlushDelay, got)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait() // for the timer's flush
		if got := written(); !strings.Contains(got, "msg=three") {
			t.Errorf("the info line was not flushed after %v: %q", logFlushDelay, got)
		}

		log.Info("four")
		if err := buf.Close(); err != nil {
			t.Fatal(err)
		}
		log.InfoContext(context.Background(), "five")
		got := written()
		if !strings.Contains(got, "msg=four") || !strings.Contains(got, "msg=five") {
			t.Errorf("after Close, written = %q, want lines four and five", got)
		}
		if strings.Index(got, "msg=one") > strings.Index(got, "msg=two") || strings.Index(got, "msg=four") > strings.Index(got, "msg=five") {
			t.Errorf("lines out of order: %q", got)
		}
	})
}

// TestLogBufferLarge: a line larger than the buffer is written whole.
func TestLogBufferLarge(t *testing.T) {
	out := &syncWriter{}
	buf := NewLogBuffer(out)
	buf.Write([]byte("small\n"))
	big := strings.Repeat("x", logBufferSize+1) + "\n"
	if n, err := buf.Write([]byte(big)); n != len(big) || err != nil {
		t.Fatalf("Write(big) = %d, %v", n, err)
	}
	if got := out.b.String(); got != "small\n"+big {
		t.Errorf("written %d bytes, want the small line then the big one", len(got))
	}
	buf.Close()
}

// syncWriter lets handlers log concurrently into one buffer.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
