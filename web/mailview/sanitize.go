package mailview

import (
	"net/url"
	"strings"

	"github.com/tdewolff/parse/v2/css"
	"golang.org/x/net/html"
)

// maxHTMLDepth bounds element nesting; deeper content is kept as text, so
// that rendering (which recurses) stays cheap on hostile input.
const maxHTMLDepth = 256

// Sanitize makes untrusted HTML safe to show in the mail frame and returns
// the body content (a fragment, not a document): a <style> element with
// the mail's style sheets as far as they pass (see sheet), then the mail's
// content. It keeps an allow-list of elements, attributes and CSS, allows
// links to http, https and mailto only (opening in a new tab with no
// referrer), and images (and CSS background images) from data: URIs of
// raster types and, with allowRemote, from http and https. remoteBlocked
// reports that remote images were removed. cid: images cannot be resolved
// here and are removed (Parse inlines them). Sanitize doesn't perform I/O
// and is safe for concurrent use.
func Sanitize(src string, allowRemote bool) (clean string, remoteBlocked bool) {
	var b strings.Builder
	blocked := sanitizeTo(&b, src, allowRemote, nil)
	return b.String(), blocked
}

// sanitizeTo is Sanitize writing onto dst, with a resolver that turns a
// "cid:" URL into a data: URI ("" when there is no such image). On a
// failure nothing more is written.
func sanitizeTo(dst *strings.Builder, src string, allowRemote bool, cid func(string) string) bool {
	// Without scripting, <noscript> content is parsed as markup, the way a
	// sandboxed frame (no scripts) will parse it.
	doc, err := html.ParseWithOptions(strings.NewReader(src), html.ParseOptionEnableScripting(false))
	if err != nil {
		return false // only a failing reader makes Parse fail
	}
	c := &cleaner{allowRemote: allowRemote, cid: cid}
	root := findElement(doc, "body")
	if root == nil {
		root = doc
	}
	// The sheets in document order: what <body> says, those in <head>,
	// then those in the body, which clean collects.
	c.css = c.bodyRules(root)
	if head := findElement(doc, "head"); head != nil {
		for ch := head.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type == html.ElementNode && ch.Data == "style" && ch.Namespace == "" {
				c.styleElement(ch)
			}
		}
	}
	c.clean(root, 0)
	var b strings.Builder
	// Cleaning mostly removes, but links gain target and rel attributes.
	b.Grow(len(src) + len(src)/8)
	for n := root.FirstChild; n != nil; n = n.NextSibling {
		if err := html.Render(&b, n); err != nil {
			return false
		}
	}
	dst.Grow(b.Len() + len(c.css) + 64) // and room for the caller's closing tags
	if len(c.css) > 0 && sheetSafe(string(c.css), allowRemote) {
		dst.WriteString("<style>")
		dst.Write(c.css)
		dst.WriteString("</style>\n")
	}
	if err := policyFor(allowRemote).SanitizeReaderToWriter(strings.NewReader(b.String()), dst); err != nil {
		return false // a strings.Builder does not fail
	}
	return c.blocked
}

type cleaner struct {
	allowRemote bool
	cid         func(string) string
	blocked     bool
	css         []byte // the style sheet kept so far

	styles map[string]string // style attributes cleaned, by what they said

	// Scratch space, reused from one declaration to the next.
	toks  []css.Token
	check []byte
	buf   []byte
}

// styleElement adds what passes of a <style> element's sheet to c.css. A
// sheet of another type than CSS, or for other media than all or screens,
// does not apply in the frame and is skipped.
func (c *cleaner) styleElement(n *html.Node) {
	for _, a := range n.Attr {
		v := strings.ToLower(strings.TrimSpace(a.Val))
		switch {
		case a.Namespace != "":
		case a.Key == "type" && v != "" && v != "text/css":
			return
		case a.Key == "media" && v != "" && v != "all" && v != "screen" && v != "only screen":
			return
		}
	}
	if t := n.FirstChild; t != nil && t.Type == html.TextNode {
		c.css = c.sheet(c.css, t.Data)
	}
}

