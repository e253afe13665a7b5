package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"popgate/session"
	"popgate/templates"
)

// handleSearch handles GET /search: the search form and, for a query, the
// matches from the session's header index, 50 a page, newest first. The
// index answers at once; while it is incomplete the page says how far it
// has got, and whether it is being rebuilt after being set aside to save
// memory, and offers to search again.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r)
	form := newSearchForm(r)
	p := templates.SearchPage{
		Meta:     s.meta(r, "Search"),
		Form:     form.SearchForm,
		Advanced: form.From != "" || form.To != "" || form.Subject != "" || form.After != "" || form.Before != "",
	}
	q, err := form.query(time.Local)
	if err != nil {
		p.Error = err.Error()
		s.render(w, r, http.StatusOK, templates.SearchView(p))
		return
	}
	if q.IsZero() {
		s.render(w, r, http.StatusOK, templates.SearchView(p))
		return
	}
	// Listing the messages keeps the connection alive, or reconnects with
	// this request's key, which lets an indexer that lost its connection
	// go on; the list also gives the read marks. Without it the results so
	// far are still worth showing.
	var reads *readView
	if msgs, err := sess.Messages(r.Context()); err != nil {
		s.log.DebugContext(r.Context(), "search: no connection", "error", err)
	} else if view, err := sess.View(r.Context()); err == nil {
		reads = s.readView(r, sess, msgs, view.Pending)
	}
	onPage := func(n int) session.SearchQuery {
		q.Offset, q.Limit = (n-1)*pageSize, pageSize
		return q
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	res, err := sess.Search(onPage(page))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	pages := max(1, (res.Matches+pageSize-1)/pageSize)
	if page > pages {
		page = pages
		if res, err = sess.Search(onPage(page)); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	p.Meta.Title = "Search: " + strings.TrimSpace(strings.Join([]string{form.Q, form.From, form.To, form.Subject}, " "))
	p.Searched = true
	p.Matches, p.Page, p.Pages = res.Matches, page, pages
	p.Indexed, p.Total, p.Complete, p.Full, p.Rebuilding = res.Indexed, res.Total, res.Complete, res.Full, res.Rebuilding
	p.AgainHref = s.searchURL(form, page)
	if page > 1 {
		p.NewerHref = s.searchURL(form, page-1)
	}
	if page < pages {
		p.OlderHref = s.searchURL(form, page+1)
	}
	now := time.Now()
	for _, h := range res.Hits {
		p.Rows = append(p.Rows, s.messageRow(h.UID, h.Size, h.Envelope, reads.isUnread(h.UID), now))
	}
	s.render(w, r, http.StatusOK, templates.SearchView(p))
}

// searchForm is the query of GET /search.
type searchForm struct {
	templates.SearchForm
}

// maxQueryLen caps each search field: nothing longer can match a header
// field the index keeps.
const maxQueryLen = 200

func newSearchForm(r *http.Request) searchForm {
	v := r.URL.Query()
	get := func(k string) string {
		s := strings.TrimSpace(v.Get(k))
		if len(s) > maxQueryLen {
			s = strings.ToValidUTF8(s[:maxQueryLen], "")
		}
		return s
	}
	return searchForm{templates.SearchForm{
		Q: get("q"), From: get("from"), To: get("to"), Subject: get("subject"),
		After: get("after"), Before: get("before"),
	}}
}

// searchFormError is a query the user can correct; its text is shown.
type searchFormError string

func (e searchFormError) Error() string { return string(e) }

// query turns the form into a session query. Dates are whole days in loc,
// both ends included.
func (f searchForm) query(loc *time.Location) (session.SearchQuery, error) {
	q := session.SearchQuery{Text: f.Q, From: f.From, To: f.To, Subject: f.Subject}
	day := func(s string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return time.Time{}, searchFormError("Enter dates as year-month-day, for example 2026-03-31.")
		}
		return t, nil
	}
	var err error
	if q.After, err = day(f.After); err != nil {
		return q, err
	}
	if q.Before, err = day(f.Before); err != nil {
		return q, err
	}
	if !q.Before.IsZero() {
		q.Before = q.Before.AddDate(0, 0, 1)
	}
	if !q.After.IsZero() && !q.Before.IsZero() && !q.After.Before(q.Before) {
		return q, searchFormError("The start date is after the end date.")
	}
	return q, nil
}

// searchURL links to page of the search f.
func (s *Server) searchURL(f searchForm, page int) string {
	v := url.Values{}
	for k, val := range map[string]string{"q": f.Q, "from": f.From, "to": f.To, "subject": f.Subject, "after": f.After, "before": f.Before} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return s.url("search?" + v.Encode())
}
