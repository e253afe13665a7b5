package pop3test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

type state int

const (
	stateAuthorization state = iota
	stateTransaction
)

// action tells the read loop what to do after a reply has been buffered.
type action int

const (
	actNone action = iota
	actClose
	actSTLS
	actLogin
)

var errLineTooLong = errors.New("pop3test: command line too long")

// session is one connection. Its fields belong to the goroutine running it;
// box, msgs, deleted and retrieved are set by Server.login under Server.mu
// and, apart from the lock owner, only read afterwards by that goroutine.
type session struct {
	s        *Server
	id       int
	raw      net.Conn // as accepted; closing it ends the session
	nc       net.Conn // raw, or the TLS connection on top of it
	r        *bufio.Reader
	w        *bufio.Writer
	out      bytes.Buffer // the reply being built
	opts     Options      // snapshot for the command being handled
	eol      string
	implicit bool
	secure   bool
	state    state
	user     string // from USER, waiting for PASS
	stamp    string // APOP timestamp of the greeting, "" without APOP
	sasl     bool   // an AUTH PLAIN continuation line is expected
	bad      int

	box       *mailbox
	msgs      []*message // snapshot at login; numbers are index+1
	deleted   []bool
	retrieved []bool
}

func (c *session) setConn(nc net.Conn) {
	c.nc = nc
	c.r = bufio.NewReaderSize(nc, 4096)
	// Large enough that a pipelined batch of TOP replies leaves in a few
	// writes.
	c.w = bufio.NewWriterSize(nc, 32<<10)
}

func (c *session) run() {
	defer c.cleanup()
	if c.implicit {
		if c.handshake() != nil {
			return
		}
	} else {
		c.setConn(c.raw)
	}
	c.snapshotOptions()
	if !c.greet() {
		return
	}
	c.serve()
}

func (c *session) cleanup() {
	if c.w != nil && c.w.Buffered() > 0 {
		// Replies to commands executed before a drop still go out, as they
		// would from a real server that wrote them before failing.
		c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		c.w.Flush()
	}
	c.nc.Close()
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	delete(c.s.sessions, c)
	if c.box != nil && c.box.owner == c {
		c.box.owner = nil
	}
}

func (c *session) handshake() error {
	tc := tls.Server(c.nc, c.s.TLSConfig())
	c.raw.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := tc.Handshake(); err != nil {
		return err
	}
	c.raw.SetDeadline(time.Time{})
	c.setConn(tc)
	c.secure = true
	return nil
}

func (c *session) snapshotOptions() {
	c.opts = c.s.Options()
	c.eol = "\r\n"
	if c.opts.BareLF {
		c.eol = "\n"
	}
}

func (c *session) greet() bool {
	text := "POP3 test server ready."
	if c.opts.Greeting != "" {
		text = oneLine(c.opts.Greeting)
	}
	if c.opts.APOP {
		c.stamp = fmt.Sprintf("<%d.%d.%d@localhost>", os.Getpid(), c.id, time.Now().UnixNano())
		text += " " + c.stamp
	}
	c.line("+OK " + text)
	if f, ok := c.s.takeFault("", true); ok {
		switch f.Action {
		case FaultDrop:
			return false
		case FaultStall:
			if f.Delay <= 0 && f.Release == nil {
				c.drain()
				return false
			}
			if !c.s.stall(f.Delay, f.Release) {
				return false
			}
		case FaultGarbage:
			c.out.Reset()
			c.line(garbage(f))
		case FaultTempError:
			c.out.Reset()
			c.line(c.errLine("SYS/TEMP", tempText(f)))
			c.send()
			return false
		case FaultDropMidResponse:
			c.sendPartial()
			return false
		}
	}
	return c.send() == nil
}

// serve answers commands in order until the connection ends. Replies are
// buffered and flushed only when no complete command is waiting, so a
// pipelined batch is answered with few writes.
func (c *session) serve() {
	for {
		if !c.lineBuffered() && c.flush() != nil {
			return
		}
		c.snapshotOptions()
		line, err := c.readLine(c.opts.IdleTimeout)
		if err != nil {
			var ne net.Error
			switch {
			case errors.Is(err, errLineTooLong):
				c.line("-ERR Input line too long.")
				c.send()
			case c.opts.IdleTimeout > 0 && errors.As(err, &ne) && ne.Timeout():
				c.line("-ERR Disconnected for inactivity.")
				c.send()
			}
			return
		}
		c.s.record(c.id, line)
		// Options changed while this connection waited apply to the command
		// just read.
		c.snapshotOptions()

		var act action
		if c.sasl {
			c.sasl = false
			act = c.authPlain(line)
		} else {
			var ok bool
			if act, ok = c.command(line); !ok {
				return
			}
		}
		if c.send() != nil {
			return
		}
		switch act {
		case actClose:
			return
		case actSTLS:
			if c.flush() != nil {
				return
			}
			// Plaintext sent behind STLS must not be executed as if it had
			// come over TLS (RFC 2595 §4, CVE-2011-0411 class).
			c.r.Discard(c.r.Buffered())
			if c.handshake() != nil {
				return
			}
		case actLogin:
			if c.opts.LosePipelinedAfterLogin {
				if c.flush() != nil {
					return
				}
				c.r.Discard(c.r.Buffered())
			}
		}
	}
}

