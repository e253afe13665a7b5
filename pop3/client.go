package pop3

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero Options.
const (
	// DefaultTimeout bounds each exchange: one command and its reply, or the
	// gap between two reads of a message stream.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxLineLength caps a status or listing line. Message lines have
	// no cap of their own: only MaxMessageSize bounds them.
	DefaultMaxLineLength = 64 << 10
	// DefaultMaxMessageSize caps one RETR or TOP stream: room for a message
	// with a 100 MB attachment after base64.
	DefaultMaxMessageSize = 160 << 20
	// DefaultMaxListLines caps a LIST or UIDL listing: a mailbox of a
	// million messages.
	DefaultMaxListLines = 1 << 20
	// ListLineSize is what a zero Options.MaxListSize allows for each of
	// MaxListLines: the longest well-formed UIDL line, a 7-digit number, a
	// space, a 70-octet UID (RFC 1939 section 7) and CRLF. With the default
	// MaxListLines that is 80 MiB.
	ListLineSize = 80
	// DefaultMaxCapaLines caps a CAPA listing; real servers send a dozen
	// lines.
	DefaultMaxCapaLines = 1000
	// DefaultMaxCapaSize caps a CAPA listing in octets; real servers send
	// a few hundred.
	DefaultMaxCapaSize = 64 << 10
	// maxCommandLength is the longest command line, CRLF included, that a
	// server with CAPA must accept (RFC 2449 section 4).
	maxCommandLength = 255
	// readBufferSize is large so that a message streams with few reads.
	// The buffers are pooled (see acquire), so an idle Client holds none.
	readBufferSize = 64 << 10
	// writeBufferSize holds a pipelined window of commands.
	writeBufferSize = 4 << 10
)

// Security selects how Dial protects the connection.
type Security int

const (
	// SecurityTLS is implicit TLS from the first byte (RFC 8314, port 995).
	// It is the zero value: TLS is the default.
	SecurityTLS Security = iota
	// SecurityStartTLS connects in plain text and requires STLS (RFC 2595)
	// before anything else; a server that refuses it is an error, never a
	// reason to continue in plain text.
	SecurityStartTLS
	// SecurityNone speaks plain text and allows credentials over it. Only
	// for tests and loopback.
	SecurityNone
)

func (s Security) String() string {
	switch s {
	case SecurityTLS:
		return "tls"
	case SecurityStartTLS:
		return "starttls"
	case SecurityNone:
		return "none"
	}
	return fmt.Sprintf("Security(%d)", int(s))
}

// Options configure a Client. A nil *Options equals the zero value, and a
// zero field means its default.
type Options struct {
	// Security is how Dial protects the connection; see Security.
	Security Security
	// TLSConfig is used for implicit TLS and STLS. It is cloned; an empty
	// ServerName is filled from the dialed address and MinVersion is at least
	// TLS 1.2. Set RootCAs to trust a private CA. Nil means the system pool.
	TLSConfig *tls.Config
	// DialContext opens the TCP connection for Dial; nil uses a net.Dialer.
	// A caller can vet the resolved address here.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Timeout bounds each exchange (DefaultTimeout if zero). The context
	// passed to each method can shorten it or cancel it.
	Timeout time.Duration
	// MaxLineLength caps status and listing lines (DefaultMaxLineLength).
	MaxLineLength int
	// MaxMessageSize caps a RETR or TOP stream in octets (DefaultMaxMessageSize).
	MaxMessageSize int64
	// MaxListLines caps the lines of a LIST or UIDL reply (DefaultMaxListLines).
	MaxListLines int
	// MaxListSize caps a LIST or UIDL reply in octets, each line counted
	// with its CRLF, the status line and the final "." not counted. Zero
	// means ListLineSize octets for each of MaxListLines, so lowering
	// MaxListLines lowers both.
	MaxListSize int64
	// MaxCapaLines and MaxCapaSize cap the lines and octets of a CAPA
	// reply, counted as for MaxListSize (DefaultMaxCapaLines,
	// DefaultMaxCapaSize).
	MaxCapaLines int
	MaxCapaSize  int64
	// DisablePipelining makes batches send one command at a time even when
	// the server advertises PIPELINING, for servers that advertise it but
	// lose commands.
	DisablePipelining bool
	// AllowAPOP permits Apop. APOP rests on MD5 and a password the server
	// keeps in clear, so it is off unless asked for.
	AllowAPOP bool
	// Observe, if set, is called after each exchange with the command's
	// verb ("RETR"; "GREETING" for the greeting), how long it took until
	// the reply or stream was read to its end, and its error. A pipelined
	// batch is one exchange. It must be quick and safe for concurrent use:
	// it is meant for metrics.
	Observe func(command string, d time.Duration, err error)
	// DebugWriter, if set, receives a trace of the conversation, one line per
	// command or reply line prefixed "C: " or "S: ". Passwords, APOP digests
	// and AUTH strings are replaced by "<redacted>" and message bodies by a
	// byte count, but user names and server texts remain: the trace can still
	// identify people, so treat it as sensitive.
	DebugWriter io.Writer
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.Timeout <= 0 {
		v.Timeout = DefaultTimeout
	}
	if v.MaxLineLength <= 0 {
		v.MaxLineLength = DefaultMaxLineLength
	}
	if v.MaxMessageSize <= 0 {
		v.MaxMessageSize = DefaultMaxMessageSize
	}
	if v.MaxListLines <= 0 {
		v.MaxListLines = DefaultMaxListLines
	}
	if v.MaxListSize <= 0 {
		v.MaxListSize = int64(v.MaxListLines) * ListLineSize
	}
	if v.MaxCapaLines <= 0 {
		v.MaxCapaLines = DefaultMaxCapaLines
	}
	if v.MaxCapaSize <= 0 {
		v.MaxCapaSize = DefaultMaxCapaSize
	}
	return v
}

