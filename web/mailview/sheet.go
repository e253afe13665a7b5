package mailview

import (
	"strings"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
)

// Style sheets are read with the CSS parser and written anew from what
// passes: rules whose selectors are allowed, holding the declarations that
// the one declaration policy allows (see declaration), and @media blocks
// that ask about the width, orientation or colour scheme only. Everything
// else goes: @import, @font-face (and with it unicode-range probing),
// @keyframes, @namespace, @charset, @supports, @layer and any other
// at-rule, custom properties, nested rules, and rules whose selectors
// read attributes (the way CSS exfiltrates a page's content) or history
// (:visited). The sheet written has a grammar of its own that sheetSafe
// checks again.

// pseudoKind is what a pseudo-class or pseudo-element may be.
type pseudoKind uint8

const (
	pseudoPlain    pseudoKind = iota + 1 // structural: :first-child
	pseudoReactive                       // depends on the reader: :hover
	pseudoElement                        // ::before
	pseudoSelector                       // takes selectors: :not(.a)
	pseudoNth                            // takes an+b: :nth-child(2n+1)
	pseudoIdent                          // takes a name: :lang(en)
)

// cssPseudo lists the pseudo-classes and pseudo-elements kept. Not kept:
// :visited (history), :has() (costly, and it reads the whole document),
// :target, form states, vendor ones. Reactive ones make their rule
// conditional: it may not load remote images.
var cssPseudo = map[string]pseudoKind{
	"root": pseudoPlain, "empty": pseudoPlain, "first-child": pseudoPlain, "last-child": pseudoPlain,
	"only-child": pseudoPlain, "first-of-type": pseudoPlain, "last-of-type": pseudoPlain,
	"only-of-type": pseudoPlain,
	"link":         pseudoReactive, "any-link": pseudoReactive, "hover": pseudoReactive,
	"active": pseudoReactive, "focus": pseudoReactive, "focus-visible": pseudoReactive,
	"focus-within": pseudoReactive,
	"before":       pseudoElement, "after": pseudoElement, "first-line": pseudoElement,
	"first-letter": pseudoElement, "selection": pseudoElement, "marker": pseudoElement,
	"not": pseudoSelector, "is": pseudoSelector, "where": pseudoSelector,
	"nth-child": pseudoNth, "nth-last-child": pseudoNth, "nth-of-type": pseudoNth,
	"nth-last-of-type": pseudoNth,
	"lang":             pseudoIdent, "dir": pseudoIdent,
}

// cssLegacyPseudoElements may be written with one colon, as CSS 2 did.
var cssLegacyPseudoElements = set("before", "after", "first-line", "first-letter")

// cssMediaFeatures are the media features a kept @media may test.
var cssMediaFeatures = set("width", "min-width", "max-width", "device-width", "min-device-width",
	"max-device-width", "orientation", "prefers-color-scheme")

var (
	cssMediaWords  = set("only", "not", "and", "or", "all", "screen", "print")
	cssMediaValues = set("portrait", "landscape", "light", "dark")
	cssMediaUnits  = set("px", "em", "rem")
)

// sheet appends to dst the rules of one style sheet that pass.
func (c *cleaner) sheet(dst []byte, src string) []byte {
	w := sheetWriter{c: c, out: dst}
	p := css.NewParser(parse.NewInputString(src), false)
	for range 2*len(src) + 16 {
		gt, _, data := p.Next()
		switch gt {
		case css.ErrorGrammar:
			if !p.HasParseError() {
				return w.close()
			}
		case css.BeginAtRuleGrammar:
			w.beginAtRule(data, p.Values())
		case css.BeginRulesetGrammar:
			w.beginRule(p.Values())
		case css.DeclarationGrammar:
			w.declaration(data, p.Values())
		case css.EndAtRuleGrammar, css.EndRulesetGrammar:
			w.end()
		}
		// Statement at-rules (@import, @charset, @namespace), custom
		// properties, comments and stray tokens are dropped.
	}
	return w.close()
}

// sheetWriter writes the rules kept from the parser's grammar events.
type sheetWriter struct {
	c     *cleaner
	out   []byte
	stack []sheetBlock // the blocks open
}

// sheetBlock is an open rule or at-rule.
type sheetBlock struct {
	keep  bool   // kept so far
	media bool   // an @media block (else a rule)
	start int    // where its output starts in out
	head  int    // where its rules start in out (@media)
	sel   string // a rule's selectors
	cond  bool   // a rule's declarations may not load remote images
	decls []byte // a rule's declarations kept
}

// inMedia reports whether the block open is a kept top-level @media.
func (w *sheetWriter) inMedia() bool {
	return len(w.stack) == 1 && w.stack[0].media && w.stack[0].keep
}

func (w *sheetWriter) beginAtRule(name []byte, prelude []css.Token) {
	b := sheetBlock{media: true, start: len(w.out)}
	if len(w.stack) == 0 && strings.ToLower(cssUnescape(name)) == "@media" {
		if q, ok := cleanMediaQuery(prelude); ok {
			b.keep = true
			w.out = append(w.out, "@media "+q+"{"...)
		}
	}
	b.head = len(w.out)
	w.stack = append(w.stack, b)
}

func (w *sheetWriter) beginRule(prelude []css.Token) {
	b := sheetBlock{start: len(w.out)}
	if len(w.stack) == 0 || w.inMedia() {
		b.sel, b.cond = cleanSelectors(prelude)
		b.keep = b.sel != ""
		b.cond = b.cond || w.inMedia()
	}
	w.stack = append(w.stack, b)
}

func (w *sheetWriter) declaration(name []byte, vals []css.Token) {
	if len(w.stack) == 0 {
		return
	}
	b := &w.stack[len(w.stack)-1]
	if !b.keep || b.media {
		return
	}
	before := len(b.decls)
	if before > 0 {
		b.decls = append(b.decls, "; "...)
	}
	decls, ok, important := w.c.appendDeclaration(b.decls, name, vals, b.cond)
	switch {
	case !ok:
		decls = decls[:before]
	case important:
		decls = append(decls, " !important"...)
	}
	b.decls = decls
}

// end closes the block open, writing what is kept of it.
func (w *sheetWriter) end() {
	if len(w.stack) == 0 {
		return
	}
	b := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	switch {
	case !b.keep:
	case b.media && len(w.out) == b.head:
		w.out = w.out[:b.start] // none of its rules was kept
	case b.media:
		w.out = append(w.out, '}')
	case len(b.decls) > 0:
		w.out = append(w.out, b.sel+"{"...)
		w.out = append(w.out, b.decls...)
		w.out = append(w.out, '}')
	}
}

// close ends the blocks the sheet left open and returns the output.
func (w *sheetWriter) close() []byte {
	for len(w.stack) > 0 {
		w.end()
	}
	return w.out
}
