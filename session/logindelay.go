package session

import (
	"sync"
	"time"

	"popgate/pop3"
)

// loginDelays remembers, per upstream and user, the earliest time the
// server's LOGIN-DELAY allows the next sign-in, so that the Manager answers
// ErrLoginDelay itself instead of provoking -ERR [LOGIN-DELAY] (and, on some
// servers, a penalty). It is safe for concurrent use and performs no I/O.
type loginDelays struct {
	mu   sync.Mutex
	next map[string]time.Time // protected by mu
}

func delayKey(up Upstream, username string) string { return up.ID + "\x00" + username }

// check returns a *LoginDelayError while key must wait.
func (d *loginDelays) check(key string, now time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if until, ok := d.next[key]; ok && now.Before(until) {
		return &LoginDelayError{RetryAfter: until.Sub(now)}
	}
	return nil
}

// record notes a successful sign-in at now under the delay caps announce.
func (d *loginDelays) record(key string, now time.Time, caps pop3.Capabilities) {
	delay := loginDelay(caps)
	if delay <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.next == nil {
		d.next = make(map[string]time.Time)
	}
	d.next[key] = now.Add(delay)
}

// prune forgets delays that have run out, so the map doesn't grow with
// every user ever seen.
func (d *loginDelays) prune(now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, until := range d.next {
		if !now.Before(until) {
			delete(d.next, k)
		}
	}
}

// loginDelay returns the LOGIN-DELAY in caps, 0 if none.
func loginDelay(caps pop3.Capabilities) time.Duration {
	delay, _, ok := caps.LoginDelay()
	if !ok {
		return 0
	}
	return delay
}
