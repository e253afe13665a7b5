package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"popgate/cmd/popgate/demo"
	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/session/readstate"
	"popgate/web"
)

// HTTP server timeouts. Downloads lift the write timeout for themselves;
// web gives other requests a deadline well inside writeTimeout, so that
// the page saying a request gave up can still be written.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 30 * time.Second
)

// Main is the running program: configuration, the optional demo POP3
// server, the sessions and the HTTP server. Tests start it on :0.
type Main struct {
	Config   Config
	Logger   *slog.Logger
	Demo     *pop3test.Server
	Sessions *session.Manager
	HTTP     *http.Server
	// ReadState remembers read messages: in POPGATE_DATA_DIR, or in
	// memory without one.
	ReadState readstate.Store

	stderr      io.Writer
	logs        *web.LogBuffer // between Logger and stderr once ParseFlags ran; nil before
	Metrics     *web.Metrics
	metricsHTTP *http.Server
	metricsAddr string // where metricsHTTP listens
	ln          net.Listener
	stopDemo    chan struct{} // closed by Close to stop restoreDemo
	demoDone    chan struct{} // closed when restoreDemo has returned
	memory      *releaser     // hands freed memory back to the system
	limitSet    bool          // Run set the soft memory limit
	prevLimit   int64         // the soft memory limit before, which Close puts back
}

// NewMain returns a Main logging to stderr as text.
func NewMain(stderr io.Writer) *Main {
	return &Main{stderr: stderr, Logger: slog.New(web.LogHandler(slog.NewTextHandler(stderr, nil), nil))}
}

// ParseFlags loads the configuration from env and args.
func (m *Main) ParseFlags(env, args []string, stderr io.Writer) error {
	cfg, err := LoadConfig(env, args, stderr)
	if err != nil {
		return err
	}
	m.Config = cfg
	// Log lines are buffered for a moment (see web.LogBuffer); Close
	// writes out the rest.
	m.logs = web.NewLogBuffer(m.stderr)
	var h slog.Handler = slog.NewTextHandler(m.logs, nil)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(m.logs, nil)
	}
	m.Logger = slog.New(web.LogHandler(h, m.logs))
	return nil
}

