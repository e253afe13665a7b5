// Package web is popgate's HTTP side: the routes, their handlers, the
// middleware that secures every response, and the mapping from mail (via
// mailview) to the page view models in package templates.
package web

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"popgate/session"
	"popgate/session/readstate"
	"popgate/static"
)

// Config is what the web layer needs from the binary's configuration.
type Config struct {
	// BasePath is the path popgate is served under, such as "/" or
	// "/mail/"; it must start and end with "/".
	BasePath string
	// Upstreams are the POP3 servers the sign-in form offers, in order.
	Upstreams []session.Upstream
	// Demo shows the demo account's credentials on the sign-in page.
	Demo bool
	// Logger receives one line per request and every internal error; nil
	// means slog.Default().
	Logger *slog.Logger
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; from anyone else the header is ignored.
	TrustedProxies []netip.Prefix
	// Metrics, when set, instruments requests and sign-ins. The Server
	// never serves them: a reverse proxy passes on everything under the
	// base path, so the binary serves Metrics.Handler on a listener of
	// its own (POPGATE_METRICS_LISTEN).
	Metrics *Metrics
	// AnyServer, when set, lets the sign-in form name any POP3 server
	// (POPGATE_ALLOW_ANY_SERVER); nil offers the listed ones only.
	AnyServer *AnyServer
	// SignInsPerIP caps sign-in attempts per client address, and
	// SignInsPerAccount failed sign-ins per account across all networks,
	// in a ten-minute window (20 and 50 if zero). Failures per account
	// and client network have a budget of their own, then a growing
	// delay.
	SignInsPerIP, SignInsPerAccount int
	// DeviceKey signs the cookie that marks a browser which signed in to
	// an account before; nil means a random key for the life of the
	// Server.
	DeviceKey []byte
	// ReadState remembers which messages each account opened; nil keeps
	// them in memory for the life of the Server. The Server does not
	// close it.
	ReadState readstate.Store
}

// Server serves popgate's pages. Build it with NewServer; it is safe for
// concurrent use.
type Server struct {
	base      string
	upstreams []session.Upstream
	demo      bool
	sessions  *session.Manager
	log       *slog.Logger
	handler   http.Handler

	trustedProxies []netip.Prefix
	limiter        *signInLimiter
	deviceKey      []byte
	anyServer      *AnyServer
	metrics        *Metrics
	ready          readiness
	bodies         bodyCache
	reads          readstate.Store
	readViews      readViews
	// waitUntil pads the answer to a sign-in on a server a user named
	// that could not be reached; tests replace it.
	waitUntil func(ctx context.Context, t time.Time)
}

// NewServer returns a Server over sessions, and registers with sessions
// (Manager.RegisterOnEnd) to forget what it keeps for a session once that
// ends. It performs no I/O.
func NewServer(cfg Config, sessions *session.Manager) *Server {
	s := &Server{
		base:      normalizeBase(cfg.BasePath),
		upstreams: cfg.Upstreams,
		demo:      cfg.Demo,
		sessions:  sessions,
		log:       cfg.Logger,

		trustedProxies: cfg.TrustedProxies,
		limiter:        newSignInLimiter(cfg.SignInsPerIP, cfg.SignInsPerAccount),
		deviceKey:      cfg.DeviceKey,
		anyServer:      cfg.AnyServer,
		metrics:        cfg.Metrics,
		reads:          cfg.ReadState,
		waitUntil:      sleepUntil,
	}
	if s.deviceKey == nil {
		s.deviceKey = []byte(rand.Text())
	}
	if s.reads == nil {
		s.reads = readstate.NewMemory()
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	sessions.RegisterOnEnd(s.sessionEnded)
	s.handler = s.routes()
	return s
}

// sessionEnded forgets what the Server keeps for session id, which ended:
// signed out, expired, taken over by a new sign-in or closed at shutdown.
// A large mailbox's read view alone is tens of megabytes.
func (s *Server) sessionEnded(id string) {
	s.readViews.drop(id)
	s.bodies.drop(id)
}

// ServeHTTP lets the Server be used as an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func normalizeBase(p string) string {
	p = "/" + strings.Trim(p, "/") + "/"
	if p == "//" {
		return "/"
	}
	return p
}

