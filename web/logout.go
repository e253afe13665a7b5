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
	if session.KindOf(err) == session.KindSessionBusy {
		s.renderError(w, r, err) // nothing was tried: another request holds the session
		return
	}
	if err != nil && !errors.Is(err, session.ErrNoSession) {
		ue := classify(err)
		s.log.WarnContext(r.Context(), "sign-out could not commit deletions; the session keeps them", "error", err)
		page := templates.ErrorPage{
			Meta:   s.meta(r, "Not signed out yet"),
			Status: ue.status,
			Title:  "Not signed out yet",
			Message: "Your deletions could not be saved on the mail server, so you are still signed in and nothing you deleted is lost. " +
				ue.message + " Then sign out again.",
			RetryHref: s.url(""),
		}
		s.render(w, r, ue.status, templates.ErrorView(page))
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
