package web

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/httprate"

	"popgate/session"
)

// Sign-in limits: generous for a person, tight for a password guesser, and
// never a lock its owner cannot get past. Only failures count against an
// account, per client network, so a guesser elsewhere does not hold back
// the owner; a looser ceiling across all networks stops a spread-out
// attack, which would otherwise lock the owner out through the mail
// server's own penalties, and a browser that signed in before passes it.
const (
	defaultSignInsPerIP       = 20
	defaultFailuresPerAccount = 50
	signInWindow              = 10 * time.Minute

	// failuresPerNetwork wrong passwords on one account from one /24 or
	// /64 are free; each further one waits firstDelay, doubled per
	// failure up to maxDelay.
	failuresPerNetwork = 5
	firstDelay         = time.Minute
	maxDelay           = 15 * time.Minute

	// maxLimiterEntries bounds each of the limiter's maps; pruneEvery is
	// how often expired entries are swept out.
	maxLimiterEntries = 100_000
	pruneEvery        = time.Minute
)

// netFailures are the failed sign-ins on one account from one network
// (or one device).
type netFailures struct {
	n    int
	last time.Time
}

// delay is how long after the last failure the next attempt must wait.
func (f netFailures) delay() time.Duration {
	if f.n < failuresPerNetwork {
		return 0
	}
	d := firstDelay
	for i := failuresPerNetwork; i < f.n && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// expired says whether f is forgotten at now: a quiet window after the
// delay passed.
func (f netFailures) expired(now time.Time) bool {
	return !now.Before(f.last.Add(f.delay() + signInWindow))
}

// signInLimiter caps sign-in attempts per client IP, and failed sign-ins
// per account and client network (or device) and per account. It is safe
// for concurrent use.
type signInLimiter struct {
	perIP   *httprate.RateLimiter
	ceiling int
	now     func() time.Time

	mu        sync.Mutex
	byNetwork map[string]netFailures // account, then network or device
	byAccount map[string][]time.Time // failure times in the window, oldest first
	pruned    time.Time
}

func newSignInLimiter(perIP, perAccount int) *signInLimiter {
	if perIP <= 0 {
		perIP = defaultSignInsPerIP
	}
	if perAccount <= 0 {
		perAccount = defaultFailuresPerAccount
	}
	return &signInLimiter{
		perIP:     httprate.NewRateLimiter(perIP, signInWindow),
		ceiling:   perAccount,
		now:       time.Now,
		byNetwork: make(map[string]netFailures),
		byAccount: make(map[string][]time.Time),
	}
}

// exceeded counts an attempt by ip on account (see accountKey), from a
// browser holding device's cookie for it if device is not empty, and
// reports whether it must wait; it sets Retry-After then.
func (l *signInLimiter) exceeded(w http.ResponseWriter, r *http.Request, ip netip.Addr, account, device string) bool {
	if l.perIP.OnLimit(w, r, "ip\x00"+ip.String()) {
		w.Header().Set("Retry-After", strconv.Itoa(int(signInWindow.Seconds())))
		return true
	}
	if d := l.wait(ip, account, device); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
		return true
	}
	return false
}

// networkKey names the counter of account's failures from ip's /24 or
// /64, or from device.
func networkKey(ip netip.Addr, account, device string) string {
	if device != "" {
		return account + "\x00device\x00" + device
	}
	return account + "\x00net\x00" + session.ClientNetwork(ip).String()
}

// wait returns how long an attempt by ip on account must wait, 0 if none.
// A device is exempt from the per-account ceiling and from its network's
// failures, not from its own.
func (l *signInLimiter) wait(ip netip.Addr, account, device string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	var d time.Duration
	if f, ok := l.byNetwork[networkKey(ip, account, device)]; ok {
		d = f.last.Add(f.delay()).Sub(now)
	}
	if device == "" {
		if times := l.recent(account, now); len(times) >= l.ceiling {
			d = max(d, times[len(times)-l.ceiling].Add(signInWindow).Sub(now))
		}
	}
	return max(d, 0)
}

// recent returns account's failures within the window, dropping older ones.
func (l *signInLimiter) recent(account string, now time.Time) []time.Time {
	times := l.byAccount[account]
	i := 0
	for i < len(times) && !now.Before(times[i].Add(signInWindow)) {
		i++
	}
	if i > 0 {
		times = times[i:]
		if len(times) == 0 {
			delete(l.byAccount, account)
		} else {
			l.byAccount[account] = times
		}
	}
	return times
}

// failed counts a wrong password by ip on account.
func (l *signInLimiter) failed(ip netip.Addr, account, device string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	key := networkKey(ip, account, device)
	f, ok := l.byNetwork[key]
	if !ok {
		evictOne(l.byNetwork, func(f netFailures) time.Time { return f.last })
	}
	l.byNetwork[key] = netFailures{n: f.n + 1, last: now}
	times := l.recent(account, now)
	if len(times) == 0 {
		evictOne(l.byAccount, func(t []time.Time) time.Time { return t[len(t)-1] })
	}
	times = append(times, now)
	if len(times) > l.ceiling {
		times = times[len(times)-l.ceiling:]
	}
	l.byAccount[account] = times
}

// succeeded clears the failures by ip's network (or device) on account;
// the per-account ones stay, since the others still tried.
func (l *signInLimiter) succeeded(ip netip.Addr, account, device string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byNetwork, networkKey(ip, account, device))
}

// prune sweeps out expired entries, at most once every pruneEvery.
func (l *signInLimiter) prune(now time.Time) {
	if now.Sub(l.pruned) < pruneEvery {
		return
	}
	l.pruned = now
	for k, f := range l.byNetwork {
		if f.expired(now) {
			delete(l.byNetwork, k)
		}
	}
	for k := range l.byAccount {
		l.recent(k, now)
	}
}

// evictOne makes room in m when it is full, dropping the entry last used
// longest ago among a few: a flood of new keys then pushes out old quiet
// ones rather than growing the map without bound.
func evictOne[V any](m map[string]V, last func(V) time.Time) {
	if len(m) < maxLimiterEntries {
		return
	}
	var oldest string
	var at time.Time
	n := 0
	for k, v := range m {
		if t := last(v); oldest == "" || t.Before(at) {
			oldest, at = k, t
		}
		if n++; n == 16 {
			break
		}
	}
	delete(m, oldest)
}

// entries returns how many counters the limiter holds.
func (l *signInLimiter) entries() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byNetwork) + len(l.byAccount)
}

// accountKey names the account username on up for the limiter, the same
// for every spelling of it: the server by its Upstream.ServerKey (any
// scheme), the user name trimmed and lowercased.
func accountKey(up session.Upstream, username string) string {
	return up.ServerKey() + "\x00" + strings.ToLower(strings.TrimSpace(username))
}
