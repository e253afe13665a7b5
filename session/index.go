package session

import (
	"strings"
	"sync"
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
// Entries are a slice aligned with the snapshot (state.msgs), rebuilt by
// UID when a new snapshot comes (reconnect, Refresh): numbers change, UIDs
// don't, so entries already indexed are kept and only new UIDs are
// fetched. A message pending deletion keeps its entry, flagged gone, so
// that Undo brings it back to the results without a fetch.
//
// Memory: an entry costs its struct (64 bytes) plus its text (From name,
// address, Subject, To and Cc), which Search lower-cases as it scans
// rather than keep a lower-case copy: some 150 to 250 bytes for ordinary
// mail. maxIndexBytes caps a session at about 80,000 such messages. The
// background indexer goes newest first, so beyond the cap it stops and the
// oldest messages stay out of Search (the result says so with Full); the
// inbox still shows their pages, fetching and parsing their headers as it
// did before there was an index.
const maxIndexBytes = 16 << 20

// entry flags.
const (
	fIndexed  uint8 = 1 << iota // the envelope below is filled in
	fGone                       // pending deletion: not listed, not found
	fAttach                     // HasAttachment
	fFromText                   // name holds FromText: no address was read
	fDate                       // date and zone hold the Date
)

// entry is one message of the index. It holds no pointers but its strings,
// so a large index is cheap for the garbage collector to scan.
type entry struct {
	uid  string // shared with the snapshot's Message.UID
	size int64
	// text is From name, From address, Subject (as shown) and To and Cc,
	// one after the other; nameLen, addrLen and subjLen say where they
	// part.
	text    string
	date    int64 // unix seconds
	nameLen uint16
	addrLen uint16
	subjLen uint16
	zone    int16 // the Date's UTC offset in minutes
	flags   uint8
}

const entrySize = int(unsafe.Sizeof(entry{}))

// maxField caps each field kept in an entry; header blocks are cut at
// 64 KiB already, so only hostile mail reaches it.
const maxField = 4 << 10

// cost is what e adds to the index's bytes.
func (e *entry) cost() int { return entrySize + len(e.text) }

// newEntry compacts env into an entry for uid.
func newEntry(uid string, size int64, env Envelope) entry {
	name, addr := env.FromName, env.FromAddr
	e := entry{uid: uid, size: size, flags: fIndexed}
	if name == "" && addr == "" {
		name = env.FromText
		e.flags |= fFromText
	}
	name, addr = clip(name), clip(addr)
	subj := clip(env.Subject)
	e.text = name + addr + subj + clip(env.To)
	e.nameLen, e.addrLen, e.subjLen = uint16(len(name)), uint16(len(addr)), uint16(len(subj))
	if !env.Date.IsZero() {
		_, off := env.Date.Zone()
		e.date, e.zone = env.Date.Unix(), int16(off/60)
		e.flags |= fDate
	}
	if env.HasAttachment {
		e.flags |= fAttach
	}
	return e
}

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

// appendField appends to dst field f of e, lower-cased as fold does.
func (e *entry) appendField(dst []byte, f int) []byte {
	n, a := int(e.nameLen), int(e.nameLen)+int(e.addrLen)
	j := a + int(e.subjLen)
	switch f {
	case fieldFrom:
		dst = appendFold(dst, e.text[:n])
		dst = append(dst, ' ')
		return appendFold(dst, e.text[n:a])
	case fieldTo:
		return appendFold(dst, e.text[j:])
	}
	return appendFold(dst, e.text[a:j])
}

// searchKey appends to dst e's fields as Search compares them: From, NUL,
// To and Cc, NUL, Subject. NUL, which separates them, can't occur inside
// one.
func (e *entry) searchKey(dst []byte) []byte {
	dst = append(e.appendField(dst, fieldFrom), 0)
	dst = append(e.appendField(dst, fieldTo), 0)
	return e.appendField(dst, fieldSubject)
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

// envelope expands e again. It doesn't allocate for whole-hour offsets
// (time.FixedZone caches them), and To stays empty.
func (e *entry) envelope() Envelope {
	if e.flags&fIndexed == 0 {
		return Envelope{}
	}
	n, a := int(e.nameLen), int(e.nameLen)+int(e.addrLen)
	env := Envelope{Subject: e.text[a : a+int(e.subjLen)], HasAttachment: e.flags&fAttach != 0}
	if e.flags&fFromText != 0 {
		env.FromText = e.text[:n]
	} else {
		env.FromName, env.FromAddr = e.text[:n], e.text[n:a]
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
// while taking index.mu, never the other way round.
type index struct {
	mu      sync.RWMutex
	entries []entry // aligned with state.msgs
	gen     uint64  // counts rebuilds, so a batch fetched before one is dropped
	bytes   int     // sum of the entries' cost
	full    bool    // an entry was refused for maxIndexBytes
	ended   bool    // the session ended; the index is empty for good
}

// rebuild aligns the index with a new snapshot msgs, keeping the entries
// of UIDs that were in the old one (oldPos finds their old positions) and
// flagging those in pending as gone.
func (x *index) rebuild(msgs []Message, oldPos uidIndex, pending map[string]bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	old := x.entries
	entries := make([]entry, len(msgs))
	bytes := 0
	for i, m := range msgs {
		if j, ok := oldPos.lookup(m.UID); ok && j < len(old) && old[j].uid == m.UID {
			entries[i] = old[j]
		}
		e := &entries[i]
		e.uid, e.size = m.UID, m.Size
		e.flags &^= fGone
		if _, gone := pending[m.UID]; gone {
			e.flags |= fGone
		}
		bytes += e.cost()
	}
	x.entries, x.bytes = entries, bytes
	x.gen++
	if x.bytes < maxIndexBytes*3/4 {
		x.full = false // mail went away: there is room again
	}
}

// store puts env at position pos if it is still uid's and the cap allows;
// it reports whether the entry is kept. The caller holds x.mu.
func (x *index) store(pos int, uid string, env Envelope) bool {
	if pos >= len(x.entries) || x.entries[pos].uid != uid {
		return false
	}
	old := &x.entries[pos]
	e := newEntry(uid, old.size, env)
	e.flags |= old.flags & fGone
	if x.bytes-old.cost()+e.cost() > maxIndexBytes {
		x.full = true
		return false
	}
	x.bytes += e.cost() - old.cost()
	*old = e
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

// wipe empties the index for good (sign-out).
func (x *index) wipe() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.entries, x.bytes, x.ended = nil, 0, true
}

// lookup returns the envelope at pos if indexed.
func (x *index) lookup(pos int) (Envelope, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if pos >= len(x.entries) || x.entries[pos].flags&fIndexed == 0 {
		return Envelope{}, false
	}
	return x.entries[pos].envelope(), true
}
