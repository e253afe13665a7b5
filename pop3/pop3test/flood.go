package pop3test

import (
	"strconv"
)

// Flood describes a hostile multi-line reply, far larger than any real
// server sends, for testing a client's budgets. The lines are generated as
// they are written, so a flood of a gigabyte costs the server one line of
// memory. The zero Flood is off.
type Flood struct {
	// Lines is how many lines the listing has; zero or negative turns the
	// flood off.
	Lines int
	// LineLength pads each line with "x" to that many octets before its
	// line ending; a line is never cut shorter than its content. A UIDL or
	// LIST line keeps its number and UID or size first, the padding after
	// a space, as text a lenient client ignores.
	LineLength int
	// Unterminated leaves out the final ".": after the lines the server
	// sends nothing more, reading and discarding input, until the client
	// or the server closes the connection. It holds a client mid-listing.
	Unterminated bool
}

func (f Flood) on() bool { return f.Lines > 0 }

// flood sends the reply built so far, then status and f's lines, made by
// item from the 1-based line number, straight to the connection. It
// reports actClose when the client stopped reading or the flood is
// unterminated.
func (c *session) flood(status string, f Flood, item func(b []byte, i int) []byte) action {
	c.line(status)
	if c.send() != nil {
		return actClose
	}
	var b []byte
	for i := 1; i <= f.Lines; i++ {
		b = item(b[:0], i) // never starts with ".": no stuffing
		if pad := f.LineLength - len(b); pad > 0 {
			b = append(b, ' ')
			for ; pad > 1; pad-- {
				b = append(b, 'x')
			}
		}
		b = append(b, c.eol...)
		if _, err := c.w.Write(b); err != nil {
			return actClose
		}
	}
	if f.Unterminated {
		if c.flush() == nil {
			c.drain()
		}
		return actClose
	}
	c.line(".")
	return actNone
}

// capaFlood, uidlFlood and listFlood make the lines of a flooded CAPA,
// UIDL and LIST.
func capaFlood(b []byte, i int) []byte {
	return strconv.AppendInt(append(b, "X-FLOOD-"...), int64(i), 10)
}

func uidlFlood(b []byte, i int) []byte {
	b = strconv.AppendInt(b, int64(i), 10)
	return strconv.AppendInt(append(b, " flood"...), int64(i), 10)
}

func listFlood(b []byte, i int) []byte {
	return append(strconv.AppendInt(b, int64(i), 10), " 1000"...)
}
