package mailview

import (
	"bufio"
	"bytes"
	"strings"
)

// Limits that keep a hostile header from using unbounded memory. Header
// bytes past them are read and dropped.
const (
	maxFieldLen  = 128 << 10
	maxHeaderLen = 512 << 10
)

// field is one header field; key is lower-case, value is unfolded, trimmed
// and still raw (encoded-words and 8-bit bytes undecoded).
type field struct{ key, value string }

type header []field

// get returns the first value of the field named key (lower-case), or "".
func (h header) get(key string) string {
	for _, f := range h {
		if f.key == key {
			return f.value
		}
	}
	return ""
}

// readHeader reads a header block from br, tolerating what real mail gets
// wrong: a missing header (the first line is not a field, so it is body), a
// first field indented by mistake, continuation lines that lost their
// indentation, invalid field names and a blank line that holds spaces. It
// stops after the blank line that ends the header, leaving br at the body.
// With skipMbox, a leading mbox "From " line is dropped. malformed reports
// that something had to be guessed.
func readHeader(br *bufio.Reader, skipMbox bool) (h header, malformed bool) {
	if skipMbox {
		if b, _ := br.Peek(5); string(b) == "From " {
			readLine(br, 0)
		}
	}
	if !startsWithField(br) {
		if b, _ := br.Peek(1); len(b) == 0 {
			return nil, false // nothing at all
		}
		if atBlankLine(br) {
			readLine(br, 0) // an empty header
			return nil, false
		}
		return nil, true // no header: the first line is body
	}
	total := 0
	var fold []byte // the last field's value while continuation lines come
	flush := func() {
		if fold != nil {
			h[len(h)-1].value = string(fold)
			fold = nil
		}
	}
	for {
		line, eof := readLine(br, maxFieldLen)
		total += len(line)
		if len(bytes.TrimRight(line, " \t")) == 0 {
			// The end of the header; spaces on that line are a mistake
			// that strict parsers read as a continuation.
			flush()
			return h, malformed || len(line) > 0
		}
		if total > maxHeaderLen {
			malformed = true
		} else if k, v, ok := splitField(line); ok && (line[0] != ' ' && line[0] != '\t' || len(h) == 0) {
			flush()
			h = append(h, field{key: k, value: v})
			malformed = malformed || line[0] == ' ' || line[0] == '\t'
		} else if len(h) > 0 {
			last := &h[len(h)-1]
			sep := ""
			if line[0] != ' ' && line[0] != '\t' {
				malformed = true // a continuation that lost its indentation
				sep = " "
			}
			if fold == nil {
				fold = []byte(last.value)
			}
			if len(fold)+len(line) <= maxFieldLen {
				fold = bytes.TrimRight(append(append(fold, sep...), line...), " \t")
			}
		}
		if eof {
			flush()
			return h, malformed
		}
	}
}

// splitField splits "Name: value". Field names are printable ASCII without
// colon or space (RFC 5322 section 2.2); spaces before the colon are
// tolerated, and so is leading white space on the line.
func splitField(line []byte) (key, value string, ok bool) {
	line = bytes.TrimLeft(line, " \t")
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", "", false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return "", "", false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return "", "", false
		}
	}
	return strings.ToLower(string(name)), strings.TrimSpace(string(line[i+1:])), true
}

// startsWithField reports whether the next line looks like a header field.
func startsWithField(br *bufio.Reader) bool {
	b, _ := br.Peek(1000)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	_, _, ok := splitField(b)
	return ok
}

func atBlankLine(br *bufio.Reader) bool {
	b, _ := br.Peek(2)
	return len(b) > 0 && b[0] == '\n' || string(b) == "\r\n"
}

// readLine reads one line and returns it without its line end. At most
// limit bytes are kept (0 keeps nothing); the rest of a longer line is read
// and dropped. eof reports that the input ended.
func readLine(br *bufio.Reader, limit int) (line []byte, eof bool) {
	for {
		frag, err := br.ReadSlice('\n')
		if n := min(len(frag), limit-len(line)); n > 0 {
			line = append(line, frag[:n]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		return line, err != nil
	}
}

// readHeaderBytes parses a header block held in memory.
func readHeaderBytes(b []byte) (header, bool) {
	return readHeader(bufio.NewReader(bytes.NewReader(b)), true)
}