// Run starts serving and returns once the listener is up; Close stops.
func (m *Main) Run(ctx context.Context) error {
	upstreams, err := m.upstreams()
	if err != nil {
		return err
	}
	if m.Config.DataDir != "" {
		store, err := readstate.Open(m.Config.DataDir)
		if err != nil {
			return fmt.Errorf("POPGATE_DATA_DIR: %w", err)
		}
		m.ReadState = store
	} else {
		m.ReadState = readstate.NewMemory()
	}
	hashKey, blockKey := m.cookieKeys()
	var sessions *session.Manager
	m.Metrics = web.NewMetrics(func() session.Stats { return sessions.Stats() })
	for i := range upstreams {
		upstreams[i].Options.Observe = m.Metrics.ObservePOP3
	}
	m.memory = newReleaser(debug.FreeOSMemory)
	sessions = session.NewManager(session.Config{
		CookiePath:  m.Config.BasePath,
		HashKey:     hashKey,
		BlockKey:    blockKey,
		IdleTimeout: m.Config.IdleTimeout,
		Logger:      m.Logger,
		Committed:   m.Metrics.Committed,
		Envelope:    web.ParseEnvelope,

		MaxConns:           m.Config.MaxConnections,
		MaxConnsPerNetwork: m.Config.MaxConnectionsPerNetwork,
		IndexMemory:        m.Config.IndexMemory,
		MemoryFreed:        m.memory.freed,
	})
	m.Sessions = sessions
	m.Metrics.WatchIndexes(sessions.IndexStats)
	m.setMemoryLimit()
	handler := web.NewServer(web.Config{
		BasePath:  m.Config.BasePath,
		Upstreams: upstreams,
		Demo:      m.Demo != nil,
		Logger:    m.Logger,

		TrustedProxies: m.Config.TrustedProxies,
		DeviceKey:      m.deviceKey(),
		AnyServer:      m.anyServer(),
		Metrics:        m.Metrics,
		ReadState:      m.ReadState,
	}, m.Sessions)
	m.ln, err = net.Listen("tcp", m.Config.Listen)
	if err != nil {
		return fmt.Errorf("POPGATE_LISTEN: %w", err)
	}
	m.HTTP = m.newHTTPServer(handler)
	go func() {
		if err := m.HTTP.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("http server stopped", "error", err)
		}
	}()
	if m.Config.MetricsListen != "" {
		mln, err := net.Listen("tcp", m.Config.MetricsListen)
		if err != nil {
			return fmt.Errorf("POPGATE_METRICS_LISTEN: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Metrics.Handler())
		m.metricsHTTP = m.newHTTPServer(mux)
		m.metricsAddr = mln.Addr().String()
		go m.metricsHTTP.Serve(mln)
	}
	if m.Demo != nil {
		m.stopDemo = make(chan struct{})
		m.demoDone = make(chan struct{})
		go m.restoreDemo(demoRestoreEvery)
	}
	m.Logger.Info("popgate serving", "addr", m.URL(), "metrics", m.metricsURL(), "servers", len(upstreams), "demo", m.Demo != nil)
	return nil
}

// setMemoryLimit gives the Go runtime the soft memory limit that goes
// with the index budget (memory.go), unless GOMEMLIMIT set one.
func (m *Main) setMemoryLimit() {
	cgroup := "none"
	if m.Config.CgroupMemory > 0 {
		cgroup = formatSize(m.Config.CgroupMemory)
	}
	if m.Config.GoMemLimit {
		m.Logger.Info("memory", "index_budget", formatSize(m.Config.IndexMemory), "cgroup_limit", cgroup, "soft_limit", "GOMEMLIMIT")
		return
	}
	limit := softMemoryLimit(m.Config.IndexMemory, m.Config.CgroupMemory)
	m.prevLimit, m.limitSet = debug.SetMemoryLimit(limit), true
	m.Logger.Info("memory", "index_budget", formatSize(m.Config.IndexMemory), "cgroup_limit", cgroup, "soft_limit", formatSize(limit))
}

// newHTTPServer returns a server for h with popgate's timeouts, logging
// its own errors as warnings.
func (m *Main) newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
}

// demoRestoreEvery is how often the demo mailbox is checked for refilling.
const demoRestoreEvery = time.Minute

// restoreDemo puts the demo mailbox back as it was once nobody is signed
// in, so that visitors who deleted mail leave a full mailbox for the next.
// Waiting for no session at all means no snapshot still names old
// messages.
func (m *Main) restoreDemo(every time.Duration) {
	defer close(m.demoDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stopDemo:
			return
		case <-t.C:
			m.restoreDemoIfIdle()
		}
	}
}

// restoreDemoIfIdle refills the demo mailbox if it changed and nobody is
// signed in, and reports whether it did.
func (m *Main) restoreDemoIfIdle() bool {
	if m.Sessions.Stats().Sessions != 0 || len(m.Demo.Mailbox("demo")) == len(demo.Messages()) {
		return false
	}
	m.Demo.AddMailbox("demo", "demo", demo.Messages()...)
	m.Logger.Info("demo mailbox restored")
	return true
}

// URL is where the app is served, for messages and tests.
func (m *Main) URL() string {
	addr := m.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port)) + m.Config.BasePath
}

// metricsURL is where /metrics is served, or "off" without
// POPGATE_METRICS_LISTEN: it is never served under the base path.
func (m *Main) metricsURL() string {
	if m.metricsAddr == "" {
		return "off"
	}
	return "http://" + m.metricsAddr + "/metrics"
}

