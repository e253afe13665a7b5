package mailview

import (
	"io"
	"strings"
)

// builder is the visitor that Parse walks a message with.
type builder struct {
	opts       Options
	stack      []*msgState
	root       *Message
	leaves     int
	inlineLeft int64 // memory left for cid: images across the message
}

// msgState collects one message (the top one or an attached one).
type msgState struct {
	m       *Message
	header  header
	charset string // the first charset a part names, for raw 8-bit headers
	text    []string
	html    string
	hasHTML bool
	parts   []listed             // attachment candidates, in order
	images  map[string]*cidImage // by lower-case Content-ID
	notes   map[string]bool
}

type listed struct {
	part Part
	cid  string // set when the part is a cid: image that may be inlined
}

type cidImage struct {
	mediaType string
	data      []byte
	used      bool
}

func (b *builder) top() *msgState { return b.stack[len(b.stack)-1] }

func (b *builder) problem(note string) {
	st := b.top()
	if !st.notes[note] {
		st.notes[note] = true
		st.m.Problems = append(st.m.Problems, note)
	}
}

func (b *builder) enterMultipart(*partInfo) bool { return true }

func (b *builder) beginMessage(_ *partInfo, h header) {
	b.stack = append(b.stack, &msgState{m: &Message{}, header: h, images: map[string]*cidImage{}, notes: map[string]bool{}})
}

func (b *builder) endMessage(p *partInfo, size int64) {
	st := b.top()
	b.stack = b.stack[:len(b.stack)-1]
	b.finish(st)
	if p == nil {
		b.root = st.m
		return
	}
	parent := b.top()
	parent.m.Nested = append(parent.m.Nested, st.m)
	part := p.part()
	part.Size = size
	parent.parts = append(parent.parts, listed{part: part})
}

func (b *builder) open(p *partInfo) action {
	if b.leaves++; b.leaves > maxParts {
		b.problem(noteTooMany)
		return skipPart
	}
	if p.mediaType == "message/rfc822" || p.mediaType == "message/global" {
		if p.depth < maxMessageDepth {
			return descendPart
		}
		b.problem(noteTooDeep)
	}
	return readPart
}

func (b *builder) read(p *partInfo, body io.Reader) error {
	st := b.top()
	if cs := normalizeCharset(p.params["charset"]); st.charset == "" && cs != "us-ascii" && cs != "utf-8" {
		st.charset = cs
	}
	part := p.part()
	plain := !p.isAttachment() && p.filename() == ""
	isBody := plain && (plainText(p.mediaType) || p.mediaType == "text/html" && !st.hasHTML)
	var err error
	switch {
	case isBody:
		isBody, part.Size, err = b.readBody(st, p, body)
	case inlineType(p.mediaType) != "" && part.ContentID != "":
		var data []byte
		var fits bool
		data, part.Size, fits, err = readUpTo(body, min(b.opts.MaxInlineImage, b.inlineLeft))
		if fits {
			b.inlineLeft -= int64(len(data))
			st.images[strings.ToLower(part.ContentID)] = &cidImage{mediaType: inlineType(p.mediaType), data: data}
		}
	default:
		part.Size, err = io.Copy(io.Discard, body)
	}
	if err != nil {
		return err
	}
	switch {
	case p.t.damaged && isBody:
		b.problem(noteDamagedBody)
	case p.t.damaged:
		b.problem(noteDamagedAtt)
	}
	if p.t.unknown {
		b.problem(noteEncoding(p.cte))
	}
	if !isBody && (part.Size > 0 || len(p.header) > 0) {
		st.parts = append(st.parts, listed{part: part, cid: strings.ToLower(part.ContentID)})
	}
	return nil
}

// plainText reports whether a media type is shown as part of Text. Delivery
// and read reports are plain text meant for people, so a bounce shows why
// it bounced without a download.
func plainText(mediaType string) bool {
	switch mediaType {
	case "text/plain", "message/delivery-status", "message/disposition-notification":
		return true
	}
	return false
}

// readBody reads a text or HTML body for display. A body over
// Options.MaxPartSize is not kept (isBody false): it is listed instead.
func (b *builder) readBody(st *msgState, p *partInfo, body io.Reader) (isBody bool, size int64, err error) {
	data, size, fits, err := readUpTo(body, b.opts.MaxPartSize)
	if !fits || err != nil {
		if !fits {
			b.problem(noteTooLarge)
		}
		return false, size, err
	}
	text, unknown := decodeText(data, p)
	if unknown != "" {
		b.problem(noteCharset(unknown))
	}
	switch {
	case p.mediaType == "text/html":
		st.html, st.hasHTML = text, true
	case strings.TrimSpace(text) != "":
		st.text = append(st.text, text)
	}
	return true, size, nil
}
