package mailview

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// The bluemonday policies run last, over the output of the tree pass, so
// that a mistake in one layer is caught by the other. Policies are safe
// for concurrent use once built.
var (
	localPolicy  = newPolicy(false)
	remotePolicy = newPolicy(true)
)

func policyFor(allowRemote bool) *bluemonday.Policy {
	if allowRemote {
		return remotePolicy
	}
	return localPolicy
}

func newPolicy(allowRemote bool) *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	for name := range allowedElements {
		p.AllowElements(name)
	}
	for name, re := range globalAttrs {
		p.AllowAttrs(name).Matching(re).Globally()
	}
	for element, attrs := range elementAttrs {
		for name, re := range attrs {
			p.AllowAttrs(name).Matching(re).OnElements(element)
		}
	}
	p.AllowAttrs("href").Matching(reHref).OnElements("a")
	p.AllowAttrs("target").Matching(reTarget).OnElements("a")
	p.AllowAttrs("rel").Matching(reRel).OnElements("a")
	src := reDataImage
	if allowRemote {
		src = regexp.MustCompile(reDataImage.String() + "|" + reSrcRemote.String())
	}
	p.AllowAttrs("src").Matching(src).OnElements("img")
	p.AllowAttrs("class").Matching(reClass).Globally()
	// Styles are matched against the grammar of what the declaration
	// policy writes, rather than parsed again by bluemonday's CSS parser,
	// which cost more than everything else in sanitizing together.
	if allowRemote {
		p.AllowAttrs("style").Matching(reStyleRemote).Globally()
	} else {
		p.AllowAttrs("style").Matching(reStyleLocal).Globally()
	}
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowURLSchemeWithCustomPolicy("data", func(u *url.URL) bool {
		return reDataImage.MatchString("data:" + u.Opaque)
	})
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	return p
}

// findElement returns the first element named name below n, or nil.
func findElement(n *html.Node, name string) *html.Node {
	var found *html.Node
	descend(n, func(d *html.Node) bool {
		if d.Type == html.ElementNode && d.Data == name {
			found = d
		}
		return found == nil
	})
	return found
}

// textContent returns the text inside n.
func textContent(n *html.Node) string {
	var b strings.Builder
	descend(n, func(d *html.Node) bool {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
		return true
	})
	return b.String()
}

// descend calls fn on the nodes below n in document order until it returns
// false. Unlike Node.Descendants it does not recurse, so hostile nesting
// cannot exhaust the stack.
func descend(n *html.Node, fn func(*html.Node) bool) {
	for c := n.FirstChild; c != nil; {
		if !fn(c) {
			return
		}
		if c.FirstChild != nil {
			c = c.FirstChild
			continue
		}
		for c != n && c.NextSibling == nil {
			c = c.Parent
		}
		if c == n {
			return
		}
		c = c.NextSibling
	}
}

// The grammar of what the declaration policy writes: "property: value"
// declarations joined by "; ", values made of the allowed characters,
// with an opening parenthesis only right after the name of an allowed
// function, and url() only quoted, holding a data: image or, where
// remote content is allowed, an http or https address with nothing to
// escape. That rules out other url()s, expression(), escapes, comments,
// at-rules and markup. Unlike bluemonday's own CSS parsing, it does not
// check each value against its property.
const (
	styleChars     = `[a-zA-Z0-9 #%.,+'"/)-]`
	styleFuncs     = `(?i:rgba?|hsla?|(?:repeating-)?(?:linear|radial)-gradient)\(`
	styleDataURL   = `url\("data:image/(?:png|gif|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}"\)`
	styleRemoteURL = `url\("(?i:https?)://[A-Za-z0-9._~:/?#@!$&*+,;=%-]+"\)`
	styleDeclLocal = `[a-z]+(?:-[a-z]+)*: (?:` + styleChars + `|` + styleFuncs + `|` + styleDataURL + `)+`
	styleDeclAny   = `[a-z]+(?:-[a-z]+)*: (?:` + styleChars + `|` + styleFuncs + `|` + styleDataURL + `|` + styleRemoteURL + `)+`
)

// reStyleLocal and reStyleRemote match style attributes; the bluemonday
// policies check them with these.
var (
	reStyleLocal  = regexp.MustCompile(`^` + styleDeclLocal + `(?:; ` + styleDeclLocal + `)*$`)
	reStyleRemote = regexp.MustCompile(`^` + styleDeclAny + `(?:; ` + styleDeclAny + `)*$`)
)

// The grammar of the sheets that sheet and bodyRules write: rules of
// selectors (names, classes, ids, combinators, pseudo-classes; no
// attribute selector, string or escape) and declarations as in a style
// attribute, possibly !important, at the top level or in @media blocks
// whose rules load no remote image.
const (
	sheetSelector = `[a-zA-Z0-9_ .#>+~*,:()-]+`
	sheetMedia    = `@media [a-z0-9 (),:.-]+`
)

func sheetRule(decl string) string {
	d := decl + `(?: !important)?`
	return sheetSelector + `\{` + d + `(?:; ` + d + `)*\}`
}

var (
	reSheetLocal = regexp.MustCompile(`^(?:` + sheetRule(styleDeclLocal) + `|` +
		sheetMedia + `\{(?:` + sheetRule(styleDeclLocal) + `)+\})*$`)
	reSheetRemote = regexp.MustCompile(`^(?:` + sheetRule(styleDeclAny) + `|` +
		sheetMedia + `\{(?:` + sheetRule(styleDeclLocal) + `)+\})*$`)
	// reSheetRule finds each rule's selectors and declarations.
	reSheetRule   = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)
	reSheetPseudo = regexp.MustCompile(`:{1,2}([a-z-]+)`)
)

// sheetSafe checks a sheet written by sheet and bodyRules once more, on
// its own terms, as the bluemonday policy checks the markup: its grammar,
// the pseudo-classes its selectors name, and that rules which depend on
// the reader (:hover) load no remote image. A sheet that fails is a bug,
// and is dropped whole.
func sheetSafe(sheet string, allowRemote bool) bool {
	re := reSheetLocal
	if allowRemote {
		re = reSheetRemote
	}
	if !re.MatchString(sheet) {
		return false
	}
	for _, m := range reSheetRule.FindAllStringSubmatch(sheet, -1) {
		for _, p := range reSheetPseudo.FindAllStringSubmatch(m[1], -1) {
			switch cssPseudo[p[1]] {
			case 0:
				return false
			case pseudoReactive:
				if strings.Contains(m[2], `url("http`) {
					return false
				}
			}
		}
	}
	return true
}
