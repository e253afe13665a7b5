package session

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"unsafe"
)

// arena holds the text of a header index: records, each one or two
// strings with a uvarint length before each, one after the other in
// chunks of memory. A record is found by a uint32 offset, its chunk's
// number times 64 KiB plus its position there, so that an index entry
// holds three offsets and no pointer, and the garbage collector scans
// none of it. Chunks start at 1 KiB and double up to 64 KiB, so that a
// small mailbox's index stays small.
//
// From and To records are interned, each in a table of its own: a
// mailbox gets most of its mail from a few senders and to one or a few
// recipients, and each of those is stored once. Subjects are not:
// they seldom repeat exactly.
//
// Bytes once written are never changed, and a chunk never grows past
// its capacity, so strings read from the arena point into it rather than
// being copied; they keep the chunk alive after the index lets go of it.
type arena struct {
	chunks   [][]byte
	from, to internTable
	seed     maphash.Seed
	hasSeed  bool
	scratch  []byte // the record being written
	held     int    // bytes of chunks, tables and scratch, as allocated
}

const (
	chunkFirst = 1 << 10
	chunkBits  = 16
	chunkMax   = 1 << chunkBits
)

// internTable finds records by content: open addressing over offsets
// plus one (0 is an empty slot), at most half full.
type internTable struct {
	slots []uint32
	n     int
}

// bytes is the memory a holds: what its allocations asked for.
func (a *arena) bytes() int { return a.held }

// prepare writes the record of parts into a.scratch and returns it.
func (a *arena) prepare(parts ...string) []byte {
	c := cap(a.scratch)
	a.scratch = appendRecord(a.scratch[:0], parts...)
	a.held += cap(a.scratch) - c
	return a.scratch
}

// appendRecord appends the record of parts to dst.
func appendRecord(dst []byte, parts ...string) []byte {
	for _, p := range parts {
		dst = binary.AppendUvarint(dst, uint64(len(p)))
		dst = append(dst, p...)
	}
	return dst
}

// put writes rec and returns its offset. rec is at most 2*(maxField+3)
// bytes, well within a chunk.
func (a *arena) put(rec []byte) uint32 {
	k := len(a.chunks) - 1
	if k < 0 || cap(a.chunks[k])-len(a.chunks[k]) < len(rec) {
		size := chunkFirst
		if k >= 0 {
			size = min(chunkMax, 2*cap(a.chunks[k]))
		}
		for size < len(rec) {
			size *= 2
		}
		c := cap(a.chunks)
		a.chunks = append(a.chunks, make([]byte, 0, size))
		a.held += size + (cap(a.chunks)-c)*int(unsafe.Sizeof([]byte(nil)))
		k++
	}
	off := uint32(k<<chunkBits | len(a.chunks[k]))
	a.chunks[k] = append(a.chunks[k], rec...)
	return off
}

// add writes a record of parts that is not interned (a Subject).
func (a *arena) add(parts ...string) uint32 {
	return a.put(a.prepare(parts...))
}

// intern returns the offset of the record of parts in t (a.from or a.to),
// writing it if it is new.
func (a *arena) intern(t *internTable, parts ...string) uint32 {
	if !a.hasSeed {
		a.seed, a.hasSeed = maphash.MakeSeed(), true
	}
	rec := a.prepare(parts...)
	fields := len(parts)
	if len(t.slots) == 0 {
		t.slots = make([]uint32, 16)
		a.held += 4 * len(t.slots)
	}
	mask := uint64(len(t.slots) - 1)
	for i := maphash.Bytes(a.seed, rec) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			off := a.put(rec)
			t.slots[i] = off + 1
			if t.n++; 2*t.n > len(t.slots) {
				a.grow(t, fields)
			}
			return off
		}
		if bytes.Equal(a.record(s-1, fields), rec) {
			return s - 1
		}
	}
}

// grow doubles t's slots and places its records again.
func (a *arena) grow(t *internTable, fields int) {
	old := t.slots
	t.slots = make([]uint32, 2*len(old))
	a.held += 4 * len(old)
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := maphash.Bytes(a.seed, a.record(s-1, fields)) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// record returns the bytes of the record of fields strings at off.
func (a *arena) record(off uint32, fields int) []byte {
	c := a.chunks[off>>chunkBits]
	p := int(off & (chunkMax - 1))
	end := p
	for range fields {
		n, k := binary.Uvarint(c[end:])
		end += k + int(n)
	}
	return c[p:end]
}

// str returns the string at off and the offset after it.
func (a *arena) str(off uint32) (string, uint32) {
	c := a.chunks[off>>chunkBits]
	p := int(off & (chunkMax - 1))
	n, k := int(c[p]), 1
	if n >= 0x80 {
		v, vk := binary.Uvarint(c[p:])
		n, k = int(v), vk
	}
	next := off + uint32(k+n)
	if n == 0 {
		return "", next
	}
	return unsafe.String(&c[p+k], n), next
}

// str2 returns the two strings of the record at off.
func (a *arena) str2(off uint32) (string, string) {
	s1, next := a.str(off)
	s2, _ := a.str(next)
	return s1, s2
}
