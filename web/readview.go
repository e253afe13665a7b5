package web

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"popgate/session"
)

// readViews keeps, per session, which of the listed messages are read and
// how many are not, so that paging through a large mailbox costs a lookup
// per row rather than a pass over the whole mailbox and the store per page.
// An entry is good for one list of messages (Session.Messages returns a new
// slice whenever the snapshot or the pending deletions change) and is
// dropped when the user opens or marks a message, which changes the counts,
// and when the session ends, however it ends (see Server.sessionEnded).
//
// Every page looks its session's entry up, so the entries sit in a
// sync.Map: with one mutex, 50 users' pages on two cores queued behind
// whichever of them was descheduled holding it.
type readViews struct {
	m         sync.Map     // session id -> *readView
	sweepMu   sync.Mutex   // one sweep at a time
	lastSweep atomic.Int64 // unix ns of the last sweep
}

// readView is what one inbox listing needs from the store. Only used
// changes once it is shared.
type readView struct {
	msgs   []session.Message // the list it was built for, kept to compare
	read   map[string]bool   // read UIDs among msgs
	unread int
	ok     bool         // the store answered; otherwise every row shows read
	used   atomic.Int64 // unix ns of the last page that used it
}

// readViewIdle is how long an unused entry stays: longer than any session
// lives idle. An entry goes when its session ends (sessionEnded); this is
// only the backstop.
const readViewIdle = 2 * time.Hour

// sameList tells whether a and b are the very same slice, not merely equal:
// the session hands out one slice per state of the mailbox.
func sameList(a, b []session.Message) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}

// readView returns the read marks for msgs, the session's current list
// (pending the UIDs pending deletion),
// building them once per list: it first forgets the marks of messages no
// longer on the server (pending deletions stay, since Undo brings them
// back read).
func (s *Server) readView(r *http.Request, sess *session.Session, msgs []session.Message, pending []string) *readView {
	now := time.Now().UnixNano()
	v := &s.readViews
	if e, ok := v.m.Load(sess.ID()); ok && sameList(e.(*readView).msgs, msgs) {
		e.(*readView).used.Store(now)
		return e.(*readView)
	}

	e := &readView{msgs: msgs}
	e.used.Store(now)
	read, ok := s.readSet(r, sess, msgs, pending)
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
	v.m.Store(sess.ID(), e)
	if sess.Ended() {
		// It ended while the page was built, and sessionEnded may have
		// come and gone: nobody else would drop the entry.
		v.m.CompareAndDelete(sess.ID(), e)
	}
	v.sweep(now)
	return e
}

// sweep drops the entries unused for readViewIdle, at most every quarter
// of that.
func (v *readViews) sweep(now int64) {
	if now-v.lastSweep.Load() <= int64(readViewIdle/4) || !v.sweepMu.TryLock() {
		return
	}
	defer v.sweepMu.Unlock()
	v.lastSweep.Store(now)
	v.m.Range(func(id, e any) bool {
		if now-e.(*readView).used.Load() > int64(readViewIdle) {
			v.m.CompareAndDelete(id, e)
		}
		return true
	})
}

// isRead reports whether the session's current entry has uid read.
func (v *readViews) isRead(sess *session.Session, uid string) bool {
	e, ok := v.m.Load(sess.ID())
	return ok && e.(*readView).read[uid]
}

// forget drops the session's entry: its counts changed.
func (v *readViews) forget(sess *session.Session) {
	v.m.Delete(sess.ID())
}

// drop drops the entry of session id, which ended.
func (v *readViews) drop(id string) {
	v.m.Delete(id)
}

// isUnread tells whether uid is to be shown unread: not opened, as far as
// the store answered (a nil view or a failed store shows every message
// read, the quieter mistake).
func (e *readView) isUnread(uid string) bool {
	return e != nil && e.ok && !e.read[uid]
}
