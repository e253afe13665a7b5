package session

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// The header index keeps, for every message of the snapshot, its decoded
// Envelope in a compact entry, so that the inbox never fetches or parses a
// header twice and Search is a scan of memory that never waits for the
// POP3 connection.
//
// Entries are a slice aligned with the snapshot (state.msgs, which the
// index shares for UIDs and sizes), rebuilt by UID when a new snapshot
// comes (reconnect, Refresh): numbers change, UIDs don't, so entries
// already indexed are kept and only new UIDs are fetched. A message
// pending deletion keeps its entry, flagged gone, so that Undo brings it
// back to the results without a fetch.
//
// Memory: an entry is 24 bytes without a pointer: the Date, flags and the
// offsets of its Subject, From and To records in the index's arena
// (arena.go), where each sender and each set of recipients is stored once
// however many messages it has. Search lower-cases as it scans rather
// than keep a lower-case copy. A real mailbox costs some 55 bytes a
// message, resident, the arena's chunks and tables included, and one
// where every message has a sender of its own under 100
// (BenchmarkIndexRSS measures both). All sessions' indexes share the
// Manager's budget, Config.IndexMemory, which sets the least recently
// active sessions' indexes aside when they would exceed it (budget.go).
// One index alone is also capped, at maxIndexBytes or the budget if less:
// some 250,000 messages. The background indexer goes newest first, so
// beyond the cap it stops and the oldest messages stay out of Search (the
// result says so with Full); the inbox still shows their pages, fetching
// and parsing their headers as it did before there was an index.
const maxIndexBytes = 16 << 20

// entry flags.
const (
	fIndexed  uint8 = 1 << iota // the envelope below is filled in
	fGone                       // pending deletion: not listed, not found
	fAttach                     // HasAttachment
	fFromText                   // the From record holds FromText and "": no address was read
	fDate                       // date and zone hold the Date
)

// entry is one message of the index: offsets into the index's arena, so
// that the garbage collector has nothing to scan in a large index.
type entry struct {
	date  int64  // unix seconds
	subj  uint32 // the Subject record (as shown)
	from  uint32 // the From record: name and address
	to    uint32 // the To record: To and Cc
	zone  int16  // the Date's UTC offset in minutes
	flags uint8
}

const entrySize = int(unsafe.Sizeof(entry{}))

// maxField caps each field kept in an entry; header blocks are cut at
// 64 KiB already, so only hostile mail reaches it.
const maxField = 4 << 10

// clip cuts s to maxField bytes at a rune boundary.
func clip(s string) string {
	if len(s) <= maxField {
		return s
	}
	return strings.ToValidUTF8(s[:maxField], "")
}

// The fields of an entry as Search compares them (see appendField).
const (
	fieldFrom    = iota // name, a space, address
	fieldTo             // To and Cc
	fieldSubject        // Subject
)

// appendField appends to dst field f of e, lower-cased as fold does. The
// caller holds x.mu.
func (x *index) appendField(dst []byte, e *entry, f int) []byte {
	switch f {
	case fieldFrom:
		name, addr := x.text.str2(e.from)
		dst = appendFold(dst, name)
		dst = append(dst, ' ')
		return appendFold(dst, addr)
	case fieldTo:
		to, _ := x.text.str(e.to)
		return appendFold(dst, to)
	}
	subj, _ := x.text.str(e.subj)
	return appendFold(dst, subj)
}

// searchKey appends to dst e's fields as Search compares them: From, NUL,
// To and Cc, NUL, Subject. NUL, which separates them, can't occur inside
// one. The caller holds x.mu.
func (x *index) searchKey(dst []byte, e *entry) []byte {
	dst = append(x.appendField(dst, e, fieldFrom), 0)
	dst = append(x.appendField(dst, e, fieldTo), 0)
	return x.appendField(dst, e, fieldSubject)
}

// appendFold appends fold(s) to dst without allocating, but for s with a
// NUL. Around the space between name and address, folding the parts
// apart equals folding them together: an ASCII byte never joins a rune.
func appendFold(dst []byte, s string) []byte {
	if strings.IndexByte(s, 0) >= 0 {
		return append(dst, fold(s)...)
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			// strings.ToLower maps rune by rune, invalid bytes to U+FFFD,
			// as ranging over the string does.
			for _, r := range s[i:] {
				dst = utf8.AppendRune(dst, unicode.ToLower(r))
			}
			return dst
		}
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		dst = append(dst, ch)
	}
	return dst
}