// state is where a Client stands in RFC 1939's state machine.
type state int

const (
	stateAuthorization state = iota
	stateTransaction
)

// Client is a POP3 client connection. Its methods must be called one at a
// time; Close alone may be called concurrently, to abort a method in flight.
type Client struct {
	opts Options
	// conn is written only by the goroutine running a method, under mu, so
	// that method reads it freely; Close and a context's cancellation,
	// which run on other goroutines, read it under mu.
	conn net.Conn
	// r and w are borrowed from pools for an exchange and nil between
	// exchanges (acquire, release): a signed-in user who reads nothing
	// costs no buffers.
	r *bufio.Reader
	w *bufio.Writer

	isTLS     bool
	state     state
	greeting  string
	timestamp string // APOP timestamp from the greeting, "" if none

	caps       Capabilities // nil until CAPA succeeded
	capaFailed bool         // the server answered CAPA with -ERR
	top, uidl  support

	stream *dotReader // open RETR/TOP stream, if any
	verb   string     // command of the current exchange, for Options.Observe

	closeOnce sync.Once
	mu        sync.Mutex
	err       error     // sticky: *BrokenError or ErrClosed; guarded by mu
	current   *exchange // the exchange under way, nil between them; guarded by mu
}

// support records what is known of an optional command.
type support int8

const (
	supportUnknown support = iota
	supportYes
	supportNo
)

