package mailview

import (
	"encoding/base64"
	"io"
	"net/url"
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
		if p.depth+1 < maxMessageDepth {
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
	isBody := plain && (p.mediaType == "text/plain" || p.mediaType == "text/html" && !st.hasHTML)
	var err error
	switch {
	case isBody:
		var data []byte
		var fits bool
		data, part.Size, fits, err = readUpTo(body, b.opts.MaxPartSize)
		if !fits {
			b.problem(noteTooLarge)
			isBody = false
			break
		}
		text, unknown := decodeText(data, p)
		if unknown {
			b.problem(noteCharset(p.params["charset"]))
		}
		if p.mediaType == "text/html" {
			st.html, st.hasHTML = text, true
		} else {
			st.text = append(st.text, text)
		}
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

// inlineType returns the media type to put in a data: URI for an image
// type that browsers render safely (never SVG), or "".
func inlineType(t string) string {
	switch t {
	case "image/png", "image/gif", "image/jpeg", "image/webp":
		return t
	case "image/jpg", "image/pjpeg":
		return "image/jpeg"
	}
	return ""
}

// finish fills the body fields and the attachment list of a message once
// all of its parts have been seen.
func (b *builder) finish(st *msgState) {
	m := st.m
	fillEnvelope(m, st.header, st.charset)
	if len(st.text) == 1 {
		m.Text = st.text[0]
	} else if len(st.text) > 1 {
		for i, t := range st.text {
			st.text[i] = strings.TrimRight(t, "\n")
		}
		m.Text = strings.Join(st.text, "\n\n") + "\n"
	}
	if st.hasHTML {
		clean, blocked := sanitize(st.html, b.opts.AllowRemote, func(ref string) string {
			return st.resolveCID(ref)
		})
		m.HTML, m.RemoteBlocked = document(clean), blocked
	}
	for _, l := range st.parts {
		if img := st.images[l.cid]; l.cid != "" && img != nil && img.used {
			continue
		}
		m.Attachments = append(m.Attachments, l.part)
	}
	st.images = nil
}

// resolveCID returns a data: URI for a "cid:" reference (RFC 2392), or ""
// when the message has no such image or it was too large to keep.
func (st *msgState) resolveCID(ref string) string {
	id := ref[len("cid:"):]
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	img := st.images[strings.ToLower(strings.Trim(strings.TrimSpace(id), "<>"))]
	if img == nil {
		return ""
	}
	img.used = true
	return "data:" + img.mediaType + ";base64," + base64.StdEncoding.EncodeToString(img.data)
}

// document wraps sanitized HTML in the page served to the sandboxed frame.
func document(body string) string {
	return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">" +
		"<meta name=\"referrer\" content=\"no-referrer\"></head>\n<body>" + body + "</body></html>\n"
}
