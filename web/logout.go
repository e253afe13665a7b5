package web

import (
	"errors"
	"net/http"

	"popgate/session"
	"popgate/templates"
)

// handleLogout handles POST /logout: the pending deletions are applied and
// QUIT commits them; the page says how many. The commit does not depend on
// the browser waiting for the answer (see session.Manager.Logout). When it
// fails the user stays signed in with their deletions kept, and is told to
// try again: the cookie is cleared only once the session is gone.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r)
	deleted, err := s.sessions.Logout(r.Context(), sess)
	if err != nil && !errors.Is(err, session.ErrNoSession) {
		s.renderNotSignedOut(w, r, err)
		return
	}
	s.readViews.forget(sess)
	if errors.Is(err, session.ErrNoSession) {
		// Another request (the first click of a double click) signed
		// out first and has shown, or is showing, what it committed.
		s.toSignIn(w, r, true)
		return
	}
	s.sessions.ClearCookie(w, s.isHTTPS(r))
	page := templates.LogoutPage{Meta: templates.Meta{Title: "Signed out", Base: s.base}, Deleted: deleted}
	s.render(w, r, http.StatusOK, templates.LogoutView(page))
}

// renderNotSignedOut answers a sign-out that could not finish: the user is
// still signed in with every deletion kept, and can sign out again from
// the page.
func (s *Server) renderNotSignedOut(w http.ResponseWriter, r *http.Request, err error) {
	status := classify(err).status
	msg := "popgate could not finish signing you out: the mail server did not confirm your deletions. " +
		"You are still signed in, and nothing you deleted is lost. Sign out again in a minute."
	if session.KindOf(err) == session.KindSessionBusy {
		// Nothing was tried: another request holds the session.
		msg = "popgate could not sign you out yet: your mailbox is busy with another of your requests, such as a download in another tab. " +
			"You are still signed in, and nothing you deleted is lost. Sign out again when it has finished."
	}
	s.log.WarnContext(r.Context(), "sign-out did not finish; the session keeps its deletions", "status", status, "error", err)
	page := templates.ErrorPage{
		Meta:         s.meta(r, "Not signed out yet"),
		Status:       status,
		Title:        "Not signed out yet",
		Message:      msg,
		SignOutAgain: true,
	}
	s.render(w, r, status, templates.ErrorView(page))
}