// Close stops accepting requests, lets those in flight finish, then signs
// every session out (pending deletions are applied and committed) and
// closes the read-state store, all within POPGATE_SHUTDOWN_TIMEOUT.
//
// The budget is split: requests get the first half, and those still running
// then (a download, a request stuck on a stalled POP3 server) are cancelled,
// so that the sign-outs always have the second half. A request cancelled so
// leaves its cookie's key with its session (session.Manager.BeginClose), so
// even the session whose connection it cost is signed in again to commit.
func (m *Main) Close() error {
	timeout := m.Config.ShutdownTimeout
	if timeout <= 0 {
		timeout = shutdownTimeout
	}
	start := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(timeout))
	defer cancel()
	var errs []error
	if m.Sessions != nil {
		m.Sessions.BeginClose()
	}
	if m.HTTP != nil {
		drain, cancelDrain := context.WithDeadline(ctx, start.Add(timeout/2))
		err := m.HTTP.Shutdown(drain)
		cancelDrain()
		if errors.Is(err, context.DeadlineExceeded) {
			m.Logger.Warn("shutdown: cancelling requests still running after half the shutdown timeout", "timeout", timeout)
			err = m.HTTP.Close()
		}
		errs = append(errs, err)
	}
	if m.metricsHTTP != nil {
		errs = append(errs, m.metricsHTTP.Close())
	}
	if m.Sessions != nil {
		errs = append(errs, m.Sessions.Close(ctx))
	}
	if m.ReadState != nil {
		errs = append(errs, m.ReadState.Close())
	}
	if m.memory != nil {
		m.memory.stop()
	}
	if m.limitSet {
		debug.SetMemoryLimit(m.prevLimit)
		m.limitSet = false
	}
	if m.Demo != nil {
		if m.stopDemo != nil {
			close(m.stopDemo)
			<-m.demoDone
		}
		errs = append(errs, m.Demo.Close())
	}
	if m.logs != nil {
		// Later lines (main's own) are written at once.
		errs = append(errs, m.logs.Close())
	}
	return errors.Join(errs...)
}

// anyServer is the web layer's setting for user-named servers, nil when
// only the listed ones are offered.
func (m *Main) anyServer() *web.AnyServer {
	if !m.Config.AllowAnyServer {
		return nil
	}
	return &web.AnyServer{RootCAs: m.Config.RootCAs, Allowed: m.Config.AllowedNetworks}
}

// upstreams turns the configured servers, and the demo server, into the
// sign-in form's list.
func (m *Main) upstreams() ([]session.Upstream, error) {
	var ups []session.Upstream
	if m.Config.Demo {
		srv := pop3test.New(&pop3test.Options{MaxRecordedCommands: 1})
		srv.AddMailbox("demo", "demo", demo.Messages()...)
		if err := srv.ListenTLS("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("demo server: %w", err)
		}
		m.Demo = srv
		ups = append(ups, session.Upstream{
			ID:    "demo",
			Label: "Demo mailbox",
			Addr:  srv.TLSAddr(),
			Options: pop3.Options{
				Security:  pop3.SecurityTLS,
				TLSConfig: &tls.Config{RootCAs: srv.CertPool(), ServerName: "localhost"},
			},
		})
	}
	for i, sc := range m.Config.Servers {
		ups = append(ups, session.Upstream{
			ID:    strconv.Itoa(i),
			Label: sc.Label,
			Addr:  sc.Addr(),
			Options: pop3.Options{
				Security:  sc.Security,
				TLSConfig: &tls.Config{RootCAs: m.Config.RootCAs, ServerName: sc.Host},
			},
		})
	}
	return ups, nil
}

// cookieKeys derives the cookie's authentication and encryption keys from
// the session secret; without one, random keys (nil) last as long as the
// process, and a restart signs everyone out.
func (m *Main) cookieKeys() (hashKey, blockKey []byte) {
	if m.Config.SessionKey == "" {
		m.Logger.Warn("POPGATE_SESSION_KEY is not set: using a random key, so a restart signs everyone out")
		return nil, nil
	}
	h := sha256.Sum256([]byte("popgate cookie hash\x00" + m.Config.SessionKey))
	b := sha256.Sum256([]byte("popgate cookie block\x00" + m.Config.SessionKey))
	return h[:], b[:]
}

// deviceKey derives the key that signs device cookies from the session
// secret; without one, the web layer picks a random key (nil).
func (m *Main) deviceKey() []byte {
	if m.Config.SessionKey == "" {
		return nil
	}
	k := sha256.Sum256([]byte("popgate device\x00" + m.Config.SessionKey))
	return k[:]
}
