package mailview

import (
	"bytes"
	"strings"

	"github.com/tdewolff/parse/v2/css"
)

// The one policy for CSS declarations, wherever they stand: in a style
// attribute, in a rule of a style sheet, or made from a legacy attribute.
// A declaration is read by the CSS parser (github.com/tdewolff/parse),
// its escapes resolved, and written anew in a canonical form; only that
// form is judged and kept, so what the browser reads is what was judged.

// cssProperties are the properties kept: colours, fonts, text layout, box
// sizes, borders and backgrounds. Nothing that positions a box outside the
// flow (position, z-index, top, inset, transform), animates (animation,
// transition), loads anything other than a background image
// (list-style-image, border-image, content, cursor, filter, mask) or runs
// code (behavior, -moz-binding).
var cssProperties = set("color", "background-color", "background", "background-image",
	"background-position", "background-repeat", "background-size",
	"font", "font-family", "font-size", "font-style", "font-weight", "font-variant",
	"line-height", "letter-spacing", "word-spacing", "text-align", "text-decoration",
	"text-indent", "text-transform", "text-overflow", "text-shadow", "vertical-align",
	"white-space", "word-break", "word-wrap", "overflow-wrap", "direction",
	"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
	"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
	"width", "height", "max-width", "min-width", "max-height", "min-height", "box-sizing",
	"overflow", "overflow-x", "overflow-y", "visibility", "opacity", "box-shadow",
	"border", "border-top", "border-right", "border-bottom", "border-left",
	"border-color", "border-style", "border-width", "border-collapse", "border-spacing",
	"border-radius", "border-top-left-radius", "border-top-right-radius",
	"border-bottom-right-radius", "border-bottom-left-radius",
	"border-top-color", "border-right-color", "border-bottom-color",
	"border-left-color", "border-top-style", "border-right-style", "border-bottom-style",
	"border-left-style", "border-top-width", "border-right-width", "border-bottom-width",
	"border-left-width", "display", "list-style", "list-style-type", "list-style-position",
	"float", "clear", "table-layout", "caption-side", "empty-cells")

// cssImageProperties may hold url(): a background image, which loads like
// an <img> (a data: URI, a cid: image of the message, or a remote image
// once the reader allowed remote content).
var cssImageProperties = set("background", "background-image")

var (
	// cssValueChars is what a kept value may consist of, lower-cased and
	// without its url()s: no backslash, colon, semicolon, braces,
	// brackets, "@", "!", "<" or "&".
	cssValueChars = func() (t [256]bool) {
		for _, c := range []byte("abcdefghijklmnopqrstuvwxyz0123456789 #%.,+-'\"/()") {
			t[c] = true
		}
		return t
	}()
	// Only colour functions are allowed, and gradients in backgrounds,
	// which rules out expression(), image-set(), var(), attr(), env() and
	// the rest. url() is not a function here: the parser reads it as a
	// token of its own.
	cssColorFuncs    = set("rgb", "rgba", "hsl", "hsla")
	cssGradientFuncs = set("linear-gradient", "radial-gradient", "repeating-linear-gradient",
		"repeating-radial-gradient")
	cssDisplay = set("block", "inline", "inline-block", "none", "list-item", "table",
		"inline-table", "table-row", "table-cell", "table-row-group", "table-header-group",
		"table-footer-group", "table-column", "table-column-group", "table-caption")
)

// maxCSSValue bounds a value (without its url()s), in octets.
const maxCSSValue = 300

