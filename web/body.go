package web

import (
	"io"
	"net/http"
	"time"

	"popgate/web/mailview"
)

// bodyCSP is the policy of the mail frame: a sandbox with no script, no
// same origin, no forms (links may open a new tab, without referrer), inline styles only, images from data: URIs (the
// message's own cid: images) and, once the user allowed it, from the web.
const bodyCSP = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; font-src data:; form-action 'none'; " +
	"frame-ancestors 'self'; base-uri 'none'; img-src data:"

// handleMessageBody handles GET /message/{uid}/body: the sanitized HTML
// body, for the sandboxed frame only.
func (s *Server) handleMessageBody(w http.ResponseWriter, r *http.Request) {
	remote := r.URL.Query().Get("remote") == "1"
	sess, uid := sessionFrom(r), uidParam(r)
	html, cached := "", false
	if !remote {
		// Usually the message page parsed this a moment ago.
		html, cached = s.bodies.get(sess.ID(), uid, time.Now())
	}
	if !cached {
		msg, err := readMessage(r, sess, uid, mailview.Options{AllowRemote: remote})
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		html = msg.HTML
	}
	if html == "" {
		s.renderError(w, r, errNotFound)
		return
	}
	csp := bodyCSP
	if remote {
		csp += " https: http:"
	}
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, html) // no copy of the body when w is a StringWriter
}
