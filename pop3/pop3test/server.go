package pop3test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ErrClosed is returned by Serve, ServeTLS, Listen and ListenTLS once the
// Server has been closed.
var ErrClosed = errors.New("pop3test: server closed")

// handshakeTimeout bounds a TLS handshake so that a client that connects and
// never speaks TLS does not hold a goroutine until Close.
const handshakeTimeout = 10 * time.Second

// Server is an in-process POP3 server holding mailboxes in memory. Create it
// with NewServer in tests or with New followed by Listen, ListenTLS, Serve or
// ServeTLS elsewhere. All methods are safe for concurrent use, including
// while connections are being served.
type Server struct {
	cert tls.Certificate
	leaf *x509.Certificate
	quit chan struct{}
	wg   sync.WaitGroup

	mu        sync.Mutex
	opts      Options
	faults    []pendingFault
	boxes     map[string]*mailbox
	validity  uint32
	log       []record
	listeners map[net.Listener]struct{}
	sessions  map[*session]struct{}
	addr      string
	tlsAddr   string
	nconn     int
	logins    int
	closed    bool
}

type record struct {
	conn int
	line string
}

type pendingFault struct {
	Fault
	left int // negative: unlimited
}

// New returns a Server configured by opts (nil means the zero Options) that
// is not listening yet; start it with Listen, ListenTLS, Serve or ServeTLS and
// stop it with Close. New generates the server's TLS certificate; it performs
// no network I/O and panics only if the system's random source fails.
func New(opts *Options) *Server {
	cert, leaf, err := newCertificate()
	if err != nil {
		panic("pop3test: generating certificate: " + err.Error())
	}
	s := &Server{
		cert:      cert,
		leaf:      leaf,
		quit:      make(chan struct{}),
		boxes:     make(map[string]*mailbox),
		listeners: make(map[net.Listener]struct{}),
		sessions:  make(map[*session]struct{}),
	}
	if opts != nil {
		s.opts = *opts
	}
	return s
}

// NewServer returns a Server configured by opts (nil means the zero Options)
// that is already listening on 127.0.0.1 on two ephemeral ports: a plain one
// offering STLS (Addr) and an implicit-TLS one (TLSAddr). It is closed by
// tb.Cleanup; tb must not be nil. Listening failures end the test with
// tb.Fatalf.
func NewServer(tb testing.TB, opts *Options) *Server {
	tb.Helper()
	s := New(opts)
	tb.Cleanup(func() { s.Close() })
	if err := s.Listen("127.0.0.1:0"); err != nil {
		tb.Fatalf("pop3test: Listen: %v", err)
	}
	if err := s.ListenTLS("127.0.0.1:0"); err != nil {
		tb.Fatalf("pop3test: ListenTLS: %v", err)
	}
	return s
}

// Listen opens a plain TCP listener on addr (STLS is offered there) and
// serves it in the background until Close. The first plain listener's
// address is reported by Addr. Listen may be called several times, also
// concurrently; it returns ErrClosed after Close.
func (s *Server) Listen(addr string) error {
	return s.listen(addr, false)
}

// ListenTLS opens an implicit-TLS listener (RFC 8314) on addr and serves it
// in the background until Close. The first such listener's address is
// reported by TLSAddr. Like Listen, it is safe for concurrent use.
func (s *Server) ListenTLS(addr string) error {
	return s.listen(addr, true)
}

func (s *Server) listen(addr string, implicit bool) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := s.register(l, implicit, true); err != nil {
		return err
	}
	go func() {
		defer s.wg.Done()
		s.acceptLoop(l, implicit)
	}()
	return nil
}

// Serve accepts plain connections on l (STLS offered) and serves each in its
// own goroutine. It blocks until l fails or Close is called, closes l, and
// then returns ErrClosed or the accept error; transient accept errors such as
// running out of file descriptors are retried. It is safe to run several
// Serve and ServeTLS calls concurrently on different listeners.
func (s *Server) Serve(l net.Listener) error {
	if err := s.register(l, false, false); err != nil {
		return err
	}
	return s.acceptLoop(l, false)
}

// ServeTLS is Serve for an implicit-TLS listener (RFC 8314): l must accept
// plain TCP connections, which are wrapped with the server's TLSConfig; the
// handshake is bounded by a timeout so a silent client cannot hold a
// goroutine for long.
func (s *Server) ServeTLS(l net.Listener) error {
	if err := s.register(l, true, false); err != nil {
		return err
	}
	return s.acceptLoop(l, true)
}

// register must happen before Listen returns so that Addr is known to the
// caller at once. With track, the accept goroutine about to start is added to
// wg under the mutex, so that it is ordered against Close's Wait.
func (s *Server) register(l net.Listener, implicit, track bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		l.Close()
		return ErrClosed
	}
	if track {
		s.wg.Add(1)
	}
	s.listeners[l] = struct{}{}
	a := l.Addr().String()
	if implicit && s.tlsAddr == "" {
		s.tlsAddr = a
	} else if !implicit && s.addr == "" {
		s.addr = a
	}
	return nil
}

