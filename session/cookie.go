package session

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
)

// cookieValue is all a cookie carries: which session, and the key that
// unseals its password. securecookie authenticates and encrypts it.
type cookieValue struct {
	ID  string `json:"i"`
	Key []byte `json:"k"`
}

// CookieName returns the name of the session cookie: over HTTPS (secure,
// or Config.SecureCookie) it carries the "__Host-" prefix, or "__Secure-"
// when CookiePath is not "/". Browsers refuse such a cookie from plain
// HTTP, without Secure, or (for __Host-) with a Domain, so a sibling
// subdomain can't plant one. It doesn't perform I/O.
func (m *Manager) CookieName(secure bool) string {
	name := m.cfg.CookieName
	if !(secure || m.cfg.SecureCookie) || strings.HasPrefix(name, "__") {
		return name
	}
	if m.cfg.CookiePath == "/" {
		return "__Host-" + name
	}
	return "__Secure-" + name
}

// SetCookie sets the cookie for s on w: HttpOnly, SameSite=Lax, Path per
// Config.CookiePath, expiring with the session's absolute lifetime, and
// Secure with the prefixed name when secure says the browser reached us
// over HTTPS (or Config.SecureCookie). It fails only if encoding fails. It
// doesn't perform I/O beyond writing the header.
func (m *Manager) SetCookie(w http.ResponseWriter, s *Session, secure bool) error {
	name := m.CookieName(secure)
	value, err := m.codec.Encode(name, cookieValue{ID: s.st.id, Key: s.key})
	if err != nil {
		return err
	}
	left := s.st.created.Add(m.cfg.MaxLifetime).Sub(m.now())
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     m.cfg.CookiePath,
		MaxAge:   max(1, int(left/time.Second)),
		Secure:   secure || m.cfg.SecureCookie,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// ClearCookie tells the browser to forget the session cookie. It doesn't
// end the session: see Logout.
func (m *Manager) ClearCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name:     m.CookieName(secure),
		Value:    "",
		Path:     m.cfg.CookiePath,
		MaxAge:   -1,
		Secure:   secure || m.cfg.SecureCookie,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// FromRequest returns the session of r's cookie and restarts its idle
// timer. secure says whether the browser reached us over HTTPS, as for
// SetCookie: only the cookie name SetCookie uses for it is read, so over
// HTTPS a plain cookie, which another site or plain HTTP may have planted,
// signs nobody in. It returns ErrNoSession when the cookie is absent,
// tampered with, made with other keys, or names a session that was signed
// out or has expired. An expired session found here is signed out in the
// background with the cookie's key, so its pending deletions are committed
// even if its connection was lost. It doesn't perform I/O itself.
func (m *Manager) FromRequest(r *http.Request, secure bool) (*Session, error) {
	name := m.CookieName(secure)
	c, err := r.Cookie(name)
	if err != nil {
		return nil, ErrNoSession
	}
	var v cookieValue
	if err := m.codec.Decode(name, c.Value, &v); err != nil {
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

// expire signs st out in the background with key, so that its pending
// deletions are committed even if its connection was lost. Once Close has
// begun it signs out in the caller.
func (m *Manager) expire(st *state, key []byte) {
	st.leaveKey(key) // the reaper, which has no key, may get there first
	signOut := func(ctx context.Context) { st.signOut(ctx, ctx, signOutHow{key: key}) }
	if !m.goBackground(signOut) {
		ctx, cancel := context.WithTimeout(m.bgCtx, backgroundTimeout)
		defer cancel()
		signOut(ctx)
	}
}
