package mailview

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
)

const (
	bufSize           = 64 << 10 // also the longest boundary line that is recognised
	maxMultipartDepth = 16       // deeper multiparts are treated as opaque parts
)

// Notes for the user, shown as they are.
const (
	noteMalformed    = "This message is malformed; showing what could be read."
	noteDamagedAtt   = "An attachment's encoding is damaged."
	noteDamagedBody  = "Part of this message's text was damaged in transit; some of it may be missing or garbled."
	noteTooLarge     = "The text of this message is too large to show here; it is listed as an attachment."
	noteTooDeep      = "This message contains messages nested too deeply to show; they are listed as attachments."
	noteTooMany      = "This message has too many parts; only the first ones are listed."
	notePartsTooDeep = "This message's parts are nested too deeply to show; the deepest are listed as attachments."
)

func noteCharset(name string) string {
	return "Part of this message uses an unknown character set (" + charsetLabel(name) + "); it is shown as best we can."
}

func noteEncoding(name string) string {
	return "Part of this message uses an unknown transfer encoding (" + charsetLabel(name) + "); it is shown undecoded."
}

// action is what a visitor wants done with a part's body.
type action int

const (
	skipPart    action = iota // leave the body unread
	readPart                  // pass the decoded body to visitor.read
	descendPart               // walk an attached message inside the part
)

// visitor receives the parts of a message as walker streams through it.
type visitor interface {
	// enterMultipart reports whether to walk a multipart's children.
	enterMultipart(p *partInfo) bool
	// open decides what to do with a non-multipart part.
	open(p *partInfo) action
	// read consumes a body decoded from its transfer encoding. An error
	// stops the walk and is returned by walk.
	read(p *partInfo, body io.Reader) error
	// beginMessage and endMessage bracket a message: p is nil for the
	// top-level one, else the message/rfc822 part; size is the part's
	// decoded size.
	beginMessage(p *partInfo, h header)
	endMessage(p *partInfo, size int64)
	// problem records a note for the user about the current message.
	problem(note string)
}

// walker streams through the MIME tree depth first.
type walker struct {
	v    visitor
	keep int // preamble octets kept for a multipart that has no parts
}

// walk reads a message from r and passes its parts to v.
func walk(r io.Reader, v visitor, keep int) error {
	br := bufio.NewReaderSize(r, bufSize)
	h, bad := readHeader(br, true)
	v.beginMessage(nil, h)
	if bad {
		v.problem(noteMalformed)
	}
	w := &walker{v: v, keep: keep}
	err := w.walkMessage(br, h, "", 0)
	v.endMessage(nil, 0)
	return err
}

// walkMessage walks the content of a message whose header is h; path is
// the path of the message/rfc822 part holding it ("" at top).
func (w *walker) walkMessage(br *bufio.Reader, h header, path string, depth int) error {
	p := newPartInfo(h, "text/plain", nil, depth, "")
	if p.isMultipart() {
		p.path = path
		return w.walkMultipart(br, p)
	}
	p.path = childPath(path, 1)
	return w.walkLeaf(br, p)
}

func (w *walker) walkMultipart(br *bufio.Reader, p *partInfo) error {
	if !w.v.enterMultipart(p) {
		return nil
	}
	cte := normalizeCTE(p.cte)
	if cte == "base64" || cte == "quoted-printable" {
		// Not allowed on a multipart (RFC 2045 section 6.4), but sent.
		br = bufio.NewReaderSize(p.t.decoder(p.cte, br), bufSize)
	}
	mr := newMultipartReader(br, p.params["boundary"], w.keep)
	childType := "text/plain"
	if p.mediaType == "multipart/digest" {
		childType = "message/rfc822"
	}
	var pbuf *bufio.Reader
	for i := 1; ; i++ {
		r, err := mr.next()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if pbuf == nil {
			pbuf = bufio.NewReaderSize(r, bufSize)
		} else {
			pbuf.Reset(r)
		}
		h, bad := readHeader(pbuf, false)
		if bad {
			w.v.problem(noteMalformed)
		}
		c := newPartInfo(h, childType, p, p.depth, p.hint)
		c.path = childPath(p.path, i)
		if c.isMultipart() && c.multipartDepth() < maxMultipartDepth {
			err = w.walkMultipart(pbuf, c)
		} else {
			if c.isMultipart() {
				w.v.problem(notePartsTooDeep)
			}
			err = w.walkLeaf(pbuf, c)
		}
		if err != nil {
			return err
		}
	}
	if mr.parts == 0 {
		// No delimiter at all: show the body as one part.
		w.v.problem(noteMalformed)
		c := p.asSinglePart(mr.preamble)
		if cte == "base64" || cte == "quoted-printable" {
			c.cte = "" // already decoded above
		}
		return w.walkLeaf(bufio.NewReader(bytes.NewReader(mr.preamble)), c)
	}
	if !mr.closed {
		w.v.problem(noteMalformed)
	}
	return nil
}

func (w *walker) walkLeaf(br *bufio.Reader, p *partInfo) error {
	switch w.v.open(p) {
	case readPart:
		return w.v.read(p, p.t.decoder(p.cte, br))
	case descendPart:
		cr := &countReader{r: p.t.decoder(p.cte, br)}
		nb := bufio.NewReaderSize(cr, bufSize)
		h, bad := readHeader(nb, true)
		w.v.beginMessage(p, h)
		if bad {
			w.v.problem(noteMalformed)
		}
		err := w.walkMessage(nb, h, p.path, p.depth+1)
		if err == nil {
			_, err = io.Copy(io.Discard, nb)
		}
		w.v.endMessage(p, cr.n)
		return err
	}
	return nil
}

// childPath returns the path of the i-th (1-based) child of path.
func childPath(path string, i int) string {
	if path == "" {
		return strconv.Itoa(i)
	}
	return path + "." + strconv.Itoa(i)
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
