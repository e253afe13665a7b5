package pop3

import (
	"strconv"
	"strings"
	"time"
)

// Capabilities maps each CAPA tag, upper-cased, to its arguments (RFC 2449
// section 6). A nil Capabilities has no tags. Its methods don't perform I/O.
type Capabilities map[string][]string

// Has reports whether the server listed tag; the comparison ignores case.
func (c Capabilities) Has(tag string) bool {
	_, ok := c[strings.ToUpper(tag)]
	return ok
}

// Args returns the arguments listed with tag, or nil.
func (c Capabilities) Args(tag string) []string { return c[strings.ToUpper(tag)] }

// SASL returns the SASL mechanisms the server offers (upper-cased).
func (c Capabilities) SASL() []string {
	var out []string
	for _, m := range c["SASL"] {
		out = append(out, strings.ToUpper(m))
	}
	return out
}

// HasSASL reports whether mechanism is among the SASL mechanisms.
func (c Capabilities) HasSASL(mechanism string) bool {
	for _, m := range c["SASL"] {
		if strings.EqualFold(m, mechanism) {
			return true
		}
	}
	return false
}

// LoginDelay returns the LOGIN-DELAY the server asks clients to leave
// between sign-ins. perUser is true when the value announced before sign-in
// varies by user ("LOGIN-DELAY 900 USER"): read it again after sign-in.
func (c Capabilities) LoginDelay() (delay time.Duration, perUser, ok bool) {
	args := c["LOGIN-DELAY"]
	if len(args) == 0 {
		return 0, false, false
	}
	secs, err := strconv.Atoi(args[0])
	if err != nil || secs < 0 {
		return 0, false, false
	}
	return time.Duration(secs) * time.Second, len(args) > 1 && strings.EqualFold(args[1], "USER"), true
}

// Expire returns the EXPIRE policy: after how many days the server deletes
// mail that was read, or never. Days 0 means the server may delete every
// message a session retrieved: a client must not count on mail staying.
func (c Capabilities) Expire() (days int, never, ok bool) {
	args := c["EXPIRE"]
	if len(args) == 0 {
		return 0, false, false
	}
	if strings.EqualFold(args[0], "NEVER") {
		return 0, true, true
	}
	d, err := strconv.Atoi(args[0])
	if err != nil || d < 0 {
		return 0, false, false
	}
	return d, false, true
}

// Implementation returns the IMPLEMENTATION text, for logs only.
func (c Capabilities) Implementation() string { return strings.Join(c["IMPLEMENTATION"], " ") }
