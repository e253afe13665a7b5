package pop3

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Retr sends RETR n and returns the message as a stream of its exact bytes:
// dot-stuffing removed, line endings as the server sent them (CRLF, or bare
// LF from a sloppy server), the terminating "." not included.
//
// The stream is valid until the next command, which first reads and
// discards whatever is left of it; read it to io.EOF to avoid that cost. It
// fails with ErrMessageTooLarge past Options.MaxMessageSize. Each read
// extends the deadline, so a large message may take longer than
// Options.Timeout as long as it keeps flowing; ctx still cancels it.
func (c *Client) Retr(ctx context.Context, n int) (io.Reader, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: message number %d", ErrInvalidArgument, n)
	}
	return c.openStream(ctx, "RETR "+strconv.Itoa(n))
}

// Top sends TOP n lines and returns the header, the blank line and the first
// lines lines of the body as a stream, like Retr. TOP n 0 is the header
// alone: the cheap way to list a mailbox.
//
// TOP is optional in RFC 1939. When the server turns out not to support it
// (see SupportsTop), Top reads the message with RETR instead and returns only
// the part TOP would have returned; the rest is discarded by the next
// command.
func (c *Client) Top(ctx context.Context, n, lines int) (io.Reader, error) {
	if n < 1 || lines < 0 {
		return nil, fmt.Errorf("%w: TOP %d %d", ErrInvalidArgument, n, lines)
	}
	if c.top != supportNo {
		r, err := c.openStream(ctx, "TOP "+strconv.Itoa(n)+" "+strconv.Itoa(lines))
		if err == nil {
			c.top = supportYes
			return r, nil
		}
		if unsupported, perr := c.probeTop(ctx, n, err); !unsupported {
			return nil, perr
		}
	}
	r, err := c.Retr(ctx, n)
	if err != nil {
		return nil, err
	}
	return &topReader{src: r, lines: lines, lineStart: true}, nil
}

// probeTop decides, after TOP n failed, whether the server lacks TOP or the
// message is the problem: if LIST n succeeds, TOP itself was refused. It
// returns the error to report when TOP is supported.
func (c *Client) probeTop(ctx context.Context, n int, topErr error) (unsupported bool, err error) {
	var perr *Error
	if c.top != supportUnknown || !errors.As(topErr, &perr) || perr.Code != "" {
		return false, topErr
	}
	if _, err := c.ListOne(ctx, n); err != nil {
		var lerr *Error
		if errors.As(err, &lerr) {
			return false, topErr
		}
		return false, err
	}
	c.top = supportNo
	return true, nil
}

// SupportsTop reports whether TOP is believed to work: false once the server
// refused TOP for a message that exists, true otherwise. When false, Top and
// TopMany fall back to RETR, which transfers whole messages. This method
// doesn't perform I/O.
func (c *Client) SupportsTop() bool { return c.top != supportNo }

// openStream sends a command whose +OK reply is followed by a dot-terminated
// body, and hands the body back as the Client's current stream.
func (c *Client) openStream(ctx context.Context, line string) (io.Reader, error) {
	if err := checkLine(line); err != nil {
		return nil, err
	}
	ex, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	if err = c.writeLine(line, ""); err == nil {
		_, err = c.readStatus()
	}
	if err != nil {
		ex.end(&err)
		return nil, err
	}
	d := newDotReader(c, ex, true)
	c.stream = d
	return d, nil
}

// dotReader un-stuffs a dot-terminated body (RFC 1939 section 3) while
// keeping every other byte, CRLF included. textproto.DotReader would turn
// CRLF into LF, which breaks byte-exact downloads and signatures.
type dotReader struct {
	c  *Client
	ex *exchange
	r  *bufio.Reader

	// own is true for a stream returned to the caller: its end also ends the
	// exchange. Streams inside a batch leave that to the batch.
	own bool

	pending   []byte // unread data of the current lines, inside r's buffer
	lineStart bool   // the next byte from r begins a line
	n         int64  // octets returned so far
	err       error  // sticky: io.EOF at the terminator, or the failure
}

func newDotReader(c *Client, ex *exchange, own bool) *dotReader {
	return &dotReader{c: c, ex: ex, r: c.r, own: own, lineStart: true}
}

func (d *dotReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n := 0
	for n < len(p) {
		if len(d.pending) == 0 {
			// Return what we have rather than wait for the network.
			if n > 0 && d.r.Buffered() == 0 {
				break
			}
			if err := d.next(); err != nil {
				// A message that ends within this read is counted too;
				// past its end the connection is in step, so going over
				// the cap there costs the message, not the connection.
				d.n += int64(n)
				d.finish(err)
				if d.err == io.EOF && d.n > d.c.opts.MaxMessageSize {
					d.err = ErrMessageTooLarge
				}
				if d.err != io.EOF {
					n = 0
				}
				return n, d.err
			}
			continue
		}
		k := copy(p[n:], d.pending)
		d.pending = d.pending[k:]
		n += k
	}
	d.n += int64(n)
	if d.n > d.c.opts.MaxMessageSize {
		d.finish(ErrMessageTooLarge)
		return 0, d.err
	}
	d.ex.extend()
	return n, nil
}

