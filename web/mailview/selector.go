package mailview

import (
	"strings"

	"github.com/tdewolff/parse/v2/css"
)

// maxSelector bounds the selectors of one rule, in octets.
const maxSelector = 1000

// cleanSelectors returns the selectors of a rule's prelude that are
// allowed, written anew and joined by ", ", or "" when none is. A selector
// is made of element names, classes, ids, the universal selector,
// combinators and the pseudo-classes and pseudo-elements of cssPseudo;
// attribute selectors, namespaces, nesting and anything escaped into a
// name that is not a plain identifier make it go. cond reports that a
// selector kept depends on the reader (:hover, :link).
func cleanSelectors(prelude []css.Token) (sel string, cond bool) {
	var kept []string
	for start, depth, i := 0, 0, 0; i <= len(prelude); i++ {
		if i < len(prelude) {
			switch prelude[i].TokenType {
			case css.FunctionToken:
				depth++
				continue
			case css.RightParenthesisToken:
				depth--
				continue
			case css.CommaToken:
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		if s, reactive, ok := cleanSelector(prelude[start:i]); ok {
			kept = append(kept, s)
			cond = cond || reactive
		}
		start = i + 1
	}
	sel = strings.Join(kept, ", ")
	if len(sel) > maxSelector {
		return "", false
	}
	return sel, cond
}

// cleanSelector judges one complex selector (no comma at its top level).
func cleanSelector(toks []css.Token) (sel string, reactive, ok bool) {
	var b strings.Builder
	var fns []pseudoKind // the functional pseudo-classes open
	colons := 0          // colons just read
	for i, t := range toks {
		in := pseudoKind(0)
		if len(fns) > 0 {
			in = fns[len(fns)-1]
		}
		if colons > 0 && t.TokenType != css.ColonToken && t.TokenType != css.IdentToken && t.TokenType != css.FunctionToken {
			return "", false, false
		}
		switch t.TokenType {
		case css.WhitespaceToken:
			b.WriteByte(' ')
		case css.ColonToken:
			if colons++; colons > 2 {
				return "", false, false
			}
			b.WriteByte(':')
		case css.IdentToken:
			name := cssUnescape(t.Data)
			switch {
			case colons > 0:
				// Pseudo-elements take two colons, or one in the four
				// that CSS 2 named that way.
				kind := cssPseudo[strings.ToLower(name)]
				if kind == 0 || kind >= pseudoSelector || colons == 2 && kind != pseudoElement ||
					colons == 1 && kind == pseudoElement && !cssLegacyPseudoElements[strings.ToLower(name)] {
					return "", false, false
				}
				reactive = reactive || kind == pseudoReactive
				name = strings.ToLower(name)
			case in == pseudoNth:
				if !nthOK(name) {
					return "", false, false
				}
			case !identOK(name):
				return "", false, false
			}
			colons = 0
			b.WriteString(name)
		case css.FunctionToken:
			name := strings.ToLower(strings.TrimSuffix(cssUnescape(t.Data), "("))
			kind := cssPseudo[name]
			if colons != 1 || kind < pseudoSelector {
				return "", false, false
			}
			colons = 0
			fns = append(fns, kind)
			b.WriteString(name + "(")
		case css.RightParenthesisToken:
			if len(fns) == 0 {
				return "", false, false
			}
			fns = fns[:len(fns)-1]
			b.WriteByte(')')
		case css.HashToken:
			if name := cssUnescape(t.Data[1:]); identOK(name) && in != pseudoNth && in != pseudoIdent {
				b.WriteString("#" + name)
				continue
			}
			return "", false, false
		case css.NumberToken, css.DimensionToken:
			if in != pseudoNth || !nthOK(string(t.Data)) {
				return "", false, false
			}
			b.Write(t.Data)
		case css.CommaToken:
			if in != pseudoSelector {
				return "", false, false
			}
			b.WriteString(", ")
		case css.DelimToken:
			d := string(t.Data)
			switch {
			case d == "." && i+1 < len(toks) && toks[i+1].TokenType == css.IdentToken && in != pseudoNth:
			case (d == "*" || d == ">" || d == "~") && in != pseudoNth:
			case d == "+":
			case d == "-" && in == pseudoNth:
			default:
				return "", false, false
			}
			b.WriteString(d)
		default:
			return "", false, false // [attributes], strings, |, &, ...
		}
	}
	sel = strings.TrimSpace(b.String())
	if sel == "" || colons > 0 || len(fns) > 0 {
		return "", false, false
	}
	return sel, reactive, true
}

// identOK reports whether s is a CSS identifier that needs no escape in
// ASCII: a name, a class or an id as mail uses them.
func identOK(s string) bool {
	t := strings.TrimPrefix(s, "-")
	if t == "" || t[0] >= '0' && t[0] <= '9' || t[0] == '-' {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// nthOK reports whether s is a piece of an an+b expression: digits, n,
// signs, odd or even.
func nthOK(s string) bool {
	s = strings.ToLower(s)
	if s == "odd" || s == "even" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == 'n' || c == '+' || c == '-') {
			return false
		}
	}
	return s != ""
}

// cleanMediaQuery returns an @media prelude written anew if it asks only
// about the media type (all, screen, print), the width, the orientation
// and the colour scheme, and ok false otherwise. A query about anything
// else (resolution, hover, a range written with "<") drops the block: it
// is rare in mail, and each feature is one more fact about the reader.
func cleanMediaQuery(prelude []css.Token) (q string, ok bool) {
	var b strings.Builder
	inParens := false
	for _, t := range prelude {
		switch t.TokenType {
		case css.WhitespaceToken:
			b.WriteByte(' ')
		case css.CommaToken:
			if inParens {
				return "", false
			}
			b.WriteString(", ")
		case css.LeftParenthesisToken:
			if inParens {
				return "", false
			}
			inParens = true
			b.WriteByte('(')
		case css.RightParenthesisToken:
			if !inParens {
				return "", false
			}
			inParens = false
			b.WriteByte(')')
		case css.ColonToken:
			if !inParens {
				return "", false
			}
			b.WriteByte(':')
		case css.IdentToken:
			w := strings.ToLower(cssUnescape(t.Data))
			switch {
			case !inParens && !cssMediaWords[w]:
				return "", false
			case inParens && !cssMediaFeatures[w] && !cssMediaValues[w]:
				return "", false
			}
			b.WriteString(w)
		case css.NumberToken:
			if !inParens || !digitsOK(string(t.Data)) {
				return "", false
			}
			b.Write(t.Data)
		case css.DimensionToken:
			d := strings.ToLower(cssUnescape(t.Data))
			num := strings.TrimRight(d, "abcdefghijklmnopqrstuvwxyz")
			if !inParens || !digitsOK(num) || !cssMediaUnits[d[len(num):]] {
				return "", false
			}
			b.WriteString(d)
		default:
			return "", false
		}
	}
	q = strings.Join(strings.Fields(b.String()), " ")
	if inParens || q == "" || len(q) > maxSelector {
		return "", false
	}
	return q, true
}

// digitsOK reports whether s is a plain non-negative number.
func digitsOK(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '.') {
			return false
		}
	}
	return true
}