// Dial connects to addr ("host:port") as opts.Security says, reads the
// greeting and the capabilities and, for SecurityStartTLS, completes STLS.
// The returned Client is in the AUTHORIZATION state. ctx bounds the whole
// set-up; the Client does not keep it.
func Dial(ctx context.Context, addr string, opts *Options) (*Client, error) {
	o := opts.withDefaults()
	dial := o.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if o.Security == SecurityTLS {
		tconn := tls.Client(&recordConn{Conn: conn}, tlsConfig(o.TLSConfig, addr))
		if err := tconn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tconn
	}
	c, err := newClient(ctx, conn, &o)
	if err != nil {
		return nil, err
	}
	if _, err := c.Capa(ctx); err != nil && !c.capaFailed {
		c.Close()
		return nil, err
	}
	if o.Security == SecurityStartTLS {
		if c.caps != nil && !c.caps.Has("STLS") {
			c.Close()
			return nil, ErrNoSTLS
		}
		if err := c.StartTLS(ctx, tlsConfig(o.TLSConfig, addr)); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// tlsConfig completes a caller's TLS settings for addr.
func tlsConfig(base *tls.Config, addr string) *tls.Config {
	var cfg *tls.Config
	if base != nil {
		cfg = base.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg.ServerName = host
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// NewClient returns a Client over an established connection, after reading
// the server's greeting within opts.Timeout. If the greeting cannot be read
// or is not +OK, NewClient closes conn and returns the error. It sends
// nothing: call Capa, StartTLS and an authentication method next.
func NewClient(conn net.Conn, opts *Options) (*Client, error) {
	o := opts.withDefaults()
	return newClient(context.Background(), conn, &o)
}

func newClient(ctx context.Context, conn net.Conn, o *Options) (*Client, error) {
	c := &Client{opts: *o, conn: conn}
	_, c.isTLS = conn.(*tls.Conn)
	c.setConn(conn)
	greeting, err := c.readGreeting(ctx)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.greeting = greeting
	c.timestamp = apopTimestamp(greeting)
	return c, nil
}

func (c *Client) readGreeting(ctx context.Context) (text string, err error) {
	ex, err := c.begin(ctx)
	if err != nil {
		return "", err
	}
	defer ex.end(&err)
	return c.readStatus()
}

// setConn switches to conn, dropping anything buffered from an earlier
// conn.
func (c *Client) setConn(conn net.Conn) {
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
	if c.r != nil {
		c.r.Reset(conn)
	}
	if c.w != nil {
		c.w.Reset(conn)
	}
}

// Buffers are pooled: a Client needs them only while an exchange runs, and
// most sessions are idle most of the time.
var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufferSize) }}
)

// acquire gives the Client its buffers for an exchange, unless it kept
// them.
func (c *Client) acquire() {
	if c.r == nil {
		c.r = readerPool.Get().(*bufio.Reader)
		c.r.Reset(c.conn)
	}
	if c.w == nil {
		c.w = writerPool.Get().(*bufio.Writer)
		c.w.Reset(c.conn)
	}
}

// release returns the buffers to their pools after an exchange. The reader
// stays while a stream is open or it holds unread bytes (a server that
// sent more than it was asked for), unless the Client is broken and they
// no longer matter. A stream that ended never touches the reader again,
// since it keeps its sticky error.
func (c *Client) release() {
	if c.stream != nil {
		return
	}
	broken := c.Err() != nil
	if c.r != nil && (c.r.Buffered() == 0 || broken) {
		c.r.Reset(nil)
		readerPool.Put(c.r)
		c.r = nil
	}
	if c.w != nil && (c.w.Buffered() == 0 || broken) {
		c.w.Reset(nil)
		writerPool.Put(c.w)
		c.w = nil
	}
}

// Greeting returns the text of the server's greeting after "+OK". This
// method doesn't perform I/O.
func (c *Client) Greeting() string { return c.greeting }

// TLS reports whether the connection is protected by TLS, from the start or
// after StartTLS. This method doesn't perform I/O.
func (c *Client) TLS() bool { return c.isTLS }

// TLSConnectionState returns the TLS state of the connection, ok false
// without TLS. This method doesn't perform I/O.
func (c *Client) TLSConnectionState() (state tls.ConnectionState, ok bool) {
	tc, ok := c.conn.(*tls.Conn)
	if !ok {
		return tls.ConnectionState{}, false
	}
	return tc.ConnectionState(), true
}

// Err returns the error that made the Client unusable (a *BrokenError, or
// ErrClosed after Quit or Close), or nil while it is usable. This method
// doesn't perform I/O.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection without QUIT: deletions are not committed.
// It may be called concurrently with another method, which then fails.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() { err = c.connNow().Close() })
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = ErrClosed
	}
	return err
}

// fail marks the Client broken by err, closes the connection and returns the
// sticky error.
func (c *Client) fail(err error) error {
	c.mu.Lock()
	if c.err == nil {
		c.err = &BrokenError{Err: err}
	}
	err = c.err
	c.mu.Unlock()
	c.closeOnce.Do(func() { c.connNow().Close() })
	return err
}

// connNow returns the connection for a goroutine that may run beside the
// one running a method (Close), without holding mu while it is used: a TLS
// connection's Close may block for seconds sending its alert.
func (c *Client) connNow() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn
}

// aLongTimeAgo is a deadline in the past, which makes blocked I/O return.
var aLongTimeAgo = time.Unix(1, 0)

