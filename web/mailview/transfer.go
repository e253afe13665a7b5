package mailview

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"slices"
	"strings"
)

// normalizeCTE maps a Content-Transfer-Encoding value to its canonical name,
// mending common misspellings ("7-bit", "8bits", "base64;").
func normalizeCTE(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, "; \t("); i >= 0 {
		v = v[:i]
	}
	v = strings.Trim(v, `"'`)
	switch v {
	case "", "7bit", "7-bit", "8bit", "8-bit", "8bits", "binary", "none":
		return "identity"
	case "uuencode", "x-uuencode", "x-uue", "uue":
		return "uuencode"
	}
	return v
}

// transfer undoes a transfer encoding on the fly. It records, rather than
// returns, damage in the input: a damaged attachment still downloads.
type transfer struct {
	damaged bool // bad characters or truncated data
	unknown bool // the encoding is not known; the body is left as is
}

// decoder returns a reader of the decoded body. Errors from r pass through.
func (t *transfer) decoder(cte string, r io.Reader) io.Reader {
	switch normalizeCTE(cte) {
	case "identity":
		return r
	case "base64":
		return &base64Reader{r: r, t: t}
	case "quoted-printable":
		return &qpReader{br: bufio.NewReaderSize(r, 16<<10)}
	case "uuencode":
		return &uuReader{br: bufio.NewReaderSize(r, 16<<10), t: t}
	}
	t.unknown = true
	return r
}

// base64Reader decodes base64 skipping line ends and any character outside
// the alphabet (noted as damage). Padding ends a group, so that bodies
// made of several padded blocks decode too. Runs of alphabet characters,
// which is nearly all of a body, are decoded by encoding/base64 a whole
// input chunk at a time.
type base64Reader struct {
	r    io.Reader
	t    *transfer
	in   []byte // sized by the first Read
	out  []byte
	buf  []byte
	quad [4]byte
	n    int
	err  error
}

func (d *base64Reader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			if d.n != 0 {
				// Padding is often left out; only a single leftover
				// character (flushGroup) means data is missing.
				d.buf = d.flushGroup(d.buf[:0])
				d.out = d.buf
				continue
			}
			return 0, d.err
		}
		// A multipart body arrives a line at a time: gather many lines
		// before decoding, so that each Read returns about what was asked
		// for and a download goes out in large writes.
		if d.in == nil {
			d.in = make([]byte, min(max(len(p)/3*4, 8<<10), 64<<10))
		}
		m := 0
		for m < len(d.in)*3/4 && d.err == nil {
			k, err := d.r.Read(d.in[m:])
			m += k
			d.err = err
			if k == 0 && err == nil {
				break
			}
		}
		d.buf = d.decode(d.buf[:0], d.in[:m])
		d.out = d.buf
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// decode appends the octets encoded in src to dst, carrying an incomplete
// group over in d.quad.
func (d *base64Reader) decode(dst, src []byte) []byte {
	if d.n == 0 {
		// The whole lines of a sound body, the usual case, decode in one
		// call; anything unusual (white space, damage, padding inside)
		// makes encoding/base64 fail, and the lines are decoded below.
		if k := bytes.LastIndexByte(src, '\n') + 1; k > 0 {
			dst = slices.Grow(dst, k/4*3)
			if n, err := base64.StdEncoding.Decode(dst[len(dst):cap(dst)], src[:k]); err == nil {
				dst = dst[:len(dst)+n]
				src = src[k:]
			}
		}
	}
	for i := 0; i < len(src); {
		if d.n == 0 {
			j := i
			for j < len(src) && b64Values[src[j]] >= 0 {
				j++
			}
			if k := (j - i) &^ 3; k > 0 {
				dst = slices.Grow(dst, k/4*3)
				n, _ := base64.StdEncoding.Decode(dst[len(dst):cap(dst)], src[i:i+k])
				dst = dst[:len(dst)+n]
				i += k
			}
		}
		for ; i < len(src); i++ {
			c := src[i]
			if v := b64Values[c]; v >= 0 {
				d.quad[d.n] = byte(v)
				if d.n++; d.n == 4 {
					dst = append(dst, d.quad[0]<<2|d.quad[1]>>4, d.quad[1]<<4|d.quad[2]>>2, d.quad[2]<<6|d.quad[3])
					d.n = 0
					i++
					break // back to the fast path
				}
				continue
			}
			switch c {
			case '=':
				dst = d.flushGroup(dst)
			case '\r', '\n', ' ', '\t':
			default:
				d.t.damaged = true
			}
			if d.n == 0 {
				i++
				break
			}
		}
	}
	return dst
}

// flushGroup appends the octets of a partial group to b.
func (d *base64Reader) flushGroup(b []byte) []byte {
	switch d.n {
	case 1:
		d.t.damaged = true // six bits cannot make an octet
	case 2:
		b = append(b, d.quad[0]<<2|d.quad[1]>>4)
	case 3:
		b = append(b, d.quad[0]<<2|d.quad[1]>>4, d.quad[1]<<4|d.quad[2]>>2)
	}
	d.n = 0
	return b
}

// b64Values maps an octet to its value as a base64 digit, or -1.
var b64Values = func() (t [256]int8) {
	for i := range t {
		t[i] = int8(b64Value(byte(i)))
	}
	return t
}()

// b64Value returns the value of a base64 digit, or -1.
func b64Value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}