// errTerminator marks the "." line that ends a multi-line reply; io.EOF from
// the connection means the server hung up instead.
var errTerminator = errors.New("end of multi-line reply")

// next loads the next run of bytes into pending, dropping a stuffed dot at
// the start of a line; it returns errTerminator at the terminating line.
// pending stays valid because nothing reads from r until it is consumed.
func (d *dotReader) next() error {
	if d.lineStart {
		b, err := d.r.Peek(1)
		if err != nil {
			return err
		}
		if b[0] == '.' {
			// Peek no further than the line can reach: a lone ".\n" may be
			// the last byte the server sends.
			b, err = d.r.Peek(2)
			if err != nil {
				return err
			}
			switch {
			case b[1] == '\n':
				d.r.Discard(2)
				return errTerminator
			case b[1] == '\r':
				if b, err = d.r.Peek(3); err != nil {
					return err
				}
				if b[2] == '\n' {
					d.r.Discard(3)
					return errTerminator
				}
			}
			d.r.Discard(1)
		}
	}
	if d.r.Buffered() == 0 {
		if _, err := d.r.Peek(1); err != nil {
			return err
		}
	}
	// Hand out everything buffered up to the next line that starts with a
	// dot, so a typical message streams in buffer-sized pieces, not lines.
	buf, _ := d.r.Peek(d.r.Buffered())
	end := len(buf)
	d.lineStart = buf[end-1] == '\n'
	if i := indexDotLine(buf); i >= 0 {
		end, d.lineStart = i, true
	}
	d.pending = buf[:end]
	d.r.Discard(end)
	return nil
}

// indexDotLine returns the offset of the first line in buf, after the
// first, that starts with a dot (stuffing or the terminator), or -1. It
// scans for dots rather than line ends: dots are the rarer byte in mail,
// and none at all in base64.
func indexDotLine(buf []byte) int {
	for off := 1; off < len(buf); {
		i := bytes.IndexByte(buf[off:], '.')
		if i < 0 {
			return -1
		}
		off += i
		if buf[off-1] == '\n' {
			return off
		}
		off++
	}
	return -1
}

// finish records the end of the stream: io.EOF at the terminator; anything
// else breaks the Client.
func (d *dotReader) finish(err error) {
	switch err {
	case errTerminator:
		d.err = io.EOF
		d.c.trace("S: ", "", "<"+strconv.FormatInt(d.n, 10)+" octets>")
		d.c.trace("S: ", ".", "")
	case io.EOF:
		d.err = d.c.fail(d.ex.cause(io.ErrUnexpectedEOF))
	default:
		d.err = d.c.fail(d.ex.cause(err))
	}
	if d.own {
		d.ex.finish()
		if d.err == io.EOF {
			d.ex.observe(nil)
		} else {
			d.ex.observe(d.err)
		}
		if d.c.stream == d {
			d.c.stream = nil
			d.c.release()
		}
	}
}

// drain reads and discards the rest of the stream under ex, the exchange of
// the command that wants the connection next, then invalidates the stream.
func (d *dotReader) drain(ex *exchange) error {
	if d.own && d.err == nil {
		d.ex.finish()
	}
	d.ex, d.own = ex, false
	var err error
	if d.err == nil {
		_, err = io.Copy(io.Discard, d)
	} else if d.err != io.EOF {
		err = d.err
	}
	d.err = ErrStreamInvalid
	return err
}

// WriteTo lets io.Copy skip its intermediate buffer.
func (d *dotReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for d.err == nil {
		if len(d.pending) == 0 {
			if err := d.next(); err != nil {
				d.finish(err)
				break
			}
			continue
		}
		if d.n+int64(len(d.pending)) > d.c.opts.MaxMessageSize {
			d.finish(ErrMessageTooLarge)
			break
		}
		k, err := w.Write(d.pending)
		d.pending = d.pending[k:]
		d.n += int64(k)
		total += int64(k)
		if err != nil {
			return total, err
		}
		d.ex.extend()
	}
	if d.err == io.EOF {
		return total, nil
	}
	return total, d.err
}

// topReader cuts a RETR stream down to what TOP would have returned: the
// header, the blank line and the first lines lines of the body.
type topReader struct {
	src       io.Reader
	lines     int  // body lines still wanted
	inBody    bool // the blank line after the header was seen
	lineStart bool
	lineEmpty bool // the current line so far holds at most a CR
	done      bool
}

func (t *topReader) Read(p []byte) (int, error) {
	if t.done {
		return 0, io.EOF
	}
	n, err := t.src.Read(p)
	for i := 0; i < n; i++ {
		ch := p[i]
		if t.lineStart {
			t.lineStart, t.lineEmpty = false, true
		}
		if ch != '\n' {
			if ch != '\r' {
				t.lineEmpty = false
			}
			continue
		}
		t.lineStart = true
		switch {
		case !t.inBody && t.lineEmpty:
			t.inBody = true
		case t.inBody:
			t.lines--
		default:
			continue
		}
		if t.inBody && t.lines <= 0 {
			t.done = true
			return i + 1, io.EOF
		}
	}
	return n, err
}