// exchange is one command and its reply, or one stream, under a deadline
// and a context. The connection's deadline belongs to the Client's current
// exchange alone: a context cancelled after its exchange ended (a stream
// left unread, whose request went away as the next command began) must not
// cut the next one short.
type exchange struct {
	c        *Client
	ctx      context.Context
	stop     func() bool
	canceled bool // guarded by c.mu
	lastSet  time.Time
	start    time.Time
}

// observe reports the finished exchange to Options.Observe.
func (ex *exchange) observe(err error) {
	if ex.c.opts.Observe == nil {
		return
	}
	verb := ex.c.verb
	if verb == "" {
		verb = "GREETING"
	}
	ex.c.opts.Observe(verb, time.Since(ex.start), err)
}

// begin starts an exchange: it refuses to run on a broken Client, drains an
// open stream, arms the deadline and hooks ctx's cancellation to it.
func (c *Client) begin(ctx context.Context) (*exchange, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.acquire()
	ex := &exchange{c: c, ctx: ctx}
	ex.lastSet = time.Now()
	ex.start = ex.lastSet
	c.verb = ""
	c.mu.Lock()
	c.current = ex
	c.conn.SetDeadline(ex.lastSet.Add(c.opts.Timeout))
	c.mu.Unlock()
	ex.stop = context.AfterFunc(ctx, ex.cancel)
	if s := c.stream; s != nil {
		c.stream = nil
		if err := s.drain(ex); err != nil {
			ex.finish()
			err = c.fail(ex.cause(err))
			c.release()
			return nil, err
		}
	}
	return ex, nil
}

// cancel makes the exchange's blocked I/O return, if it is still the
// Client's current one.
func (ex *exchange) cancel() {
	c := ex.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current != ex {
		return
	}
	ex.canceled = true
	c.conn.SetDeadline(aLongTimeAgo)
}

// finish unhooks the exchange from its context: it is no longer the
// current one, and its cancellation no longer touches the connection.
func (ex *exchange) finish() {
	ex.stop()
	c := ex.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current == ex {
		c.current = nil
	}
}

// extend pushes the deadline out while a stream makes progress. It re-arms
// at most once a second: SetDeadline is cheap but not free.
func (ex *exchange) extend() {
	now := time.Now()
	if now.Sub(ex.lastSet) < time.Second {
		return
	}
	c := ex.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !ex.canceled && c.current == ex {
		ex.lastSet = now
		c.conn.SetDeadline(now.Add(c.opts.Timeout))
	}
}

// cause replaces the I/O error that a cancellation provoked with the
// context's own error.
func (ex *exchange) cause(err error) error {
	ex.c.mu.Lock()
	canceled := ex.canceled
	ex.c.mu.Unlock()
	if canceled && ex.ctx.Err() != nil {
		return fmt.Errorf("pop3: %w", context.Cause(ex.ctx))
	}
	return err
}

// end finishes an exchange. A -ERR reply leaves the Client usable; any other
// error leaves the stream position unknown and breaks it.
func (ex *exchange) end(errp *error) {
	ex.finish()
	defer func() {
		ex.c.release()
		ex.observe(*errp)
	}()
	err := *errp
	if err == nil {
		return
	}
	var perr *Error
	if errors.As(err, &perr) {
		return
	}
	*errp = ex.c.fail(ex.cause(err))
}

// writeLine sends one command line. trace is what the debug trace shows in
// its place ("" shows the line itself).
func (c *Client) writeLine(line, trace string) error {
	c.trace("C: ", line, trace)
	c.noteVerb(line)
	if _, err := c.w.WriteString(line); err != nil {
		return err
	}
	if _, err := c.w.WriteString("\r\n"); err != nil {
		return err
	}
	return c.w.Flush()
}

// noteVerb remembers the first command of an exchange for Observe; an
// AUTH continuation line is not a command.
func (c *Client) noteVerb(line string) {
	if c.verb == "" {
		verb, _, _ := strings.Cut(line, " ")
		c.verb = strings.ToUpper(verb)
	}
}

func (c *Client) trace(prefix, line, replacement string) {
	if c.opts.DebugWriter == nil {
		return
	}
	if replacement != "" {
		line = replacement
	}
	fmt.Fprintf(c.opts.DebugWriter, "%s%s\n", prefix, line)
}

