package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/a-h/templ"

	"popgate/session"
)

// pageCSP is the policy of popgate's own pages: nothing but our stylesheet,
// our images, forms to ourselves and frames from ourselves (the mail
// body). The only script is our keyboard-shortcut file, loaded with the
// request's nonce: no inline script, no other script, no eval.
func pageCSP(nonce string) string {
	return "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'self'; img-src 'self' data:; " +
		"form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// staticHeaders are the security headers every response carries besides
// the CSP, built once: each request gets the same value slices, which
// nothing modifies in place (Header.Set and Add replace or copy them).
var staticHeaders = func() http.Header {
	h := http.Header{}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	h.Set("Cache-Control", "no-store")
	return h
}()

// securityHeaders sets the headers every response carries, and the CSP
// nonce in the context for templates, which put it on their script tag.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := newNonce()
		h := w.Header()
		h["Content-Security-Policy"] = []string{pageCSP(nonce)}
		for k, v := range staticHeaders {
			h[k] = v
		}
		next.ServeHTTP(w, r.WithContext(templ.WithNonce(r.Context(), nonce)))
	})
}

func newNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// crossOriginProtection refuses state-changing requests that a browser
// marks as coming from another site: the CSRF defence for every POST.
func (s *Server) crossOriginProtection(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, errCrossOrigin)
	}))
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Browsers without Sec-Fetch-Site are checked by Origin against
		// Host; behind a proxy that rewrites Host, the host the browser
		// used comes in X-Forwarded-Host, believed from trusted proxies only.
		if fwd := r.Header.Get("X-Forwarded-Host"); fwd != "" && s.trusted(remoteAddr(r)) {
			host, _, _ := strings.Cut(fwd, ",")
			r.Host = strings.TrimSpace(host)
		}
		protected.ServeHTTP(w, r)
	})
}

// limitBody caps request bodies: popgate's forms are small.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		}
		next.ServeHTTP(w, r)
	})
}

type sessionKey struct{}

// requireSession lets signed-in requests through with their session in the
// context and sends everyone else to the sign-in page.
func (s *Server) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.sessions.FromRequest(r, s.isHTTPS(r))
		if err != nil {
			if !errors.Is(err, session.ErrNoSession) {
				s.log.WarnContext(r.Context(), "session lookup failed", "error", err)
			}
			s.toSignIn(w, r, false)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	})
}

// toSignIn clears the session cookie and sends the browser to the sign-in
// page (POST/redirect/GET), telling it the session ended when signedOut:
// it was signed out or expired while the request was under way. A GET
// comes back to where it was after signing in.
func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request, signedOut bool) {
	s.sessions.ClearCookie(w, s.isHTTPS(r))
	q := url.Values{}
	if signedOut {
		q.Set("done", "signedout")
	}
	if r.Method == http.MethodGet && r.URL.Path != s.base {
		q.Set("next", r.URL.RequestURI())
	}
	target := s.url("login")
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// sessionFrom returns the session requireSession put in the context.
func sessionFrom(r *http.Request) *session.Session {
	return r.Context().Value(sessionKey{}).(*session.Session)
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// WriteString passes strings on without a copy to []byte, which for a
// mail frame is megabytes.
func (w *statusRecorder) WriteString(s string) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.WriteString(w.ResponseWriter, s)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// code is the status the client got: the one written, 200 when the
// handler wrote nothing, 500 when it panicked before writing.
func (w *statusRecorder) code(panicked bool) int {
	switch {
	case w.status != 0:
		return w.status
	case panicked:
		return http.StatusInternalServerError
	}
	return http.StatusOK
}

// logRequests writes one line per request. The query string is left out:
// it never carries secrets today, and that keeps it so. A response that
// was aborted (http.ErrAbortHandler) gets its line too, marked aborted.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			v := recover()
			attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.code(v != nil), "bytes", rec.bytes,
				"duration", time.Since(start).Round(time.Microsecond), "client_ip", s.clientIP(r).String()}
			if v != nil {
				attrs = append(attrs, "aborted", true)
			}
			s.log.InfoContext(r.Context(), "request", attrs...)
			if v != nil {
				panic(v)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// recoverPanics turns a handler panic into the generic error page and a
// log line, never a stack trace in the browser. When part of the response
// is already out (a download), it aborts the response instead, so the
// browser reports a failed download rather than saving a file with an
// error page inside.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(*statusRecorder) // logRequests' own, outside
		if !ok {
			rec = &statusRecorder{ResponseWriter: w}
			w = rec
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "handler panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if rec.status != 0 {
				panic(http.ErrAbortHandler)
			}
			// What a download handler had set must not make the error
			// page a download.
			h := w.Header()
			h.Del("Content-Disposition")
			h.Del("Content-Encoding")
			h.Set("Content-Security-Policy", pageCSP(templ.GetNonce(r.Context())))
			s.renderError(w, r, errInternal)
		}()
		next.ServeHTTP(w, r)
	})
}
