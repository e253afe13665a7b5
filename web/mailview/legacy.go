package mailview

import (
	"strings"

	"golang.org/x/net/html"
)

// bodyRules returns the look of the mail's <body>, which the frame's
// document replaces, as style sheet rules for the frame's own body: its
// bgcolor and text attributes as a :where() rule, which weighs no more
// than such attributes do, and its style attribute as !important rules,
// which outweigh the sheets' rules as a style attribute does.
func (c *cleaner) bodyRules(body *html.Node) []byte {
	if body == nil || body.Type != html.ElementNode {
		return nil
	}
	var hints []string
	var style []byte
	for _, a := range body.Attr {
		if a.Namespace != "" {
			continue
		}
		v := strings.TrimSpace(a.Val)
		switch {
		case a.Key == "bgcolor" && reColor.MatchString(v):
			hints = append(hints, "background-color: "+v)
		case a.Key == "text" && reColor.MatchString(v):
			hints = append(hints, "color: "+v)
		case a.Key == "style":
			style = c.appendDeclarations(style, a.Val, " !important")
		}
	}
	var b []byte
	if len(hints) > 0 {
		b = append(b, ":where(body){"+strings.Join(hints, "; ")+"}"...)
	}
	if len(style) > 0 {
		b = append(b, "body{"...)
		b = append(b, style...)
		b = append(b, '}')
	}
	return b
}