// readLine reads one line of at most MaxLineLength octets and strips its CRLF
// or bare LF. It allocates only the returned string for short lines.
func (c *Client) readLine() (string, error) {
	var long []byte
	for {
		chunk, err := c.r.ReadSlice('\n')
		if len(long)+len(chunk) > c.opts.MaxLineLength {
			return "", ErrLineTooLong
		}
		switch {
		case err == nil && long == nil:
			return string(trimEOL(chunk)), nil
		case err == nil:
			return string(trimEOL(append(long, chunk...))), nil
		case err == bufio.ErrBufferFull:
			long = append(long, chunk...)
		case err == io.EOF:
			return "", io.ErrUnexpectedEOF
		default:
			return "", err
		}
	}
}

func trimEOL(b []byte) []byte {
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b
}

// readStatus reads a status line: the text after +OK, a *Error for -ERR, or
// a *ProtocolError for anything else.
func (c *Client) readStatus() (string, error) {
	line, err := c.readLine()
	if err != nil {
		return "", err
	}
	c.trace("S: ", line, "")
	return parseStatus(line)
}

// parseStatus splits a status line. RFC 1939 wants "+OK" and "-ERR" upper
// case; some servers don't, so the comparison ignores case.
func parseStatus(line string) (string, error) {
	switch {
	case hasPrefixFold(line, "+OK") && (len(line) == 3 || line[3] == ' '):
		return strings.TrimSpace(line[3:]), nil
	case hasPrefixFold(line, "-ERR") && (len(line) == 4 || line[4] == ' '):
		code, text := splitCode(strings.TrimSpace(line[4:]))
		return "", &Error{Code: code, Text: text}
	}
	return "", &ProtocolError{Msg: "want +OK or -ERR", Line: line}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// splitCode separates an RFC 2449 response code ("[SYS/TEMP] text") from the
// text. Brackets that do not hold a well-formed code stay part of the text.
func splitCode(text string) (code, rest string) {
	if !strings.HasPrefix(text, "[") {
		return "", text
	}
	end := strings.IndexByte(text, ']')
	if end < 2 {
		return "", text
	}
	code = text[1:end]
	for _, level := range strings.Split(code, "/") {
		if level == "" {
			return "", text
		}
		for i := 0; i < len(level); i++ {
			// resp-level = 1*achar; achar excludes space, controls, "[", "]" and "/".
			if ch := level[i]; ch <= ' ' || ch >= 0x7f || ch == '[' {
				return "", text
			}
		}
	}
	return strings.ToUpper(code), strings.TrimSpace(text[end+1:])
}

// apopTimestamp returns the "<...@...>" msg-id of a greeting (RFC 1939
// section 7), or "".
func apopTimestamp(greeting string) string {
	start := strings.IndexByte(greeting, '<')
	if start < 0 {
		return ""
	}
	end := strings.IndexByte(greeting[start:], '>')
	if end < 0 {
		return ""
	}
	ts := greeting[start : start+end+1]
	if !strings.Contains(ts, "@") {
		return ""
	}
	return ts
}

// cmd sends one command and reads its status line.
func (c *Client) cmd(ctx context.Context, line, trace string) (text string, err error) {
	if err := checkLine(line); err != nil {
		return "", err
	}
	ex, err := c.begin(ctx)
	if err != nil {
		return "", err
	}
	defer ex.end(&err)
	if err := c.writeLine(line, trace); err != nil {
		return "", err
	}
	return c.readStatus()
}

// checkLine refuses a command line that would smuggle a second command or
// exceed what servers must accept.
func checkLine(line string) error {
	if len(line)+2 > maxCommandLength {
		return fmt.Errorf("%w: command longer than %d octets", ErrInvalidArgument, maxCommandLength)
	}
	return checkArg(line)
}

// checkArg refuses CR, LF and NUL, which would end the command early and let
// the rest run as another command ("alice\r\nDELE 1").
func checkArg(s string) error {
	if strings.ContainsAny(s, "\r\n\x00") {
		return fmt.Errorf("%w: CR, LF or NUL", ErrInvalidArgument)
	}
	return nil
}
