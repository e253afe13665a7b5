package mailview

import (
	"encoding/base64"
	"net/url"
	"strings"
)

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
		var doc strings.Builder
		doc.WriteString(documentHead) // sanitizeTo grows doc to fit
		m.RemoteBlocked = sanitizeTo(&doc, st.html, b.opts.AllowRemote, func(ref string) string {
			return st.resolveCID(ref)
		})
		doc.WriteString(documentTail)
		m.HTML = doc.String()
		st.html = ""
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

// frameStyle is popgate's own style in the frame: mail laid out for a
// 600-pixel desktop column shrinks to a phone instead of hiding its right
// side (its maximum widths win over the mail's inline ones, which only
// ever say the same for a wider screen), and long words and addresses
// wrap. It is a cascade layer: its !important declarations win over the
// mail's, even !important ones in the mail's style sheets (which are
// unlayered), and its other declarations give way to anything the mail
// says.
const frameStyle = "<style>@layer popgate{img{max-width:100%!important;height:auto}table{max-width:100%!important}" +
	"body{overflow-wrap:break-word}pre{white-space:pre-wrap}" +
	// A table or cell of a fixed pixel width (width="600") ignores a
	// maximum width; on a narrow frame it takes the width of its content.
	`@media (max-width:700px){table[width]:not([width$="%"]),td[width]:not([width$="%"]){width:auto!important}}}</style>`

// documentHead and documentTail wrap sanitized HTML in the page served to
// the sandboxed frame.
const (
	documentHead = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">" +
		"<meta name=\"referrer\" content=\"no-referrer\">" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
		frameStyle + "</head>\n<body>"
	documentTail = "</body></html>\n"
)
