package mailview

import (
	"bytes"
	"strings"
	"unicode"
)

// partInfo describes one MIME entity while a message is walked.
type partInfo struct {
	path        string
	header      header
	mediaType   string            // lower-case type/subtype, defaulted when missing or invalid
	params      map[string]string // Content-Type parameters
	disposition string            // lower-case Content-Disposition value, or ""
	dparams     map[string]string // Content-Disposition parameters
	cte         string            // Content-Transfer-Encoding as sent
	parent      *partInfo         // the enclosing multipart in the same message
	depth       int               // how many messages enclose this one (0 at top)
	hint        string            // charset for raw 8-bit header text
	t           transfer          // what decoding the body found
}

func newPartInfo(h header, defType string, parent *partInfo, depth int, hint string) *partInfo {
	p := &partInfo{header: h, parent: parent, depth: depth, hint: hint}
	p.mediaType, p.params = parseMediaHeader(h.get("content-type"))
	if !validMediaType(p.mediaType) {
		p.mediaType = defType
	}
	if cs := p.params["charset"]; cs != "" {
		p.hint = cs
	}
	p.disposition, p.dparams = parseMediaHeader(h.get("content-disposition"))
	p.cte = h.get("content-transfer-encoding")
	return p
}

// validMediaType reports whether t is "type/subtype" made of token
// characters (RFC 2045 section 5.1).
func validMediaType(t string) bool {
	slash := strings.IndexByte(t, '/')
	if slash <= 0 || slash == len(t)-1 {
		return false
	}
	for _, c := range t {
		if c != '/' && (c <= ' ' || c >= 0x7f || strings.ContainsRune(`()<>@,;:\"[]?=`, c)) {
			return false
		}
	}
	return strings.Count(t, "/") == 1
}

func (p *partInfo) isMultipart() bool { return strings.HasPrefix(p.mediaType, "multipart/") }

func (p *partInfo) multipartDepth() int {
	n := 0
	for q := p.parent; q != nil; q = q.parent {
		n++
	}
	return n
}

// asSinglePart turns a multipart that has no parts into a text part
// holding its body, at the path of a first child.
func (p *partInfo) asSinglePart(body []byte) *partInfo {
	c := &partInfo{header: p.header, mediaType: "text/plain", params: map[string]string{},
		cte: p.cte, parent: p, depth: p.depth, hint: p.hint, path: childPath(p.path, 1)}
	if cs := p.params["charset"]; cs != "" {
		c.params["charset"] = cs
	}
	head := bytes.ToLower(body[:min(len(body), 1024)])
	if bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<body")) {
		c.mediaType = "text/html"
	}
	return c
}

func (p *partInfo) isAttachment() bool { return p.disposition == "attachment" }

// filename returns the decoded file name without directory components, or
// "" when the part has none.
func (p *partInfo) filename() string {
	name := p.dparams["filename"]
	if name == "" {
		name = p.params["name"]
	}
	name = decodeWords(name, p.hint)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	// Controls and bidi overrides ("\u202egpj.exe") have no place in a
	// name that the user trusts to say what the file is.
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if len(name) > 200 {
		name = strings.ToValidUTF8(name[:200], "")
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// contentID returns the Content-ID without angle brackets.
func (p *partInfo) contentID() string {
	id := strings.TrimSpace(p.header.get("content-id"))
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">"))
}

// part returns the public description of p; Size is left to the caller.
func (p *partInfo) part() Part {
	name := p.filename()
	if name == "" {
		name = "attachment-" + strings.ReplaceAll(p.path, ".", "-") + extension(p.mediaType)
	}
	return Part{Path: p.path, Filename: name, ContentType: p.mediaType,
		Inline: p.disposition == "inline", ContentID: p.contentID()}
}

// extension picks a file name extension for a media type. A fixed table
// keeps names the same on every host, unlike mime.ExtensionsByType.
func extension(mediaType string) string {
	switch mediaType {
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	case "text/calendar":
		return ".ics"
	case "message/rfc822", "message/global":
		return ".eml"
	case "image/jpeg":
		return ".jpg"
	case "image/png", "image/gif", "image/webp", "application/pdf", "application/zip":
		return "." + mediaType[strings.IndexByte(mediaType, '/')+1:]
	case "application/pkcs7-signature", "application/x-pkcs7-signature":
		return ".p7s"
	case "application/pgp-signature":
		return ".asc"
	}
	return ".bin"
}
