package web

import (
	"fmt"
	"net/http"
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
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = min(max(page, 1), pages)

	// Newest first: the server lists oldest first.
	start := len(msgs) - (page-1)*pageSize
	end := max(0, start-pageSize)
	uids := make([]string, 0, start-end)
	for i := start - 1; i >= end; i-- {
		uids = append(uids, msgs[i].UID)
	}
	sums, sizes, err := pageSummaries(ctx, sess, msgs[end:start])
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	reads := s.readView(r, sess, msgs)
	unread := reads.unread

	now := time.Now()
	p := templates.InboxPage{
		Meta:           s.meta(r, "Inbox"),
		Total:          len(msgs),
		Page:           page,
		Pages:          pages,
		Pending:        len(sess.Pending()),
		Snapshot:       sess.SnapshotTime(),
		SnapshotText:   "as of " + sess.SnapshotTime().Local().Format("15:04"),
		SyntheticIDs:   sess.SyntheticIDs(),
		Notice:         expireNotice(sess.Capabilities()),
		Unread:         unread,
		AllSelected:    r.URL.Query().Get("select") == "all",
		SelectAllHref:  s.inboxURL(page, "select=all") + "#messages",
		SelectNoneHref: s.inboxURL(page, "") + "#messages",
	}
	p.Meta.Flash, p.Meta.FlashUndo = flash(r)
	if unread > 0 {
		p.Meta.Title = fmt.Sprintf("Inbox (%d unread)", unread)
	}
	if page > 1 {
		p.PrevHref = s.inboxURL(page-1, "")
	}
	if page < pages {
		p.NextHref = s.inboxURL(page+1, "")
	}
	for _, uid := range uids {
		sum := sums[uid]
		p.Rows = append(p.Rows, templates.MessageRow{
			UID:           uid,
			Href:          s.messageURL(uid, ""),
			From:          displayName(sum),
			FromTitle:     sum.From.String(),
			Subject:       sum.Subject,
			DateText:      shortDate(sum.Date, now),
			DateTitle:     fullDate(sum.Date),
			DateISO:       isoDate(sum.Date),
			Unread:        reads.ok && !reads.read[uid],
			SizeText:      humanSize(sizes[uid]),
			HasAttachment: sum.HasAttachment,
		})
	}
	s.render(w, r, http.StatusOK, templates.InboxView(p))
}

// flash turns the outcome a POST redirected with into a notice. Only fixed
// words are shown; the query carries a key and a count.
func flash(r *http.Request) (text string, undo bool) {
	q := r.URL.Query()
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
