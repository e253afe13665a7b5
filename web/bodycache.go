package web

import (
	"strings"
	"sync"
	"time"
)

// bodyCache keeps the sanitized HTML a message page just produced for the
// frame that page embeds, so opening an HTML message costs one RETR, not
// two. Entries are per session and short-lived, and go when their session
// ends; the total is bounded.
type bodyCache struct {
	mu      sync.Mutex
	entries map[string]bodyEntry // key: session id, NUL, UID
	size    int
}

type bodyEntry struct {
	html    string
	expires time.Time
}

const (
	bodyCacheTTL   = 2 * time.Minute
	bodyCacheLimit = 32 << 20 // octets of HTML across all sessions
)

func bodyKey(sessionID, uid string) string { return sessionID + "\x00" + uid }

// put stores html; when full, it drops expired entries, then everything.
func (c *bodyCache) put(sessionID, uid, html string, now time.Time) {
	if len(html) > bodyCacheLimit/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]bodyEntry)
	}
	c.removeLocked(bodyKey(sessionID, uid))
	if c.size+len(html) > bodyCacheLimit {
		for k, e := range c.entries {
			if now.After(e.expires) {
				c.removeLocked(k)
			}
		}
		if c.size+len(html) > bodyCacheLimit {
			clear(c.entries)
			c.size = 0
		}
	}
	c.entries[bodyKey(sessionID, uid)] = bodyEntry{html: html, expires: now.Add(bodyCacheTTL)}
	c.size += len(html)
}

// get returns the cached HTML if it has not expired.
func (c *bodyCache) get(sessionID, uid string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[bodyKey(sessionID, uid)]
	if !ok || now.After(e.expires) {
		return "", false
	}
	return e.html, true
}

// drop forgets the entries of session id, which ended.
func (c *bodyCache) drop(sessionID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prefix := sessionID + "\x00"
	for k := range c.entries {
		if strings.HasPrefix(k, prefix) {
			c.removeLocked(k)
		}
	}
}

func (c *bodyCache) removeLocked(key string) {
	if e, ok := c.entries[key]; ok {
		c.size -= len(e.html)
		delete(c.entries, key)
	}
}
