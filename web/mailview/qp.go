package mailview

import (
	"bufio"
	"bytes"
	"io"
)

// qpReader decodes quoted-printable (RFC 2045 section 6.7) leniently: an
// "=" not followed by two hex digits is kept literally, and control or 8-bit
// characters pass through (the standard library's reader stops at them).
// Hard line ends are kept as they were sent.
type qpReader struct {
	br   *bufio.Reader
	line []byte
	out  []byte // the part of buf not yet returned
	buf  []byte
	err  error
}

const qpMaxLine = 64 << 10

func (d *qpReader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		frag, err := d.br.ReadSlice('\n')
		d.line = append(d.line, frag...)
		if err != nil && err != bufio.ErrBufferFull {
			d.err = err
		}
		switch {
		case err != bufio.ErrBufferFull:
			d.buf = appendQP(d.buf[:0], d.line, true)
			d.out = d.buf
			d.line = d.line[:0]
		case len(d.line) >= qpMaxLine:
			// A very long line: decode all but an escape that may be split.
			k := len(d.line)
			if i := bytes.LastIndexByte(d.line, '='); i >= k-2 {
				k = i
			}
			d.buf = appendQP(d.buf[:0], d.line[:k], false)
			d.out = d.buf
			d.line = append(d.line[:0], d.line[k:]...)
		}
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// appendQP decodes line onto dst. With lineEnd, line is a whole line: its
// transport padding is dropped and a final "=" joins it to the next.
func appendQP(dst, line []byte, lineEnd bool) []byte {
	var eol []byte
	if lineEnd {
		body := bytes.TrimRight(line, "\r\n")
		eol = line[len(body):]
		line = bytes.TrimRight(body, " \t")
		if len(line) > 0 && line[len(line)-1] == '=' {
			line, eol = line[:len(line)-1], nil
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
			c = unhex(line[i+1])<<4 | unhex(line[i+2])
			i += 2
		}
		dst = append(dst, c)
	}
	return append(dst, eol...)
}

// uuReader decodes a uuencoded body (Content-Transfer-Encoding: x-uuencode,
// sent by Netscape, Eudora and Pine): the lines between "begin" and "end".
type uuReader struct {
	br    *bufio.Reader
	t     *transfer
	out   []byte // the part of buf not yet returned
	buf   []byte
	begun bool
	done  bool
}

func (d *uuReader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.done {
			return 0, io.EOF
		}
		line, eof := readLine(d.br, 1<<10)
		switch {
		case !d.begun:
			d.begun = bytes.HasPrefix(line, []byte("begin "))
		case string(bytes.TrimSpace(line)) == "end":
			d.done = true
		default:
			d.buf = appendUU(d.buf[:0], line)
			d.out = d.buf
		}
		if eof && !d.done {
			d.done = true
			d.t.damaged = true // no "end" line, or no data at all
		}
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// appendUU decodes one uuencoded line: a length character, then groups of
// four characters for three octets.
func appendUU(dst, line []byte) []byte {
	if len(line) == 0 {
		return dst
	}
	n := int((line[0] - ' ') & 63)
	val := func(i int) byte {
		if i < len(line) {
			return (line[i] - ' ') & 63
		}
		return 0
	}
	for i := 1; n > 0; i += 4 {
		b := [3]byte{val(i)<<2 | val(i+1)>>4, val(i+1)<<4 | val(i+2)>>2, val(i+2)<<6 | val(i+3)}
		k := min(n, 3)
		dst = append(dst, b[:k]...)
		n -= k
	}
	return dst
}
