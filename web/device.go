package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"time"
)

// A device cookie marks a browser that signed in to an account before, so
// that other people's failed sign-ins on that account do not hold it
// back. It holds its expiry, a random device ID and a keyed hash of the
// account (never the user name), signed with Config.DeviceKey.
const (
	deviceCookieName = "popgate_device"
	deviceLifetime   = 180 * 24 * time.Hour
	deviceIDLen      = 12
	deviceAccountLen = 16
	devicePayloadLen = 8 + deviceIDLen + deviceAccountLen
)

// deviceCookieName returns the device cookie's name, with the "__Host-"
// or "__Secure-" prefix over HTTPS as the session cookie has.
func (s *Server) deviceCookieName(secure bool) string {
	switch {
	case !secure:
		return deviceCookieName
	case s.base == "/":
		return "__Host-" + deviceCookieName
	}
	return "__Secure-" + deviceCookieName
}

// deviceMAC signs payload.
func (s *Server) deviceMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, s.deviceKey)
	m.Write([]byte("popgate device\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

// deviceAccount is the keyed hash of account the cookie carries.
func (s *Server) deviceAccount(account string) []byte {
	return s.deviceMAC([]byte("account\x00" + account))[:deviceAccountLen]
}

// device returns the ID of the device cookie r carries for account, or ""
// if it carries none, or one for another account, or a forged or expired
// one.
func (s *Server) device(r *http.Request, account string) string {
	c, err := r.Cookie(s.deviceCookieName(s.isHTTPS(r)))
	if err != nil {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) != devicePayloadLen+sha256.Size {
		return ""
	}
	payload, mac := b[:devicePayloadLen], b[devicePayloadLen:]
	if !hmac.Equal(mac, s.deviceMAC(payload)) ||
		!hmac.Equal(payload[8+deviceIDLen:], s.deviceAccount(account)) ||
		s.limiter.now().Unix() >= int64(binary.BigEndian.Uint64(payload[:8])) {
		return ""
	}
	return hex.EncodeToString(payload[8 : 8+deviceIDLen])
}

// setDevice gives the browser that just signed in to account a fresh
// device cookie.
func (s *Server) setDevice(w http.ResponseWriter, r *http.Request, account string) {
	payload := make([]byte, 8, devicePayloadLen+sha256.Size)
	binary.BigEndian.PutUint64(payload, uint64(s.limiter.now().Add(deviceLifetime).Unix()))
	id := make([]byte, deviceIDLen)
	rand.Read(id)
	payload = append(payload, id...)
	payload = append(payload, s.deviceAccount(account)...)
	secure := s.isHTTPS(r)
	http.SetCookie(w, &http.Cookie{
		Name:     s.deviceCookieName(secure),
		Value:    base64.RawURLEncoding.EncodeToString(append(payload, s.deviceMAC(payload)...)),
		Path:     s.base,
		MaxAge:   int(deviceLifetime.Seconds()),
		Secure:   secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}
