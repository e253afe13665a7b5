package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/httprate"
)

// Sign-in limits: generous for a person, tight for a password guesser. The
// per-account limit also stops a spread-out attack on one mailbox, which
// would otherwise lock its owner out through the mail server's own
// penalties.
const (
	defaultSignInsPerIP      = 20
	defaultSignInsPerAccount = 10
	signInWindow             = 10 * time.Minute
)

// signInLimiter counts sign-in attempts per client IP and per account.
type signInLimiter struct {
	perIP      *httprate.RateLimiter
	perAccount *httprate.RateLimiter
}

func newSignInLimiter(perIP, perAccount int) *signInLimiter {
	if perIP <= 0 {
		perIP = defaultSignInsPerIP
	}
	if perAccount <= 0 {
		perAccount = defaultSignInsPerAccount
	}
	return &signInLimiter{
		perIP:      httprate.NewRateLimiter(perIP, signInWindow),
		perAccount: httprate.NewRateLimiter(perAccount, signInWindow),
	}
}

// exceeded counts an attempt by ip on account and reports whether it is one
// too many; it sets Retry-After then.
func (l *signInLimiter) exceeded(w http.ResponseWriter, r *http.Request, ip, server, username string) bool {
	account := server + "\x00" + strings.ToLower(username)
	if l.perIP.OnLimit(w, r, "ip\x00"+ip) || l.perAccount.OnLimit(w, r, "account\x00"+account) {
		w.Header().Set("Retry-After", strconv.Itoa(int(signInWindow.Seconds())))
		return true
	}
	return false
}
