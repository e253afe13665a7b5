package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"

	"popgate/web/mailview"
)

// searchEntry is one message in the floor's index.
type searchEntry struct{ from, subject string }

// searchIndex builds the floor's in-memory index: From and Subject of
// every message, decoded and lower-cased.
func searchIndex(m *mailbox) []searchEntry {
	idx := make([]searchEntry, 0, m.n)
	for i := 1; i <= m.n; i++ {
		sum := mailview.Summarize(header(m.message(i)))
		idx = append(idx, searchEntry{
			from:    strings.ToLower(sum.From.Name + " " + sum.From.Email + " " + sum.FromText),
			subject: strings.ToLower(sum.Subject),
		})
	}
	return idx
}

// scan is the floor's search: a linear scan.
func scan(idx []searchEntry, term string) int {
	term = strings.ToLower(term)
	n := 0
	for i := range idx {
		if strings.Contains(idx[i].from, term) || strings.Contains(idx[i].subject, term) {
			n++
		}
	}
	return n
}

// commonWord returns the most frequent word of at least five letters in
// the field, for a search term that finds a fair number of messages.
func commonWord(idx []searchEntry, field func(searchEntry) string) string {
	counts := map[string]int{}
	for _, e := range idx {
		seen := map[string]bool{}
		for _, w := range strings.FieldsFunc(field(e), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if len(w) >= 5 && !seen[w] {
				seen[w] = true
				counts[w]++
			}
		}
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if counts[words[i]] != counts[words[j]] {
			return counts[words[i]] > counts[words[j]]
		}
		return words[i] < words[j]
	})
	if len(words) == 0 {
		return "message"
	}
	return words[0]
}

// searchProgress marks an incomplete index on the search page.
var searchProgress = []byte(`data-testid="search-progress"`)

// searchFigure times GET /search once popgate's index of the mailbox is
// complete, against a linear scan in memory. Without the route the row
// says so and nothing fails.
func searchFigure(ctx context.Context, w *world, c *client, progress io.Writer) (row, error) {
	u := w.users[0]
	r := row{figure: fmt.Sprintf("search From and Subject across all %d", w.cfg.Messages), target: "p99 <= 50 ms once the index is built"}
	status, body, _, err := c.get(ctx, u, "search?q=x", nil)
	if err != nil {
		return row{}, err
	}
	if status == http.StatusNotFound {
		r.measured, r.floor, r.ratio, r.met = "n/a (no search route)", "-", "-", "-"
		return r, nil
	}
	if status != http.StatusOK {
		return row{}, fmt.Errorf("GET /search?q=x: status %d: %s", status, excerpt(body))
	}
	t := time.Now()
	const indexTimeout = 3 * time.Minute
	for bytes.Contains(body, searchProgress) {
		if time.Since(t) > indexTimeout {
			r.measured, r.floor, r.ratio, r.met = fmt.Sprintf("n/a (index incomplete after %v)", indexTimeout), "-", "-", "no"
			return r, nil
		}
		select {
		case <-ctx.Done():
			return row{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if body, err = c.getOK(ctx, u, "search?q=x"); err != nil {
			return row{}, err
		}
	}
	fmt.Fprintf(progress, "search: index complete %v after the first search\n", time.Since(t).Round(time.Millisecond))

	idx := searchIndex(w.mail)
	terms := []string{
		commonWord(idx, func(e searchEntry) string { return e.from }),
		commonWord(idx, func(e searchEntry) string { return e.subject }),
	}
	var got, floor timings
	for i := range 10 * w.cfg.Samples {
		term := terms[i%2]
		t := time.Now()
		page, err := c.getOK(ctx, u, "search?q="+url.QueryEscape(term))
		if err != nil {
			return row{}, err
		}
		got = append(got, time.Since(t))
		if bytes.Contains(page, searchProgress) {
			return row{}, fmt.Errorf("search for %q: index incomplete again", term)
		}
		t = time.Now()
		scan(idx, term)
		floor = append(floor, time.Since(t))
	}
	fmt.Fprintf(progress, "search: terms %q (From) and %q (Subject) find %d and %d messages in the floor's index\n",
		terms[0], terms[1], scan(idx, terms[0]), scan(idx, terms[1]))
	g, f := got.p(50), floor.p(50)
	r.measured = fmt.Sprintf("p50 %s, p99 %s (n=%d)", ms(g), ms(got.p(99)), len(got))
	r.floor = fmt.Sprintf("p50 %s: linear scan of %d entries in memory", ms(f), len(idx))
	r.ratio = ratio(g, f)
	r.met = yes(got.p(99) <= 50*time.Millisecond)
	return r, nil
}
