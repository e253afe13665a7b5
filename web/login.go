package web

import (
	"net/http"
	"strings"

	"popgate/session"
	"popgate/templates"
)

// loginForm is the sign-in form as posted.
type loginForm struct {
	Server   string
	Username string
	Password string
}

func newLoginForm(r *http.Request) (loginForm, error) {
	if err := r.ParseForm(); err != nil {
		return loginForm{}, err
	}
	return loginForm{
		Server:   r.PostForm.Get("server"),
		Username: strings.TrimSpace(r.PostForm.Get("username")),
		Password: r.PostForm.Get("password"),
	}, nil
}

// upstream returns the configured server the form names. The list is the
// admin's: anything else is refused before any connection is made.
func (s *Server) upstream(id string) (session.Upstream, bool) {
	if id == "" && len(s.upstreams) == 1 {
		return s.upstreams[0], true
	}
	for _, up := range s.upstreams {
		if up.ID == id {
			return up, true
		}
	}
	return session.Upstream{}, false
}

// handleLoginForm handles GET /login.
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if _, err := s.sessions.FromRequest(r); err == nil {
		http.Redirect(w, r, s.url(""), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, loginForm{}, "")
}

// handleLogin handles POST /login: sign in, then 303 to the inbox.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	form, err := newLoginForm(r)
	if err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, form, "The form could not be read; try again.")
		return
	}
	up, ok := s.upstream(form.Server)
	switch {
	case !ok:
		s.renderLogin(w, r, http.StatusBadRequest, form, "Choose one of the servers offered.")
		return
	case form.Username == "" || form.Password == "":
		s.renderLogin(w, r, http.StatusBadRequest, form, "Enter your user name and password.")
		return
	}
	sess, err := s.sessions.Login(r.Context(), up, form.Username, form.Password)
	if err != nil {
		ue := signInError(err)
		s.log.Info("sign-in failed", "server", up.Label, "status", ue.status, "error", err)
		s.renderLogin(w, r, ue.status, form, ue.message)
		return
	}
	if err := s.sessions.SetCookie(w, sess); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.log.Info("signed in", "server", up.Label)
	http.Redirect(w, r, s.url(""), http.StatusSeeOther)
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, form loginForm, msg string) {
	page := templates.LoginPage{
		Meta:     s.meta(r, "Sign in"),
		Username: form.Username,
		Error:    msg,
		Demo:     s.demo,
	}
	if len(s.upstreams) > 1 {
		for _, up := range s.upstreams {
			page.Servers = append(page.Servers, templates.ServerOption{ID: up.ID, Label: up.Label, Selected: up.ID == form.Server})
		}
	}
	s.render(w, r, status, templates.LoginView(page))
}