// routes registers every route in one place. Paths are relative to the
// base path.
func (s *Server) routes() http.Handler {
	compressed := compress()
	app := chi.NewRouter()
	app.Get("/healthz", s.handleHealthz)
	app.Get("/readyz", s.handleReadyz)
	app.Group(func(app chi.Router) {
		app.Use(compressed)
		app.Handle("/static/*", http.StripPrefix(strings.TrimSuffix(s.base, "/"), static.Handler()))
		app.Get("/login", s.handleLoginForm)
		app.With(withDeadline(requestTimeout)).Post("/login", s.handleLogin)
		app.With(withDeadline(requestTimeout)).Post("/login/switch", s.handleSwitchAccount)
		app.Group(func(r chi.Router) {
			r.Use(s.requireSession, withDeadline(requestTimeout))
			r.Get("/", s.handleInbox)
			r.Get("/search", s.handleSearch)
			r.Get("/message/{uid}", s.handleMessage)
			r.Get("/message/{uid}/body", s.handleMessageBody)
			r.Post("/message/{uid}/delete", s.handleDeleteOne)
			r.Post("/message/{uid}/unread", s.handleMarkUnread)
			r.Get("/server", s.handleServerInfo)
			r.Post("/delete", s.handleDelete)
			r.Post("/undo", s.handleUndo)
			r.Post("/refresh", s.handleRefresh)
			r.Post("/logout", s.handleLogout)
		})
	})
	// Downloads are never compressed: they stream as they are decoded.
	app.Group(func(r chi.Router) {
		r.Use(s.requireSession, withDeadline(downloadWriteTimeout))
		r.Get("/message/{uid}/part/{part}", s.handlePart)
		r.Get("/message/{uid}/raw", s.handleRaw)
	})
	notFound := compressed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.renderError(w, r, errNotFound) }))
	app.NotFound(notFound.ServeHTTP)
	app.MethodNotAllowed(compressed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.renderError(w, r, errMethod) })).ServeHTTP)

	root := chi.NewRouter()
	root.Use(s.middleware()...)
	root.Use(routeOnEscapedPath)
	if s.base == "/" {
		root.Mount("/", app)
	} else {
		root.Mount(strings.TrimSuffix(s.base, "/"), app)
		root.NotFound(notFound.ServeHTTP)
	}
	return root
}

// middleware is what every request passes through, outermost first. The
// access log and the metrics are outside recoverPanics, so they see the
// error page a panic turns into, and record a response it aborted.
func (s *Server) middleware() []func(http.Handler) http.Handler {
	return []func(http.Handler) http.Handler{withRequestID, s.logRequests, s.metrics.instrument, securityHeaders, s.recoverPanics, s.crossOriginProtection, limitBody}
}

// handleHealthz handles GET /healthz: the process serves.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

// url returns an app path under the base path: url("message/x").
func (s *Server) url(path string) string { return s.base + strings.TrimPrefix(path, "/") }

// timeouts of the HTTP side; POP3 exchanges have their own.
const (
	maxFormBytes = 64 << 10
	// downloadWriteTimeout replaces the server's write timeout while an
	// attachment or message source streams, so a large one can finish;
	// it is also the download's deadline.
	downloadWriteTimeout = 30 * time.Minute
	// requestTimeout is every other request's deadline, sign-in included.
	// It is well inside the binary's HTTP write timeout (2 minutes), which
	// runs from the end of the request's headers: a request that waited
	// out its deadline behind a download must still be able to write the
	// page that says so.
	requestTimeout = 90 * time.Second
)

// routeOnEscapedPath has chi match routes against the path as sent,
// percent-encoding and all, so that every route parameter arrives encoded
// and is decoded once by its handler. chi itself matches against the
// decoded path unless the request's encoding differs from Go's own (as
// "%2F" does), which would leave "%2541" decoded once here and twice
// there.
func routeOnEscapedPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath == "" {
			rctx.RoutePath = r.URL.EscapedPath()
		}
		next.ServeHTTP(w, r)
	})
}

// withDeadline gives each request a deadline of its own, so that nothing
// it waits for (the POP3 server, its session's turn) outlives it.
func withDeadline(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}