func (s *Server) acceptLoop(l net.Listener, implicit bool) error {
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrClosed
			}
			// Running out of file descriptors and similar passing conditions
			// must not end a long-running demo server.
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() ||
				errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
				errors.Is(err, syscall.ECONNABORTED) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				if !s.stall(backoff, nil) {
					return ErrClosed
				}
				continue
			}
			return err
		}
		backoff = 0
		s.startSession(nc, implicit)
	}
}

func (s *Server) startSession(nc net.Conn, implicit bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	s.nconn++
	c := &session{s: s, id: s.nconn, raw: nc, nc: nc, implicit: implicit}
	s.sessions[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.run()
	}()
}

// Close stops all listeners, closes every connection without entering the
// UPDATE state (pending deletions are lost, as when a real server is shut
// down) and waits for all goroutines of the server to return. Mailboxes stay
// readable with Mailbox. Calling Close again does nothing. Close returns nil.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	close(s.quit)
	var closers []interface{ Close() error }
	for l := range s.listeners {
		closers = append(closers, l)
	}
	for c := range s.sessions {
		closers = append(closers, c.raw)
	}
	s.mu.Unlock()
	for _, c := range closers {
		c.Close()
	}
	s.wg.Wait()
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// stall waits until d has passed (if positive) or release is closed (if
// not nil), and reports false if the server was closed meanwhile.
func (s *Server) stall(d time.Duration, release <-chan struct{}) bool {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-release:
		return true
	case <-s.quit:
		return false
	}
}

// Addr returns the address ("127.0.0.1:port" with NewServer) of the first
// plain listener, or "" if there is none. It is safe for concurrent use and
// performs no I/O.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// TLSAddr returns the address of the first implicit-TLS listener, or "" if
// there is none. It is safe for concurrent use and performs no I/O.
func (s *Server) TLSAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tlsAddr
}

// Options returns a copy of the options in force. It is safe for concurrent
// use and performs no I/O.
func (s *Server) Options() Options {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts
}

// SetOptions replaces the options (nil means the zero Options). Open
// connections apply the new values from their next command on; the greeting
// and the APOP timestamp of an open connection do not change. It is safe for
// concurrent use and performs no I/O.
func (s *Server) SetOptions(opts *Options) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if opts == nil {
		s.opts = Options{}
		return
	}
	s.opts = *opts
}

// AddFault appends f to the pending faults. It is safe for concurrent use
// and performs no I/O.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addFaultLocked(f)
}

// SetFault replaces all pending faults with faults; SetFault() clears them.
// It is safe for concurrent use and performs no I/O.
func (s *Server) SetFault(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	for _, f := range faults {
		s.addFaultLocked(f)
	}
}

func (s *Server) addFaultLocked(f Fault) {
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.faults = append(s.faults, pendingFault{Fault: f, left: left})
}

// PendingFaults returns how many faults have not been used up yet, to check
// that a fault really fired. It is safe for concurrent use and performs no
// I/O.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// takeFault returns the first pending fault that fires for keyword, counting
// down After and Times of the faults it passes.
func (s *Server) takeFault(keyword string, connect bool) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		f := &s.faults[i]
		if !f.matches(keyword, connect) {
			continue
		}
		if f.After > 0 {
			f.After--
			continue
		}
		fired := f.Fault
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return fired, true
	}
	return Fault{}, false
}

func (s *Server) record(conn int, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.opts.MaxRecordedCommands
	if limit < 0 {
		return
	}
	s.log = append(s.log, record{conn: conn, line: line})
	if limit > 0 && len(s.log) > limit {
		// Copying keeps the backing array from growing without bound.
		s.log = append(s.log[:0:0], s.log[len(s.log)-limit:]...)
	}
}

// Commands returns every line received from clients, in order of arrival
// across all connections, without line endings: commands, AUTH continuation
// lines, and lines read while a fault stalled the connection. Passwords are
// not redacted. See Options.MaxRecordedCommands. It is safe for concurrent use
// and performs no I/O.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.log))
	for i, r := range s.log {
		out[i] = r.line
	}
	return out
}

// ConnCommands is Commands restricted to the n-th accepted connection
// (counting from 1, as ConnCount does). It is safe for concurrent use and
// performs no I/O.
func (s *Server) ConnCommands(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.log {
		if r.conn == n {
			out = append(out, r.line)
		}
	}
	return out
}

// ConnCount returns how many connections the server has accepted so far. It
// is safe for concurrent use and performs no I/O.
func (s *Server) ConnCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nconn
}

// ActiveConns returns how many connections are open at the moment; a client
// that closed its end is counted until the server has noticed. It is safe for
// concurrent use and performs no I/O.
func (s *Server) ActiveConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Logins returns how many logins (USER/PASS, APOP or AUTH) have succeeded so
// far. It is safe for concurrent use and performs no I/O.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}
