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
	// Styles are matched against the grammar of what cleanStyle writes,
	// rather than parsed again by bluemonday's CSS parser, which cost more
	// than everything else in sanitizing together.
	p.AllowAttrs("style").Matching(reStyle).Globally()
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

// bodyStyle keeps the look of the <body> element (its colours and allowed
// style), which is lost with the element itself.
func bodyStyle(body *html.Node) string {
	if body.Type != html.ElementNode {
		return ""
	}
	var parts []string
	for _, a := range body.Attr {
		switch {
		case a.Key == "style":
			if s := cleanStyle(a.Val); s != "" {
				parts = append(parts, s)
			}
		case a.Key == "bgcolor" && reColor.MatchString(a.Val):
			parts = append(parts, "background-color: "+a.Val)
		case a.Key == "text" && reColor.MatchString(a.Val):
			parts = append(parts, "color: "+a.Val)
		}
	}
	return strings.Join(parts, "; ")
}
