package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"

	"popgate/session"
	"popgate/templates"
)

// renderBuffers keeps page buffers between requests: an inbox page is
// some 60 KB, and growing a new buffer to that size for every page cost
// more allocation than the template itself.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest buffer kept for reuse; a rare huge page
// (a long plain-text message) is left to the garbage collector.
const maxPooledBuffer = 1 << 20

// render writes a page with status. It renders into a buffer first, so a
// template failure still yields a clean error page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	// Rendering is in memory, and must not fail because the request's
	// deadline passed: the page may be the one that says so.
	if err := c.Render(context.WithoutCancel(r.Context()), buf); err != nil {
		s.log.ErrorContext(r.Context(), "render failed", "path", r.URL.Path, "error", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("Something went wrong.\n"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The length is known: no chunked encoding.
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
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