// fold is how both the index and queries are lower-cased.
func fold(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "\x00", ""))
}

// envelope expands e again; its strings point into the arena. It doesn't
// allocate for whole-hour offsets (time.FixedZone caches them), and To
// stays empty. The caller holds x.mu.
func (x *index) envelope(e *entry) Envelope {
	if e.flags&fIndexed == 0 {
		return Envelope{}
	}
	name, addr := x.text.str2(e.from)
	subj, _ := x.text.str(e.subj)
	env := Envelope{Subject: subj, HasAttachment: e.flags&fAttach != 0}
	if e.flags&fFromText != 0 {
		env.FromText = name
	} else {
		env.FromName, env.FromAddr = name, addr
		env.FromText = env.FromName
		if env.FromText == "" {
			env.FromText = env.FromAddr
		}
	}
	if e.flags&fDate != 0 {
		env.Date = time.Unix(e.date, 0).In(time.FixedZone("", int(e.zone)*60))
	}
	return env
}

// index is a session's header index. Its own RWMutex lets Search read it
// while the session's connection is busy. Lock order: state.mu may be held
// while taking index.mu, never the other way round, and no other lock is
// taken while index.mu is held.
type index struct {
	mu      sync.RWMutex
	msgs    []Message // the snapshot the entries are aligned with; read-only
	entries []entry
	text    arena
	gen     uint64 // counts rebuilds, so a batch fetched before one is dropped
	bytes   int    // what entries and text hold
	indexed int    // entries indexed
	dropped int    // indexed entries a new snapshot left out: their text is garbage
	full    bool   // an entry was refused for the cap
	ended   bool   // the session ended; the index is empty for good
	// evicted says the index was set aside for the budget: entries and
	// text are gone until restore, and total is what Search reports
	// meanwhile, the messages it had then (pending deletions not counted).
	// rebuilt says it was brought back since, so that Search says it is
	// being rebuilt until it is complete.
	evicted, rebuilt bool
	total            int
	budget           *indexBudget // the Manager's; nil for an index without one
	// size is bytes, for the budget's eviction pass, which doesn't lock.
	size atomic.Int64
	// wanted says Search asked for the index back while the session was
	// busy: the request that holds it restores it when it lets go.
	wanted atomic.Bool
}

// limit is the cap on the index's bytes.
func (x *index) limit() int {
	if x.budget != nil && x.budget.limit < maxIndexBytes {
		return int(x.budget.limit)
	}
	return maxIndexBytes
}

// account brings bytes, size and the budget up to date after a change.
// The caller holds x.mu.
func (x *index) account() {
	n := cap(x.entries)*entrySize + x.text.bytes()
	if x.budget != nil {
		x.budget.used.Add(int64(n - x.bytes))
	}
	x.bytes = n
	x.size.Store(int64(n))
}

// rebuild aligns the index with a new snapshot msgs, keeping the entries
// of UIDs that were in the old one (oldPos finds their old positions) and
// flagging those in pending as gone. b is the budget the index counts
// against (nil for none). An index set aside for the budget stays so.
func (x *index) rebuild(b *indexBudget, msgs []Message, oldPos uidIndex, pending map[string]bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.budget = b
	old, oldMsgs := x.entries, x.msgs
	x.msgs = msgs
	x.gen++
	if x.evicted {
		x.total = len(msgs) - len(pending)
		return
	}
	entries := make([]entry, len(msgs))
	indexed := 0
	for i, m := range msgs {
		if j, ok := oldPos.lookup(m.UID); ok && j < len(old) && oldMsgs[j].UID == m.UID {
			entries[i] = old[j]
			if entries[i].flags&fIndexed != 0 {
				indexed++
			}
		}
		e := &entries[i]
		e.flags &^= fGone
		if _, gone := pending[m.UID]; gone {
			e.flags |= fGone
		}
	}
	x.dropped += x.indexed - indexed
	x.entries, x.indexed = entries, indexed
	if x.dropped > x.indexed {
		x.compact()
	}
	x.account()
	if x.bytes < x.limit()*3/4 {
		x.full = false // mail went away: there is room again
	}
}

