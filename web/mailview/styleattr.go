package mailview

import (
	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
)

// style filters a style attribute down to allowed declarations, written
// as "property: value" joined by "; ", and returns "" if none is left.
// !important is dropped: popgate's own frame style must keep the last word
// over what a style attribute says.
func (c *cleaner) style(attr string) string {
	// Mail repeats its style attributes, a newsletter thousands of times.
	if s, ok := c.styles[attr]; ok {
		return s
	}
	c.buf = c.appendDeclarations(c.buf[:0], attr, "")
	s := string(c.buf)
	if c.styles == nil {
		c.styles = make(map[string]string)
	}
	c.styles[attr] = s
	return s
}

// appendDeclarations reads a declaration list (a style attribute) with the
// CSS tokenizer as CSS Syntax Level 3 (5.4.5) does, and appends to dst the
// declarations kept, joined by "; ", each followed by suffix; !important
// is dropped. A list has no rules, so its declarations apply to everyone:
// url()s are judged as such (see appendDeclaration).
func (c *cleaner) appendDeclarations(dst []byte, list, suffix string) []byte {
	const (
		atName  = iota // before a declaration
		atColon        // after its name
		inValue        // in its value
		skip           // in something else, up to the next ";"
	)
	l := css.NewLexer(parse.NewInputString(list))
	state, depth := atName, 0
	var name []byte
	toks := c.toks[:0]
	flush := func() {
		first := len(dst) == 0
		before := len(dst)
		if !first {
			dst = append(dst, "; "...)
		}
		var ok bool
		if dst, ok, _ = c.appendDeclaration(dst, name, toks, false); !ok {
			dst = dst[:before]
			return
		}
		dst = append(dst, suffix...)
	}
	for {
		tt, data := l.Next()
		if tt == css.ErrorToken {
			if state == inValue && depth == 0 {
				flush()
			}
			c.toks = toks
			return dst
		}
		switch tt {
		case css.LeftParenthesisToken, css.LeftBracketToken, css.LeftBraceToken, css.FunctionToken:
			depth++
		case css.RightParenthesisToken, css.RightBracketToken, css.RightBraceToken:
			if depth > 0 {
				depth--
			}
		}
		switch {
		case tt == css.SemicolonToken && depth == 0:
			if state == inValue {
				flush()
			}
			state = atName
		case state == inValue:
			if tt == css.CommentToken {
				tt, data = css.WhitespaceToken, []byte(" ") // a comment separates tokens
			}
			toks = append(toks, css.Token{TokenType: tt, Data: data})
		case tt == css.WhitespaceToken || tt == css.CommentToken:
		case state == atName && tt == css.IdentToken:
			name, toks, state = data, toks[:0], atColon
		case state == atColon && tt == css.ColonToken:
			state = inValue
		default:
			state = skip
		}
	}
}
