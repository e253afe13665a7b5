package session

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"
)

// cookieValue is all a cookie carries: which session, and the key that
// unseals its password. securecookie authenticates and encrypts it.
type cookieValue struct {
	ID  string `json:"i"`
	Key []byte `json:"k"`
}

// CookieName returns the name of the session cookie, with the "__Host-" or
// "__Secure-" prefix Config.SecureCookie adds. It doesn't perform I/O.
func (m *Manager) CookieName() string { return m.cfg.CookieName }

// SetCookie sets the cookie for s on w: HttpOnly, SameSite=Lax, Secure per
// Config.SecureCookie, Path per Config.CookiePath, expiring with the
// session's absolute lifetime. It fails only if encoding fails. It doesn't
// perform I/O beyond writing the header.
func (m *Manager) SetCookie(w http.ResponseWriter, s *Session) error {
	value, err := m.codec.Encode(m.cfg.CookieName, cookieValue{ID: s.st.id, Key: s.key})
	if err != nil {
		return err
	}
	left := s.st.created.Add(m.cfg.MaxLifetime).Sub(m.now())
	http.SetCookie(w, &http.Cookie{
		Name:     m.cfg.CookieName,
		Value:    value,
		Path:     m.cfg.CookiePath,
		MaxAge:   max(1, int(left/time.Second)),
		Secure:   m.cfg.SecureCookie,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// ClearCookie tells the browser to forget the session cookie. It doesn't
// end the session: see Logout.
func (m *Manager) ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     m.cfg.CookieName,
		Value:    "",
		Path:     m.cfg.CookiePath,
		MaxAge:   -1,
		Secure:   m.cfg.SecureCookie,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// FromRequest returns the session of r's cookie and restarts its idle
// timer. It returns ErrNoSession when the cookie is absent, tampered with,
// made with other keys, or names a session that was signed out or has
// expired. An expired session found here is signed out in the background
// with the cookie's key, so its pending deletions are committed even if
// its connection was lost. It doesn't perform I/O itself.
func (m *Manager) FromRequest(r *http.Request) (*Session, error) {
	c, err := r.Cookie(m.cfg.CookieName)
	if err != nil {
		return nil, ErrNoSession
	}
	var v cookieValue
	if err := m.codec.Decode(m.cfg.CookieName, c.Value, &v); err != nil {
		return nil, ErrNoSession
	}
	st, ok := m.store.get(v.ID)
	if !ok {
		return nil, ErrNoSession
	}
	if h := keyHash(v.Key); subtle.ConstantTimeCompare(h[:], st.keyHash[:]) != 1 {
		return nil, ErrNoSession
	}
	if st.expired(m.now()) {
		m.expire(st, v.Key)
		return nil, ErrNoSession
	}
	st.touch()
	return &Session{st: st, key: v.Key}, nil
}

// expire signs st out in the background with key, which may be nil. It
// takes st out of the store at once, so that the reaper, which has no key,
// can't get to it first. Once Close has begun it signs out in the caller.
func (m *Manager) expire(st *state, key []byte) {
	if !m.store.remove(st.id) {
		return
	}
	m.log.Info("session: expired", st.logAttrs()...)
	signOut := func(ctx context.Context) { st.signOut(ctx, key) }
	if !m.goBackground(signOut) {
		ctx, cancel := context.WithTimeout(m.bgCtx, backgroundTimeout)
		defer cancel()
		signOut(ctx)
	}
}
