package web

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// The log buffer holds up to logBufferSize bytes of log lines for at most
// logFlushDelay: at thousands of requests a second, one write system call
// per access-log line, made under the log handler's mutex, queued every
// request behind the others.
const (
	logBufferSize = 64 << 10
	logFlushDelay = 100 * time.Millisecond
)

// LogBuffer is an io.Writer for log handlers that collects what is written
// and passes it on to w when logFlushDelay has passed since the first unwritten line, when
// the buffer is full, on Flush, and at Close, after which it writes
// through. It is safe for concurrent use; each Write reaches w whole and
// in order. Errors from w are returned by the Write or Flush that meets
// them (lines written from the timer lose theirs).
type LogBuffer struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte      // protected by mu
	timer  *time.Timer // protected by mu; pending flush, nil while buf is empty
	closed bool        // protected by mu
}

// NewLogBuffer returns a LogBuffer in front of w. Give LogHandler the
// buffer too, so that warnings and errors are written out at once, and
// Close it at shutdown, or the last lines are lost.
func NewLogBuffer(w io.Writer) *LogBuffer {
	return &LogBuffer{w: w, buf: make([]byte, 0, logBufferSize)}
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.w.Write(p)
	}
	if len(b.buf)+len(p) > cap(b.buf) {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > cap(b.buf) {
			return b.w.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	if b.timer == nil {
		b.timer = time.AfterFunc(logFlushDelay, func() { b.Flush() })
	}
	return len(p), nil
}

// Flush writes out what is buffered.
func (b *LogBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

// Close flushes and makes later writes go straight to w. It doesn't close
// w.
func (b *LogBuffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return b.flushLocked()
}

func (b *LogBuffer) flushLocked() error {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// flushingHandler writes records at Warn and above out at once, with
// everything buffered before them: a warning or an error is not left in
// the buffer if the process dies.
type flushingHandler struct {
	slog.Handler
	buf *LogBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.buf.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.buf}
}
