package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"popgate/web/mailview"
)

// displayName is how an inbox row names the sender.
func displayName(s mailview.Summary) string {
	switch {
	case s.From.Name != "":
		return s.From.Name
	case s.From.Email != "":
		return s.From.Email
	case s.FromText != "":
		return s.FromText
	}
	return "(unknown sender)"
}

// shortDate is an inbox row's date, relative for recent mail: "Just now",
// "5 min ago", the time of day for today, "Yesterday 14:03", the weekday
// and time within the last week, "2 Jan" this year, "2 Jan 2006" before.
// A date ahead of now (a sender's wrong clock) gets the absolute forms.
func shortDate(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(now.Location())
	age := now.Sub(t)
	switch {
	case age >= 0 && age < time.Minute:
		return "Just now"
	case age >= 0 && age < time.Hour:
		return strconv.Itoa(int(age/time.Minute)) + " min ago"
	case sameDay(t, now):
		return t.Format("15:04")
	}
	// Most rows of a big mailbox are older than a week: the day
	// boundaries are worked out only for the others.
	if age > 0 && age < 8*24*time.Hour {
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
		switch {
		case sameDay(t, today.AddDate(0, 0, -1)):
			return "Yesterday " + t.Format("15:04")
		case !t.Before(today.AddDate(0, 0, -6)):
			return t.Format("Mon 15:04")
		}
	}
	if t.Year() == now.Year() {
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// fullDate is the complete date, for a title attribute and the message page.
func fullDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("Mon, 2 Jan 2006 15:04 -0700")
}

// isoDate is the machine-readable date of a <time datetime>.
func isoDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// humanSize shows octets as B, KB, MB or GB (powers of 1000, as LIST
// counts octets), rounding so that 999,600 octets read "1 MB", not
// "1000 KB".
func humanSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(max(n, 0), 10) + " B"
	case n < 999_500:
		return strconv.FormatInt((n+500)/1000, 10) + " KB"
	case n < 999_950_000:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e6), ".0") + " MB"
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e9), ".0") + " GB"
}

// addressList renders addresses for a header line.
func addressList(as []mailview.Address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// maxServerText caps a text the mail server chose, such as its
// IMPLEMENTATION capability, in characters.
const maxServerText = 200

// visible makes a text the mail server chose safe to show as it is: bytes
// that are not UTF-8 become U+FFFD, and control characters, bidirectional
// overrides and other invisible formatting (U+202E would turn "exe.pdf"
// into "fdp.exe") are written as escapes such as \x07 or \u202E. Beyond
// maxServerText characters it is cut with "…".
func visible(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		piece := string(r)
		switch {
		case r < 0x100 && unicode.IsControl(r):
			piece = fmt.Sprintf(`\x%02X`, r)
		case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp):
			piece = fmt.Sprintf(`\u%04X`, r)
		}
		if n += utf8.RuneCountInString(piece); n > maxServerText {
			b.WriteString("…")
			break
		}
		b.WriteString(piece)
	}
	return b.String()
}
