package web

import (
	"fmt"
	"strings"
	"time"

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

// shortDate shows a time of day for today, a month and day this year, a
// full date before that.
func shortDate(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(now.Location())
	switch {
	case sameDay(t, now):
		return t.Format("15:04")
	case t.Year() == now.Year():
		return t.Format("Jan 2")
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

// humanSize shows octets as B, KB or MB.
func humanSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d KB", (n+500)/1000)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e6), ".0") + " MB"
}

// addressList renders addresses for a header line.
func addressList(as []mailview.Address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}
