package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"popgate/web/mailview"
)

// downloadCSP keeps a download inert even if a browser ignored the
// attachment disposition.
const downloadCSP = "sandbox; default-src 'none'"

// handlePart handles GET /message/{uid}/part/{part}: one attachment,
// decoded and streamed as a download.
func (s *Server) handlePart(w http.ResponseWriter, r *http.Request) {
	path, err := url.PathUnescape(chi.URLParam(r, "part"))
	if err != nil {
		s.renderError(w, r, errPartNotFound)
		return
	}
	out := &startedWriter{w: w}
	err = sessionFrom(r).Retr(r.Context(), uidParam(r), func(body io.Reader) error {
		part, content, err := mailview.OpenPart(body, path)
		if err != nil {
			return err
		}
		setDownloadHeaders(w, safeContentType(part.ContentType), part.Filename)
		_, err = copyDownload(out, content)
		return err
	})
	s.finishDownload(w, r, out, err)
}

// handleRaw handles GET /message/{uid}/raw: the message source, byte for
// byte, as an .eml download.
func (s *Server) handleRaw(w http.ResponseWriter, r *http.Request) {
	uid := uidParam(r)
	out := &startedWriter{w: w}
	err := sessionFrom(r).Retr(r.Context(), uid, func(body io.Reader) error {
		setDownloadHeaders(w, "message/rfc822", "message-"+fileSafe(uid)+".eml")
		_, err := copyDownload(out, body)
		return err
	})
	s.finishDownload(w, r, out, err)
}

// finishDownload reports a failure: as an error page if nothing was sent
// yet, otherwise by aborting the response, so the browser shows a failed
// download rather than a truncated file that looks complete.
func (s *Server) finishDownload(w http.ResponseWriter, r *http.Request, out *startedWriter, err error) {
	if err == nil {
		return
	}
	if !out.started {
		if errors.Is(err, mailview.ErrPartNotFound) {
			err = errPartNotFound
		}
		h := w.Header()
		h.Del("Content-Disposition")
		h.Set("Content-Security-Policy", pageCSP(templ.GetNonce(r.Context())))
		s.renderError(w, r, err)
		return
	}
	s.log.WarnContext(r.Context(), "download interrupted", "path", r.URL.Path, "error", err)
	panic(http.ErrAbortHandler)
}

func setDownloadHeaders(w http.ResponseWriter, contentType, filename string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": filename})
	if disposition == "" {
		disposition = `attachment; filename="attachment"`
	}
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Security-Policy", downloadCSP)
	// A large attachment may stream for longer than the server's write
	// timeout allows a page.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(downloadWriteTimeout))
}

// safeContentType keeps a part's declared type unless a browser could run
// it as a document: those are sent as opaque bytes.
func safeContentType(ct string) string {
	ct = strings.ToLower(ct)
	switch {
	case ct == "", strings.Contains(ct, "html"), strings.Contains(ct, "xml"), strings.Contains(ct, "svg"),
		strings.Contains(ct, "javascript"), strings.Contains(ct, "ecmascript"), ct == "text/css":
		return "application/octet-stream"
	}
	return ct
}

// fileSafe keeps a UID's letters and digits for a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

// downloadBuffer is the size of the writes of a download to the client:
// large enough that the response's own small buffer is bypassed and each
// write makes one big chunk.
const downloadBuffer = 64 << 10

// copyDownload copies a download through a buffer of downloadBuffer octets.
func copyDownload(dst io.Writer, src io.Reader) (int64, error) {
	return io.CopyBuffer(dst, src, make([]byte, downloadBuffer))
}

// startedWriter notes whether any byte of the response was written.
type startedWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startedWriter) Write(p []byte) (int, error) {
	s.started = true
	return s.w.Write(p)
}