// clean filters the children of n in place.
func (c *cleaner) clean(n *html.Node, depth int) {
	for ch := n.FirstChild; ch != nil; {
		next := ch.NextSibling
		switch {
		case ch.Type == html.TextNode:
		case ch.Type == html.ElementNode && ch.Data == "style" && ch.Namespace == "":
			c.styleElement(ch)
			n.RemoveChild(ch)
		case ch.Type != html.ElementNode || ch.Namespace != "" || dropElements[ch.Data]:
			n.RemoveChild(ch)
		case depth >= maxHTMLDepth:
			n.InsertBefore(&html.Node{Type: html.TextNode, Data: textContent(ch)}, ch)
			n.RemoveChild(ch)
		case !allowedElements[ch.Data]:
			// Unwrap: keep the (cleaned) content, lose the element.
			c.clean(ch, depth+1)
			for g := ch.FirstChild; g != nil; g = ch.FirstChild {
				ch.RemoveChild(g)
				n.InsertBefore(g, ch)
			}
			n.RemoveChild(ch)
		case c.cleanAttrs(ch):
			c.clean(ch, depth+1)
		default:
			n.RemoveChild(ch)
		}
		ch = next
	}
}

// cleanAttrs filters the attributes of an allowed element; it returns false
// when the element itself must go (an image with no usable source).
func (c *cleaner) cleanAttrs(n *html.Node) bool {
	var kept []html.Attribute
	src, style, background := "", "", ""
	for _, a := range n.Attr {
		if a.Namespace != "" {
			continue
		}
		switch key := a.Key; {
		case key == "style":
			style = c.style(a.Val)
		case key == "background":
			background = c.backgroundAttr(n.Data, a.Val)
		case key == "class":
			if s := cleanClass(a.Val); s != "" {
				kept = append(kept, html.Attribute{Key: key, Val: s})
			}
		case key == "href" && n.Data == "a":
			if u, ok := cleanURL(a.Val, "http", "https", "mailto"); ok {
				kept = append(kept, html.Attribute{Key: key, Val: u},
					html.Attribute{Key: "target", Val: "_blank"},
					html.Attribute{Key: "rel", Val: "noopener noreferrer"})
			}
		case key == "src" && n.Data == "img":
			src = c.imageSource(a.Val)
		case attrOK(n.Data, key, a.Val):
			kept = append(kept, html.Attribute{Key: key, Val: a.Val})
		}
	}
	if background != "" {
		// An attribute weighs less than the style attribute: first.
		style = strings.TrimSuffix(background+"; "+style, "; ")
	}
	if style != "" {
		kept = append(kept, html.Attribute{Key: "style", Val: style})
	}
	if n.Data == "img" {
		if src == "" {
			return false
		}
		kept = append(kept, html.Attribute{Key: "src", Val: src})
	}
	n.Attr = kept
	return true
}

// cleanClass keeps the class names that a kept selector can name (see
// identOK), separated by single spaces.
func cleanClass(v string) string {
	if reClass.MatchString(v) {
		return v // the common case: nothing to drop
	}
	var kept []string
	for _, name := range strings.Fields(v) {
		if identOK(name) {
			kept = append(kept, name)
		}
	}
	return strings.Join(kept, " ")
}

func attrOK(element, key, val string) bool {
	if re := globalAttrs[key]; re != nil {
		return re.MatchString(val)
	}
	re := elementAttrs[element][key]
	return re != nil && re.MatchString(val)
}

// imageSource returns the src to keep for an image, or "".
func (c *cleaner) imageSource(raw string) string {
	s := strings.TrimSpace(raw)
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "cid:"):
		if c.cid != nil {
			return c.cid(s)
		}
	case strings.HasPrefix(lower, "data:"):
		s = strings.Join(strings.Fields(s), "")
		if reDataImage.MatchString(s) {
			return s
		}
	case strings.HasPrefix(lower, "//"):
		s = "https:" + s // protocol-relative: the frame would load it over https
		fallthrough
	default:
		if u, ok := cleanURL(s, "http", "https"); ok {
			if c.allowRemote {
				return u
			}
			c.blocked = true
		}
	}
	return ""
}

// cleanURL parses a URL the way a browser would (ignoring tabs and line
// ends anywhere, control characters and spaces at the ends) and returns it
// re-encoded if its scheme is one of schemes.
func cleanURL(raw string, schemes ...string) (string, bool) {
	s := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, raw)
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	u, err := url.Parse(s)
	if err != nil {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	for _, scheme := range schemes {
		if u.Scheme != scheme {
			continue
		}
		if scheme == "mailto" && u.Opaque != "" || scheme != "mailto" && u.Host != "" && u.Opaque == "" {
			return u.String(), true
		}
	}
	return "", false
}
