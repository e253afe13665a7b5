package mailview

import (
	"bufio"
	"bytes"
	"io"
)

// multipartReader splits a multipart body (RFC 2046 section 5.1) as it
// streams. Unlike mime/multipart it accepts bare LF line ends, a body that
// ends without the closing delimiter (the last part then runs to the end),
// and boundaries of any length that fits its buffer. The line end before a
// delimiter belongs to the delimiter, so part bodies are byte-exact.
type multipartReader struct {
	src      *bufio.Reader
	dash     []byte // "--" + boundary
	cur      *partReader
	started  bool
	closed   bool // the closing delimiter was seen
	ended    bool // the input ended before it
	parts    int
	preamble []byte // kept, up to a limit, for bodies that never reach a delimiter
	keep     int
}

// newMultipartReader returns a reader of the parts in src. With an empty
// boundary there are no parts and the whole body is preamble. The first
// keep octets of the preamble are kept in memory.
func newMultipartReader(src *bufio.Reader, boundary string, keep int) *multipartReader {
	mr := &multipartReader{src: src, keep: keep}
	if boundary != "" {
		mr.dash = []byte("--" + boundary)
	}
	return mr
}

// next returns a reader of the next part's header and body, or io.EOF when
// there are no more parts. It drains the previous part first.
func (mr *multipartReader) next() (io.Reader, error) {
	if !mr.started {
		mr.started = true
		pr := &partReader{mr: mr, lineStart: true}
		if err := mr.keepPreamble(pr); err != nil {
			return nil, err
		}
	}
	if mr.cur != nil {
		if _, err := io.Copy(io.Discard, mr.cur); err != nil {
			return nil, err
		}
	}
	if mr.closed || mr.ended {
		return nil, io.EOF
	}
	mr.parts++
	mr.cur = &partReader{mr: mr, lineStart: true}
	return mr.cur, nil
}

func (mr *multipartReader) keepPreamble(pr *partReader) error {
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, pr, int64(mr.keep)); err != nil && err != io.EOF {
		return err
	}
	mr.preamble = buf.Bytes()
	_, err := io.Copy(io.Discard, pr)
	return err
}

// delimiter classifies a whole line: a delimiter of this multipart, its
// closing delimiter, or neither. Trailing white space is allowed
// (RFC 2046 transport padding); anything else after the boundary is not,
// which keeps an inner boundary that is a prefix of an outer one apart.
func (mr *multipartReader) delimiter(line []byte) (isDelim, isClose bool) {
	if mr.dash == nil || !bytes.HasPrefix(line, mr.dash) {
		return false, false
	}
	rest := bytes.TrimRight(line[len(mr.dash):], " \t\r\n")
	if len(rest) == 0 {
		return true, false
	}
	return string(rest) == "--", string(rest) == "--"
}

// partReader reads one part (or the preamble) up to the next delimiter
// line, holding back each line end until it knows the next line is not a
// delimiter.
type partReader struct {
	mr        *multipartReader
	lineStart bool
	done      bool
	held      []byte // the last line end read, not yet returned
	eol       []byte // a held line end being returned
	pending   []byte // content being returned; it points into src's buffer
	heldBuf   [2]byte
	eolBuf    [2]byte
}

func (pr *partReader) Read(p []byte) (int, error) {
	for len(pr.eol) == 0 && len(pr.pending) == 0 {
		if pr.done {
			return 0, io.EOF
		}
		frag, err := pr.mr.src.ReadSlice('\n')
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return 0, err
		}
		if pr.lineStart && err != bufio.ErrBufferFull {
			if isDelim, isClose := pr.mr.delimiter(frag); isDelim {
				pr.done, pr.mr.closed = true, isClose
				continue
			}
		}
		// The previous line end is content now; src is not read again
		// until it and frag have been returned.
		pr.eol = append(pr.eolBuf[:0], pr.held...)
		body := frag
		if err == nil {
			body = bytes.TrimSuffix(body[:len(body)-1], []byte("\r"))
		}
		pr.pending = body
		pr.held = append(pr.heldBuf[:0], frag[len(body):]...)
		pr.lineStart = err == nil
		if err == io.EOF {
			pr.done, pr.mr.ended = true, true
		}
	}
	n := copy(p, pr.eol)
	pr.eol = pr.eol[n:]
	m := copy(p[n:], pr.pending)
	pr.pending = pr.pending[m:]
	return n + m, nil
}