// compact copies the text of the entries into a new arena, leaving behind
// what entries no longer in the snapshot left. The caller holds x.mu.
func (x *index) compact() {
	var t arena
	for i := range x.entries {
		e := &x.entries[i]
		if e.flags&fIndexed == 0 {
			continue
		}
		subj, _ := x.text.str(e.subj)
		name, addr := x.text.str2(e.from)
		to, _ := x.text.str(e.to)
		e.subj, e.from, e.to = t.add(subj), t.intern(&t.from, name, addr), t.intern(&t.to, to)
	}
	x.text, x.dropped = t, 0
}

// store puts env at position pos if it is still uid's, not indexed yet,
// and the cap allows; it reports whether the entry is indexed now. The
// caller holds x.mu.
func (x *index) store(pos int, uid string, env Envelope) bool {
	if pos >= len(x.entries) || x.msgs[pos].UID != uid {
		return false
	}
	e := &x.entries[pos]
	if e.flags&fIndexed != 0 {
		return true
	}
	name, addr := env.FromName, env.FromAddr
	flags := fIndexed | e.flags&fGone
	if name == "" && addr == "" {
		name = env.FromText
		flags |= fFromText
	}
	name, addr = clip(name), clip(addr)
	subj, to := clip(env.Subject), clip(env.To)
	// At most this much: records and their lengths, none interned.
	if x.bytes+len(name)+len(addr)+len(subj)+len(to)+12 > x.limit() {
		x.full = true
		return false
	}
	*e = entry{
		subj:  x.text.add(subj),
		from:  x.text.intern(&x.text.from, name, addr),
		to:    x.text.intern(&x.text.to, to),
		flags: flags,
	}
	if !env.Date.IsZero() {
		_, off := env.Date.Zone()
		e.date, e.zone = env.Date.Unix(), int16(off/60)
		e.flags |= fDate
	}
	if env.HasAttachment {
		e.flags |= fAttach
	}
	x.indexed++
	x.account()
	return true
}

// setGone flags the entries of uids (by position) as pending deletion or
// back. The caller holds state.mu, so positions are current.
func (x *index) setGone(pos []int, gone bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, p := range pos {
		if p < len(x.entries) {
			if gone {
				x.entries[p].flags |= fGone
			} else {
				x.entries[p].flags &^= fGone
			}
		}
	}
}

// clearGone brings every entry back (Undo).
func (x *index) clearGone() {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range x.entries {
		x.entries[i].flags &^= fGone
	}
}

// release lets go of the entries and their text. The caller holds x.mu.
func (x *index) release() {
	x.entries, x.text, x.indexed, x.dropped = nil, arena{}, 0, 0
	x.account()
}

// wipe empties the index for good (sign-out).
func (x *index) wipe() {
	x.mu.Lock()
	defer x.mu.Unlock()
	freed := x.bytes
	x.release()
	x.msgs, x.ended = nil, true
	if freed > 0 {
		x.budget.released()
	}
}

// evict sets the index aside for the budget and reports the bytes it
// held, 0 if it held none or the session ended.
func (x *index) evict() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ended || x.evicted || x.bytes == 0 {
		return 0
	}
	freed, total := x.bytes, 0
	for i := range x.entries {
		if x.entries[i].flags&fGone == 0 {
			total++
		}
	}
	x.release()
	x.evicted, x.rebuilt, x.total, x.full = true, false, total, false
	x.gen++
	return freed
}

// restore brings back an index that was set aside, with no entry indexed
// yet and those in pending flagged gone, and reports whether it did. The
// caller holds state.mu.
func (x *index) restore(pending map[string]bool) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.wanted.Store(false)
	if !x.evicted || x.ended {
		return false
	}
	x.entries = make([]entry, len(x.msgs))
	for i, m := range x.msgs {
		if _, gone := pending[m.UID]; gone {
			x.entries[i].flags = fGone
		}
	}
	x.evicted, x.rebuilt = false, true
	x.gen++
	x.account()
	return true
}

// lookup returns the envelope at pos if indexed.
func (x *index) lookup(pos int) (Envelope, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if pos >= len(x.entries) || x.entries[pos].flags&fIndexed == 0 {
		return Envelope{}, false
	}
	return x.envelope(&x.entries[pos]), true
}
