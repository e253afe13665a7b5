package templates

import (
	"strconv"
	"strings"
)

// SearchPage is the search form and, once a query was sent, its results
// (GET Base+"search?q=...").
type SearchPage struct {
	Meta Meta
	// Form is the query as the user typed it, kept in the fields.
	Form SearchForm
	// Advanced opens the From, To, Subject and date fields.
	Advanced bool
	// Error explains why the query was not run (an impossible date); ""
	// for none.
	Error string
	// Searched says a query ran; false shows the form only.
	Searched bool
	// Rows are this page's matches, newest first.
	Rows []MessageRow
	// Matches counts all matches; Page and Pages are 1-based, with a pager
	// when Pages > 1 (NewerHref to newer matches, OlderHref to older, ""
	// when there is none; they include Base).
	Matches              int
	Page, Pages          int
	NewerHref, OlderHref string
	// Indexed of Total messages were searched. Unless Complete, a progress
	// note with a link to AgainHref (the same search) is shown; Full says
	// the rest will not be indexed in this session, Rebuilding that the
	// index was set aside to save memory and is being built again.
	Indexed, Total             int
	Complete, Full, Rebuilding bool
	AgainHref                  string
}

// SearchForm holds the search fields as typed. After and Before are
// yyyy-mm-dd, as <input type=date> sends them.
type SearchForm struct {
	Q, From, To, Subject, After, Before string
}

// countText is the sentence above the results.
func (p SearchPage) countText() string {
	switch p.Matches {
	case 0:
		return "No messages found"
	case 1:
		return "1 message found"
	}
	return thousands(p.Matches) + " messages found"
}

// progressText says how much of the mailbox the results cover.
func (p SearchPage) progressText() string {
	searched := "Searched " + thousands(p.Indexed) + " of " + thousands(p.Total) + " messages"
	if p.Full {
		return searched + " — the older ones are too many to search in one session."
	}
	if p.Rebuilding {
		return searched + " — your search index was set aside to save memory while you were away, and is being rebuilt."
	}
	return searched + " — the rest are still being indexed."
}

// thousands writes n with comma separators: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
