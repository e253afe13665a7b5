package web

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"

	"popgate/session"
	"popgate/templates"
)

// render writes a page with status. It renders into a buffer first, so a
// template failure still yields a clean error page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.log.ErrorContext(r.Context(), "render failed", "path", r.URL.Path, "error", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("Something went wrong.\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// meta fills the layout's data for a page titled title.
func (s *Server) meta(r *http.Request, title string) templates.Meta {
	m := templates.Meta{Title: title, Base: s.base}
	if sess, ok := r.Context().Value(sessionKey{}).(*session.Session); ok {
		m.User = sess.Username()
		m.Server = sess.Upstream().Label
	}
	return m
}
