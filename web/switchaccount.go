package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"popgate/session"
	"popgate/templates"
)

// renderSignedIn answers GET /login for a browser signed in as sess: it
// names the account and offers its inbox (or next, a local page) or
// signing in as someone else. It does not redirect by itself: the cookie
// may have been planted by someone who wants the browser's user to read,
// and write, in their mailbox.
func (s *Server) renderSignedIn(w http.ResponseWriter, r *http.Request, sess *session.Session, next string) {
	r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))
	page := templates.SignedInPage{Meta: s.meta(r, "Signed in"), Inbox: s.localTarget(next)}
	if next != "" && page.Inbox == next {
		page.Next = next
	}
	s.render(w, r, http.StatusOK, templates.SignedInView(page))
}

// handleSwitchAccount handles POST /login/switch ("Sign in as someone
// else"): the session is signed out as by POST /logout, its deletions
// committed, and the browser sent to the sign-in form (303).
func (s *Server) handleSwitchAccount(w http.ResponseWriter, r *http.Request) {
	next := ""
	if err := r.ParseForm(); err == nil && s.localTarget(r.PostForm.Get("next")) == r.PostForm.Get("next") {
		next = r.PostForm.Get("next")
	}
	if sess, err := s.sessions.FromRequest(r, s.isHTTPS(r)); err == nil {
		_, err := s.sessions.Logout(r.Context(), sess)
		if err != nil && !errors.Is(err, session.ErrNoSession) {
			s.renderNotSignedOut(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)), err)
			return
		}
		s.readViews.forget(sess)
	}
	s.sessions.ClearCookie(w, s.isHTTPS(r))
	q := url.Values{"done": {"signedout"}}
	if next != "" {
		q.Set("next", next)
	}
	http.Redirect(w, r, s.url("login")+"?"+q.Encode(), http.StatusSeeOther)
}