// appendDeclaration judges one declaration, its value given as tokens,
// and appends it to dst in canonical form: the property lower-cased, ": ",
// the value with escapes resolved, white space and comments made single
// spaces, strings in single quotes and url()s written by cssURL. ok is
// false, and dst unchanged, when it is not allowed. important reports a
// trailing !important, which is not written. Under cond (a rule that
// applies only for some readers: a media query, :hover), a remote url()
// is dropped even with remote content allowed, since whether it loads
// would tell the sender about the reader.
func (c *cleaner) appendDeclaration(dst, name []byte, vals []css.Token, cond bool) (out []byte, ok, important bool) {
	prop, ok := cssPropertyName(name)
	if !ok {
		return dst, false, false
	}
	vals, important = cutImportant(vals)
	start := len(dst)
	dst = append(dst, prop...)
	dst = append(dst, ": "...)
	valueStart := len(dst)
	check := c.check[:0] // the value without its url()s, lower-cased
	urls := 0
	put := func(s []byte) {
		if len(s) == 1 && s[0] == ' ' && (len(dst) == valueStart || dst[len(dst)-1] == ' ') {
			return
		}
		dst = append(dst, s...)
		for _, b := range s {
			if b >= 'A' && b <= 'Z' {
				b += 'a' - 'A'
			}
			check = append(check, b)
		}
	}
	fail := func() ([]byte, bool, bool) {
		c.check = check
		return dst[:start], false, false
	}
	for _, t := range vals {
		switch t.TokenType {
		case css.WhitespaceToken:
			put(space)
		case css.IdentToken, css.NumberToken, css.PercentageToken, css.DimensionToken, css.HashToken:
			put(unescaped(t.Data))
		case css.StringToken:
			text := unescaped(unquote(t.Data))
			if bytes.ContainsAny(text, `'"`) {
				return fail()
			}
			put(quote)
			put(text)
			put(quote)
		case css.FunctionToken:
			fn := unescaped(t.Data)
			if bytes.EqualFold(fn, []byte("url(")) {
				return fail() // an escaped url(: only a hostile message writes that
			}
			put(fn)
		case css.RightParenthesisToken:
			put(t.Data)
		case css.CommaToken:
			put(comma)
		case css.DelimToken:
			if len(t.Data) != 1 || t.Data[0] != '/' {
				return fail()
			}
			put(t.Data)
		case css.URLToken:
			if !cssImageProperties[prop] {
				return fail()
			}
			if u := c.cssURL(t.Data, cond); u != "" {
				put(space)
				dst = append(dst, `url("`...)
				dst = append(dst, u...)
				dst = append(dst, `")`...)
				put(space)
				urls++
			}
		default:
			return fail()
		}
	}
	dst = bytes.TrimRight(dst, " ")
	check = bytes.TrimSpace(check)
	c.check = check
	if len(dst) == valueStart || urls == 0 && len(check) == 0 || !cssValueOK(prop, check) {
		return dst[:start], false, false
	}
	return dst, true, important
}

var (
	space = []byte(" ")
	comma = []byte(", ")
	quote = []byte("'")
)

// cssPropertyName returns the property a declaration names, escapes
// resolved and lower-cased, if it is one of cssProperties.
func cssPropertyName(name []byte) (string, bool) {
	if p, ok := cssPropertyNames[string(name)]; ok {
		return p, true // the common case: no escape, lower case
	}
	p := strings.ToLower(cssUnescape(name))
	return p, cssProperties[p]
}

// cssPropertyNames maps each of cssProperties to itself, so that looking
// a name up gives its string without making one.
var cssPropertyNames = func() map[string]string {
	m := make(map[string]string, len(cssProperties))
	for p := range cssProperties {
		m[p] = p
	}
	return m
}()

// cutImportant removes a trailing "!important" (with any white space
// around the "!") from a value.
func cutImportant(vals []css.Token) ([]css.Token, bool) {
	n := len(vals)
	for n > 0 && vals[n-1].TokenType == css.WhitespaceToken {
		n--
	}
	if n == 0 || vals[n-1].TokenType != css.IdentToken || !bytes.EqualFold(unescaped(vals[n-1].Data), []byte("important")) {
		return vals, false
	}
	n--
	for n > 0 && vals[n-1].TokenType == css.WhitespaceToken {
		n--
	}
	if n == 0 || vals[n-1].TokenType != css.DelimToken || string(vals[n-1].Data) != "!" {
		return vals, false
	}
	return vals[:n-1], true
}

// cssValueOK judges a value, lower-cased and without its url()s.
func cssValueOK(prop string, v []byte) bool {
	if len(v) > maxCSSValue {
		return false
	}
	for _, c := range v {
		if !cssValueChars[c] {
			return false
		}
	}
	if bytes.ContainsAny(v, `'"`) && prop != "font-family" && prop != "font" {
		return false
	}
	if bytes.Count(v, []byte("(")) != bytes.Count(v, []byte(")")) || bytes.Contains(v, []byte("((")) {
		return false
	}
	for rest := v; ; {
		i := bytes.IndexByte(rest, '(')
		if i < 0 {
			break
		}
		// The function name: the letters and hyphens before "(".
		j := i
		for j > 0 && (rest[j-1] >= 'a' && rest[j-1] <= 'z' || rest[j-1] == '-') {
			j--
		}
		if name := rest[j:i]; !cssColorFuncs[string(name)] && !(cssGradientFuncs[string(name)] && cssImageProperties[prop]) {
			return false
		}
		rest = rest[i+1:]
	}
	if prop == "display" {
		return cssDisplay[string(v)]
	}
	return true
}
