package session

import (
	"bytes"
	"strings"
	"time"
)

// SearchQuery is what Search looks for. Every non-empty part must match.
// Matching is by substring and ignores case.
type SearchQuery struct {
	// Text matches when each of its words occurs in From, To/Cc or
	// Subject (not necessarily the same one).
	Text string
	// From, To and Subject match when the phrase occurs in that field; To
	// covers To and Cc, From the name and the address.
	From, To, Subject string
	// After and Before bound the Date: After <= Date < Before; a zero
	// bound is open. A message without a readable Date matches no bound.
	After, Before time.Time
	// Offset and Limit pick the window of matches returned in
	// SearchResult.Hits, newest first; Limit 0 returns none (counts only).
	Offset, Limit int
}

// IsZero reports whether q asks for nothing: no text, fields or dates.
func (q SearchQuery) IsZero() bool {
	return strings.TrimSpace(q.Text+q.From+q.To+q.Subject) == "" && q.After.IsZero() && q.Before.IsZero()
}

// Hit is one message Search found.
type Hit struct {
	UID  string
	Size int64 // octets as LIST reports them
	// Envelope is the message's index entry; its To is empty.
	Envelope
}

// SearchResult is what Search found among the messages indexed so far.
type SearchResult struct {
	// Hits is the window of matches that SearchQuery.Offset and Limit ask
	// for, newest first.
	Hits []Hit
	// Matches counts all matches.
	Matches int
	// Indexed is how many messages were searched, out of Total in the
	// snapshot (pending deletions count in neither).
	Indexed, Total int
	// Complete says every message was searched (Indexed == Total).
	Complete bool
	// Full says the index reached its memory cap: the oldest messages are
	// left out for as long as the session lasts (see maxIndexBytes).
	Full bool
	// Indexing says the background indexer is at work. When the result is
	// neither Complete nor Full and nothing is indexing, the indexer waits
	// for a connection: any request that uses one (Messages) resumes it.
	Indexing bool
	// Rebuilding says the index had been set aside to keep all sessions'
	// indexes within their memory budget (Config.IndexMemory) and is being
	// built again, starting with this search: the result covers what is
	// indexed so far.
	Rebuilding bool
}

// Search scans the session's header index for q. It never waits for the
// POP3 connection: while the background indexer is still at work it
// answers from what is indexed, and SearchResult says how far that is.
// Messages pending deletion are never found. It doesn't perform I/O, and
// a first Search starts the indexer if it was waiting for the inbox, or
// rebuilds an index that was set aside for the memory budget. It returns
// ErrNoSession after sign-out.
func (s *Session) Search(q SearchQuery) (SearchResult, error) {
	st := s.st
	st.startSignal()
	m := newMatcher(q)
	x := &st.idx
	x.mu.RLock()
	evicted := x.evicted
	x.mu.RUnlock()
	if evicted {
		st.wantIndex()
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.ended {
		return SearchResult{}, ErrNoSession
	}
	if x.evicted {
		// The session is busy: the request that holds it rebuilds it.
		return SearchResult{Total: x.total, Rebuilding: true}, nil
	}
	var r SearchResult
	for i := len(x.entries) - 1; i >= 0; i-- {
		e := &x.entries[i]
		if e.flags&fGone != 0 {
			continue
		}
		r.Total++
		if e.flags&fIndexed == 0 {
			continue
		}
		r.Indexed++
		if !m.match(x, e) {
			continue
		}
		if r.Matches >= q.Offset && len(r.Hits) < q.Limit {
			msg := &x.msgs[i]
			r.Hits = append(r.Hits, Hit{UID: msg.UID, Size: msg.Size, Envelope: x.envelope(e)})
		}
		r.Matches++
	}
	r.Complete = r.Indexed == r.Total
	r.Full = x.full
	r.Indexing = st.indexing.Load()
	r.Rebuilding = x.rebuilt && !r.Complete
	return r, nil
}

// matcher is a SearchQuery folded once for the scan.
type matcher struct {
	words                [][]byte
	from, to, subject    []byte
	after, before        int64
	hasAfter, hasBefore  bool
	fields, dates, empty bool
	key                  []byte // scratch: the entry's searchKey
}

func newMatcher(q SearchQuery) matcher {
	m := matcher{
		from:    []byte(strings.Join(strings.Fields(fold(q.From)), " ")),
		to:      []byte(strings.Join(strings.Fields(fold(q.To)), " ")),
		subject: []byte(strings.Join(strings.Fields(fold(q.Subject)), " ")),
	}
	for _, w := range strings.Fields(fold(q.Text)) {
		m.words = append(m.words, []byte(w))
	}
	m.fields = len(m.from) > 0 || len(m.to) > 0 || len(m.subject) > 0
	if !q.After.IsZero() {
		m.after, m.hasAfter = q.After.Unix(), true
	}
	if !q.Before.IsZero() {
		m.before, m.hasBefore = q.Before.Unix(), true
	}
	m.dates = m.hasAfter || m.hasBefore
	m.empty = len(m.words) == 0 && !m.fields && !m.dates
	return m
}

// match reports whether e, which is indexed in x, matches. An empty
// query matches nothing. The caller holds x.mu.
func (m *matcher) match(x *index, e *entry) bool {
	if m.empty {
		return false
	}
	if m.dates {
		if e.flags&fDate == 0 || (m.hasAfter && e.date < m.after) || (m.hasBefore && e.date >= m.before) {
			return false
		}
	}
	if len(m.words) > 0 {
		m.key = x.searchKey(m.key[:0], e)
		for _, w := range m.words {
			if !bytes.Contains(m.key, w) {
				return false
			}
		}
	}
	// Fold only the fields asked for: most searches name one or two.
	for f, want := range [...][]byte{fieldFrom: m.from, fieldTo: m.to, fieldSubject: m.subject} {
		if len(want) == 0 {
			continue
		}
		m.key = x.appendField(m.key[:0], e, f)
		if !bytes.Contains(m.key, want) {
			return false
		}
	}
	return true
}
