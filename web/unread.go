package web

import (
	"net/http"
	"strconv"

	"popgate/session"
	"popgate/session/readstate"
)

// account names the session's mailbox for the read-state store: the
// server's address, which stays the same when the admin reorders or
// relabels the list, and the user name.
func account(sess *session.Session) readstate.Account {
	return readstate.Account{Server: sess.Upstream().Addr, User: sess.Username()}
}

// markRead remembers that the user opened uid. A store that fails costs
// the mark, never the page: the error is logged.
func (s *Server) markRead(r *http.Request, sess *session.Session, uid string) {
	if s.readViews.isRead(sess, uid) {
		return // reopened: nothing to write
	}
	if err := s.reads.MarkRead(account(sess), uid); err != nil {
		s.log.WarnContext(r.Context(), "read state: mark read failed", "error", err)
	}
	s.readViews.forget(sess)
}

// readSet returns the UIDs the user opened, forgetting first those no
// longer on the server: all is the snapshot without, and pending the
// pending deletions (an Undo brings them back, read). On a store error every message shows
// as read, which is the quieter mistake.
func (s *Server) readSet(r *http.Request, sess *session.Session, all []session.Message, pending []string) (read map[string]bool, ok bool) {
	acct := account(sess)
	keep := make([]string, 0, len(all)+len(pending))
	for _, m := range all {
		keep = append(keep, m.UID)
	}
	keep = append(keep, pending...)
	if err := s.reads.Prune(acct, keep); err != nil {
		s.log.WarnContext(r.Context(), "read state: prune failed", "error", err)
	}
	read, err := s.reads.Read(acct)
	if err != nil {
		s.log.WarnContext(r.Context(), "read state: read failed", "error", err)
		return nil, false
	}
	return read, true
}

// handleMarkUnread handles POST /message/{uid}/unread: the message shows
// as unread again; back to the inbox page that lists it.
func (s *Server) handleMarkUnread(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r)
	uid := uidParam(r)
	msgs, err := sess.Messages(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	page := pageOf(msgs, uid)
	if page == 0 {
		s.renderError(w, r, errMessageGone)
		return
	}
	if err := s.reads.MarkUnread(account(sess), uid); err != nil {
		s.log.ErrorContext(r.Context(), "read state: mark unread failed", "error", err)
		s.renderError(w, r, errInternal)
		return
	}
	s.readViews.forget(sess)
	http.Redirect(w, r, s.inboxURL(page, "done=unread"), http.StatusSeeOther)
}

// pageOf returns the inbox page (newest first) that lists uid, 0 when the
// snapshot does not hold it.
func pageOf(msgs []session.Message, uid string) int {
	for i, m := range msgs {
		if m.UID == uid {
			return (len(msgs)-1-i)/pageSize + 1
		}
	}
	return 0
}

// inboxURL is the address of inbox page n with an optional extra query
// ("done=unread").
func (s *Server) inboxURL(page int, query string) string {
	q := ""
	if page > 1 {
		q = "page=" + strconv.Itoa(page)
	}
	if query != "" {
		if q != "" {
			q += "&"
		}
		q += query
	}
	if q == "" {
		return s.url("")
	}
	return s.url("?" + q)
}
