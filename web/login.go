package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"popgate/session"
	"popgate/templates"
)

// loginForm is the sign-in form as posted.
type loginForm struct {
	Server   string
	Username string
	Password string
	Next     string // where to go afterwards, if it is a local path
}

func newLoginForm(r *http.Request) (loginForm, error) {
	if err := r.ParseForm(); err != nil {
		return loginForm{}, err
	}
	return loginForm{
		Server:   r.PostForm.Get("server"),
		Username: strings.TrimSpace(r.PostForm.Get("username")),
		Password: r.PostForm.Get("password"),
		Next:     r.PostForm.Get("next"),
	}, nil
}

// upstream returns the configured server the form names. The list is the
// admin's: anything else is refused before any connection is made.
func (s *Server) upstream(id string) (session.Upstream, bool) {
	if id == "" && len(s.upstreams) == 1 {
		return s.upstreams[0], true
	}
	for _, up := range s.upstreams {
		if up.ID == id || (s.anyServer != nil && strings.EqualFold(up.Label, id)) {
			return up, true
		}
	}
	return s.freeUpstream(id)
}

// handleLoginForm handles GET /login: the sign-in form, or for a browser
// that is signed in, which account it is (see renderSignedIn).
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if sess, err := s.sessions.FromRequest(r, s.isHTTPS(r)); err == nil {
		s.renderSignedIn(w, r, sess, r.URL.Query().Get("next"))
		return
	}
	s.renderLogin(w, r, http.StatusOK, loginForm{Next: r.URL.Query().Get("next")}, "", false)
}

// loginFlash is the notice of the sign-in page a redirect asked for in
// query q: only fixed words are shown.
func loginFlash(q url.Values) string {
	if q.Get("done") == "signedout" {
		return "You are signed out."
	}
	return ""
}

// handleLogin handles POST /login: sign in, then 303 to the inbox.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	form, err := newLoginForm(r)
	if err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, form, "The form could not be read; try again.", false)
		return
	}
	up, ok := s.upstream(form.Server)
	switch {
	case !ok:
		s.renderLogin(w, r, http.StatusBadRequest, form, "Choose one of the servers offered.", false)
		return
	case form.Username == "" || form.Password == "":
		s.renderLogin(w, r, http.StatusBadRequest, form, "Enter your user name and password.", true)
		return
	}
	ip, account := s.clientIP(r), accountKey(up, form.Username)
	device := s.device(r, account)
	if s.limiter.exceeded(w, r, ip, account, device) {
		s.log.WarnContext(r.Context(), "sign-in rate limited", "server", up.Label, "client_ip", s.clientIP(r).String())
		s.metrics.signIn("rate_limited")
		s.renderLogin(w, r, http.StatusTooManyRequests, form, "Too many sign-in attempts. Wait a few minutes, then try again.", false)
		return
	}
	start := time.Now()
	sess, err := s.sessions.LoginFrom(r.Context(), ip, up, form.Username, form.Password)
	if err != nil {
		if session.KindOf(err) == session.KindUnreachable {
			s.padUnreachable(r.Context(), start)
		}
		if session.KindOf(err) == session.KindWrongPassword {
			s.limiter.failed(ip, account, device)
		}
		ue := classify(err)
		s.metrics.signIn(signInOutcome(ue.status))
		s.log.InfoContext(r.Context(), "sign-in failed", "server", up.Label, "status", ue.status, "error", err)
		setRetryAfter(w, ue)
		s.renderLogin(w, r, ue.status, form, ue.message, session.KindOf(err) == session.KindWrongPassword)
		return
	}
	if err := s.sessions.SetCookie(w, sess, s.isHTTPS(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.limiter.succeeded(ip, account, device)
	s.setDevice(w, r, account)
	s.metrics.signIn("ok")
	s.log.InfoContext(r.Context(), "signed in", "server", up.Label)
	http.Redirect(w, r, s.localTarget(form.Next), http.StatusSeeOther)
}

// localTarget returns next if it is a path of this app, and the inbox
// otherwise: a sign-in link must not send anyone to another site. A
// browser reads "//host", "/\host" and "\host" as other hosts, so only a
// plain path under the base path passes.
func (s *Server) localTarget(next string) string {
	if next == "" || !strings.HasPrefix(next, s.base) || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\x00\r\n\t") {
		return s.url("")
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return s.url("")
	}
	return next
}

// renderLogin shows the sign-in form with msg, if any, above it;
// fieldsInvalid marks the user name and password as what was wrong, which
// a server that is down or restarting is not.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, form loginForm, msg string, fieldsInvalid bool) {
	next := ""
	if form.Next != "" && s.localTarget(form.Next) == form.Next {
		next = form.Next
	}
	page := templates.LoginPage{
		Meta:     s.meta(r, "Sign in"),
		Next:     next,
		Username: form.Username,
		Error:    msg,
		Demo:     s.demo,

		FieldsInvalid: fieldsInvalid,
	}
	page.Meta.Flash = loginFlash(r.URL.Query())
	page.AnyServer = s.anyServer != nil
	if page.AnyServer {
		page.ServerText = form.Server
	}
	if len(s.upstreams) > 1 || (page.AnyServer && len(s.upstreams) > 0) {
		for _, up := range s.upstreams {
			page.Servers = append(page.Servers, templates.ServerOption{ID: up.ID, Label: up.Label, Selected: up.ID == form.Server})
		}
	}
	s.render(w, r, status, templates.LoginView(page))
}

// signInOutcome names a failed sign-in for the metrics.
func signInOutcome(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "wrong_password"
	case http.StatusConflict:
		return "in_use"
	case http.StatusTooManyRequests:
		return "login_delay"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusBadGateway:
		return "refused"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	return "error"
}
