package mailview

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// OpenPart finds the part at path (see the package documentation) in the
// message read from r and returns its description and a stream of its
// content with the transfer encoding undone but the charset untouched: a
// download gets the original octets. Nothing is buffered beyond a few
// small reading buffers, so attachments of any size stream; the returned
// Part's Size is -1 because the size is not known in advance. The stream
// reads from r and is valid only while r is; errors of r surface from it.
// OpenPart returns ErrPartNotFound when there is no such part, and an error
// wrapping r's when reading r fails first.
func OpenPart(r io.Reader, path string) (Part, io.Reader, error) {
	src := &errReader{r: r}
	f := &finder{target: path}
	err := walk(src, f, DefaultMaxPartSize)
	switch {
	case src.err != nil:
		return Part{}, nil, fmt.Errorf("mailview: reading message: %w", src.err)
	case errors.Is(err, errFound):
		return f.part, f.body, nil
	}
	return Part{}, nil, ErrPartNotFound
}

// errFound stops the walk once the wanted part is open.
var errFound = errors.New("part found")

// finder is the visitor that OpenPart walks a message with: it descends
// only towards the target and reads nothing else.
type finder struct {
	target string
	part   Part
	body   io.Reader
}

func (f *finder) towards(p *partInfo) bool {
	return p.path == "" || strings.HasPrefix(f.target, p.path+".")
}

func (f *finder) enterMultipart(p *partInfo) bool { return f.towards(p) }

func (f *finder) open(p *partInfo) action {
	switch {
	case p.path == f.target || f.target == "" && p.path == "1" && p.depth == 0 && p.parent == nil:
		return readPart
	case (p.mediaType == "message/rfc822" || p.mediaType == "message/global") && p.depth < maxMessageDepth && f.towards(p):
		return descendPart
	}
	return skipPart
}

func (f *finder) read(p *partInfo, body io.Reader) error {
	f.part = p.part()
	f.part.Size = -1
	f.body = body
	return errFound
}

func (f *finder) beginMessage(*partInfo, header) {}
func (f *finder) endMessage(*partInfo, int64)    {}
func (f *finder) problem(string)                 {}
