package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"popgate/pop3"
	"popgate/templates"
)

// pageSize is how many messages an inbox page lists.
const pageSize = 50

// handleInbox handles GET /: the snapshot newest first, 50 a page
// ("?page=n"), unread ones marked; "&select=all" renders every checkbox of
// the page checked, so that selecting all needs no script.
func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r)
	ctx := r.Context()
	msgs, err := sess.Messages(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	pages := max(1, (len(msgs)+pageSize-1)/pageSize)
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = min(max(page, 1), pages)
	// Everything else the page needs from the session is read before the
	// envelopes: the first Envelopes lets the header indexer begin, and
	// the page must not wait for its batches afterwards.
	view, err := sess.View(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	reads := s.readView(r, sess, msgs, view.Pending)

	// Newest first: the server lists oldest first.
	start := len(msgs) - (page-1)*pageSize
	end := max(0, start-pageSize)
	envs, err := pageEnvelopes(ctx, sess, msgs[end:start])
	if err != nil {
		s.renderError(w, r, err)
		return
	}

	now := time.Now()
	p := templates.InboxPage{
		Meta:           s.meta(r, "Inbox"),
		Total:          len(msgs),
		Page:           page,
		Pages:          pages,
		Pending:        len(view.Pending),
		SnapshotText:   "as of " + view.SnapshotTime.Local().Format("15:04"),
		SyntheticIDs:   view.SyntheticIDs,
		Notice:         expireNotice(view.Capabilities),
		Unread:         reads.unread,
		AllSelected:    q.Get("select") == "all",
		SelectAllHref:  s.inboxURL(page, "select=all") + "#messages",
		SelectNoneHref: s.inboxURL(page, "") + "#messages",
		Rows:           make([]templates.MessageRow, 0, start-end),
	}
	p.Meta.Flash, p.Meta.FlashUndo = flashOf(q)
	if reads.unread > 0 {
		p.Meta.Title = "Inbox (" + strconv.Itoa(reads.unread) + " unread)"
	}
	if page > 1 {
		p.NewerHref = s.inboxURL(page-1, "")
	}
	if page < pages {
		p.OlderHref = s.inboxURL(page+1, "")
	}
	for i := start - 1; i >= end; i-- {
		m := msgs[i]
		p.Rows = append(p.Rows, s.messageRow(m.UID, m.Size, envs[i-end], reads.isUnread(m.UID), now))
	}
	s.render(w, r, http.StatusOK, templates.InboxView(p))
}

// flashOf turns the outcome a POST redirected with, in query q, into a
// notice. Only fixed words are shown; the query carries a key and a count.
func flashOf(q url.Values) (text string, undo bool) {
	n, _ := strconv.Atoi(q.Get("n"))
	switch q.Get("done") {
	case "deleted":
		if n <= 1 {
			return "Message deleted.", true
		}
		return fmt.Sprintf("%d messages deleted.", n), true
	case "none":
		return "No messages were selected.", false
	case "undone":
		return "Deletions undone: every message is back.", false
	case "refreshed":
		return "Mailbox refreshed.", false
	case "unread":
		return "Message marked as unread.", false
	}
	return "", false
}

// expireNotice warns when the server may remove mail that was read.
func expireNotice(caps pop3.Capabilities) string {
	if days, never, ok := caps.Expire(); ok && !never && days == 0 {
		return "Your mail server may delete messages once they have been read (it announces EXPIRE 0)."
	}
	return ""
}
