package web

import (
	"net/http"
	"sync"
	"time"

	"popgate/session"
)

// readViews keeps, per session, which of the listed messages are read and
// how many are not, so that paging through a large mailbox costs a lookup
// per row rather than a pass over the whole mailbox and the store per page.
// An entry is good for one list of messages (Session.Messages returns a new
// slice whenever the snapshot or the pending deletions change) and is
// dropped when the user opens or marks a message, which changes the counts.
type readViews struct {
	mu        sync.Mutex
	m         map[string]*readView
	lastSweep time.Time
}

// readView is what one inbox listing needs from the store.
type readView struct {
	msgs   []session.Message // the list it was built for, kept to compare
	read   map[string]bool   // read UIDs among msgs
	unread int
	ok     bool // the store answered; otherwise every row shows read
	used   time.Time
}

// readViewIdle is how long an unused entry stays: longer than any session
// lives idle, so only ended sessions lose theirs.
const readViewIdle = 2 * time.Hour

// sameList tells whether a and b are the very same slice, not merely equal:
// the session hands out one slice per state of the mailbox.
func sameList(a, b []session.Message) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}

// readView returns the read marks for msgs, the session's current list,
// building them once per list: it first forgets the marks of messages no
// longer on the server (pending deletions stay, since Undo brings them
// back read).
func (s *Server) readView(r *http.Request, sess *session.Session, msgs []session.Message) *readView {
	now := time.Now()
	v := &s.readViews
	v.mu.Lock()
	e := v.m[sess.ID()]
	if e != nil && sameList(e.msgs, msgs) {
		e.used = now
		v.mu.Unlock()
		return e
	}
	v.mu.Unlock()

	e = &readView{msgs: msgs, used: now}
	read, ok := s.readSet(r, sess, msgs)
	if ok {
		e.ok = true
		e.read = make(map[string]bool, min(len(read), len(msgs)))
		for _, m := range msgs {
			if read[m.UID] {
				e.read[m.UID] = true
			}
		}
		e.unread = len(msgs) - len(e.read)
	}

	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = make(map[string]*readView)
	}
	v.m[sess.ID()] = e
	if now.Sub(v.lastSweep) > readViewIdle/4 {
		v.lastSweep = now
		for id, old := range v.m {
			if now.Sub(old.used) > readViewIdle {
				delete(v.m, id)
			}
		}
	}
	return e
}

// isRead tells whether the user opened uid, as of the last listing; false
// when there was none.
func (v *readViews) isRead(sess *session.Session, uid string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	e := v.m[sess.ID()]
	return e != nil && e.read[uid]
}

// forget drops the session's entry, after a mark changed or at sign-out.
func (v *readViews) forget(sess *session.Session) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.m, sess.ID())
}
