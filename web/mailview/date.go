package mailview

import (
	"net/mail"
	"strings"
	"time"
)

// Layouts seen in real Date headers that net/mail does not accept.
var dateLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05",
	"Jan 2 2006 15:04:05 -0700",
	"Jan 2 15:04:05 2006",
	"Jan 2 15:04:05 MST 2006",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05",
}

// parseDate reads a Date header; the zero time means missing or unreadable.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	// Drop comments, the day name and a trailing zone name after an offset.
	v, _ = stripComments(v)
	if i := strings.IndexByte(v, ','); i >= 0 && weekday(strings.TrimSpace(v[:i])) {
		v = v[i+1:]
	}
	f := strings.Fields(v)
	if len(f) > 0 && weekday(f[0]) {
		f = f[1:]
	}
	v = strings.Join(f, " ")
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	if f := strings.Fields(v); len(f) > 1 {
		// "... +0000 GMT", "... -0500 (EST)" and the like.
		if t, err := time.Parse(dateLayouts[0], strings.Join(f[:len(f)-1], " ")); err == nil {
			return t
		}
	}
	return time.Time{}
}

func weekday(s string) bool {
	return len(s) >= 3 && strings.Contains("mon tue wed thu fri sat sun", strings.ToLower(s[:3])) && !isDigits(s)
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
