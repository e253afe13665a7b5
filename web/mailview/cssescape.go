package mailview

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// cssURL returns what to keep of a url() token (see cssImage).
func (c *cleaner) cssURL(tok []byte, cond bool) string {
	// The token is url( (its letters possibly escaped), the address,
	// quoted or not, and ")", which the end of the sheet may stand for.
	tok = tok[bytes.IndexByte(tok, '(')+1:]
	tok = bytes.TrimSpace(bytes.TrimSuffix(tok, []byte(")")))
	if len(tok) > 0 && (tok[0] == '"' || tok[0] == '\'') {
		tok = unquote(tok)
	}
	return c.cssImage(strings.TrimSpace(cssUnescape(tok)), cond)
}

// cssImage is the one rule for images in CSS (url() in a background, and
// the background attributes): it returns the image source as the
// sanitizer allows it for <img> (see imageSource), escaped for a CSS
// string, or "". Under cond a remote image is dropped without counting as
// blocked: allowing remote content would not show it.
func (c *cleaner) cssImage(raw string, cond bool) string {
	lower := strings.ToLower(raw)
	if cond && !strings.HasPrefix(lower, "data:") && !strings.HasPrefix(lower, "cid:") {
		return ""
	}
	return cssURLEscape(c.imageSource(raw))
}

// cssURLEscape percent-encodes what may not stand in the quoted url() of
// a style attribute or sheet: quotes, parentheses, backslashes, spaces,
// brackets, braces and markup. It returns "" for "".
func cssURLEscape(u string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-._~:/?#@!$&*+,;=%", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + string(hex[c>>4]) + string(hex[c&15]))
	}
	return b.String()
}

// unescaped is cssUnescape for a token's text, without a copy when it
// holds no escape.
func unescaped(b []byte) []byte {
	if bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	return []byte(cssUnescape(b))
}

// cssUnescape resolves the escapes in a token's text as a browser does
// (CSS Syntax Level 3, 4.3.7): a backslash and up to six hex digits (and
// one white space after them) is that code point, U+FFFD for zero, a
// surrogate or beyond U+10FFFF; a backslash before a line end is dropped;
// before anything else it stands for that character.
func cssUnescape(b []byte) string {
	i := bytes.IndexByte(b, '\\')
	if i < 0 {
		return string(b)
	}
	var out strings.Builder
	out.Grow(len(b))
	out.Write(b[:i])
	for i < len(b) {
		c := b[i]
		if c != '\\' {
			out.WriteByte(c)
			i++
			continue
		}
		i++
		switch {
		case i == len(b):
			out.WriteRune(utf8.RuneError)
		case b[i] == '\n' || b[i] == '\f':
			i++
		case b[i] == '\r':
			i++
			if i < len(b) && b[i] == '\n' {
				i++
			}
		case isHex(b[i]):
			r, n := rune(0), 0
			for ; n < 6 && i < len(b) && isHex(b[i]); n, i = n+1, i+1 {
				r = r<<4 | rune(unhex(b[i]))
			}
			if r == 0 || r > utf8.MaxRune || r >= 0xD800 && r <= 0xDFFF {
				r = utf8.RuneError
			}
			out.WriteRune(r)
			switch {
			case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
				i += 2
			case i < len(b) && strings.IndexByte(" \t\n\r\f", b[i]) >= 0:
				i++
			}
		default:
			r, n := utf8.DecodeRune(b[i:])
			out.WriteRune(r)
			i += n
		}
	}
	return out.String()
}

// unquote strips the quotes of a string token; the closing one is
// missing when the sheet ended inside the string.
func unquote(s []byte) []byte {
	if len(s) >= 2 && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s[1:]
}
