package web

import (
	"errors"
	"net/http"

	"popgate/session"
	"popgate/templates"
)

// handleLogout handles POST /logout: the pending deletions are applied and
// QUIT commits them; the page says how many.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r)
	deleted, err := s.sessions.Logout(r.Context(), sess)
	s.readViews.forget(sess)
	if errors.Is(err, session.ErrNoSession) {
		// Another request (the first click of a double click) signed
		// out first and has shown, or is showing, what it committed.
		s.toSignIn(w, r, true)
		return
	}
	s.sessions.ClearCookie(w, s.isHTTPS(r))
	page := templates.LogoutPage{Meta: templates.Meta{Title: "Signed out", Base: s.base}, Deleted: deleted}
	status := http.StatusOK
	if err != nil {
		ue := classify(err)
		s.log.WarnContext(r.Context(), "sign-out could not commit deletions", "error", err)
		page.Error = "The mail server could not be reached to finish signing out, so messages you deleted may still be there. " + ue.message
		status = ue.status
	}
	s.render(w, r, status, templates.LogoutView(page))
}