// command executes one command line, or the pending fault that matches it.
// It reports false when the connection must end at once.
func (c *session) command(line string) (action, bool) {
	kw, arg := splitCommand(line)
	f, ok := c.s.takeFault(kw, false)
	if !ok {
		return c.exec(kw, arg), true
	}
	switch f.Action {
	case FaultDrop:
		return actNone, false
	case FaultStall:
		if f.Delay <= 0 && f.Release == nil {
			if c.flush() == nil {
				c.drain()
			}
			return actNone, false
		}
		if c.flush() != nil || !c.s.stall(f.Delay, f.Release) {
			return actNone, false
		}
	case FaultGarbage:
		c.line(garbage(f))
		return actNone, true
	case FaultTempError:
		c.line(c.errLine("SYS/TEMP", tempText(f)))
		return actNone, true
	case FaultDropMidResponse:
		c.exec(kw, arg)
		c.sendPartial()
		return actNone, false
	}
	return c.exec(kw, arg), true
}

func garbage(f Fault) string {
	if f.Data == "" {
		return "HELLO THERE"
	}
	return f.Data
}

func tempText(f Fault) string {
	if f.Data == "" {
		return "Temporary server failure."
	}
	return oneLine(f.Data)
}

// drain keeps a stalled connection open and its input recorded until the
// client or the server closes it.
func (c *session) drain() {
	for {
		line, err := c.readLine(0)
		if err != nil {
			return
		}
		c.s.record(c.id, line)
	}
}

// readLine returns the next line without its CRLF or bare LF. A line longer
// than MaxLineLength yields errLineTooLong; a partial line at EOF is
// dropped.
func (c *session) readLine(idle time.Duration) (string, error) {
	var deadline time.Time
	if idle > 0 {
		deadline = time.Now().Add(idle)
	}
	if err := c.nc.SetReadDeadline(deadline); err != nil {
		return "", err
	}
	limit := c.opts.maxLine()
	var line []byte
	for {
		frag, err := c.r.ReadSlice('\n')
		if len(line)+len(frag) > limit {
			return "", errLineTooLong
		}
		line = append(line, frag...)
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return string(line), nil
}

// lineBuffered reports whether a complete command is already waiting, in
// which case flushing can wait until it has been answered too.
func (c *session) lineBuffered() bool {
	n := c.r.Buffered()
	if n == 0 {
		return false
	}
	b, err := c.r.Peek(n)
	return err == nil && bytes.IndexByte(b, '\n') >= 0
}

func (c *session) line(s string) {
	c.out.WriteString(s)
	c.out.WriteString(c.eol)
}

// send moves the built reply into the write buffer.
func (c *session) send() error {
	_, err := c.w.Write(c.out.Bytes())
	c.out.Reset()
	return err
}

// sendPartial sends the status line and half of the body of the built
// reply, or half of the status line if there is no body.
func (c *session) sendPartial() {
	b := c.out.Bytes()
	n := len(b) / 2
	if i := bytes.IndexByte(b, '\n'); i >= 0 && i+1 < len(b) {
		n = i + 1 + (len(b)-i-1)/2
	}
	c.w.Write(b[:n])
	c.out.Reset()
}

func (c *session) flush() error {
	if c.w.Buffered() == 0 {
		return nil
	}
	var deadline time.Time
	if c.opts.IdleTimeout > 0 {
		deadline = time.Now().Add(c.opts.IdleTimeout)
	}
	if err := c.nc.SetWriteDeadline(deadline); err != nil {
		return err
	}
	return c.w.Flush()
}

// errLine formats an -ERR reply with an optional RFC 2449 response code.
func (c *session) errLine(code, text string) string {
	if code == "" || c.opts.NoRespCodes {
		return "-ERR " + text
	}
	return "-ERR [" + code + "] " + text
}

// multi builds a multi-line reply with dot-stuffing (RFC 1939 §3).
func (c *session) multi(status string, lines []string) {
	c.line(status)
	for _, l := range lines {
		if len(l) > 0 && l[0] == '.' {
			c.out.WriteByte('.')
		}
		c.line(l)
	}
	c.line(".")
}

// body appends message data as a dot-stuffed multi-line body. The stored
// CRLFs are rewritten to c.eol, and a missing final line ending is supplied,
// as Dovecot does, so the terminator always starts a line.
func (c *session) body(data []byte) {
	for len(data) > 0 {
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) > 0 && l[0] == '.' {
			c.out.WriteByte('.')
		}
		c.out.Write(l)
		c.out.WriteString(c.eol)
	}
	c.line(".")
}
