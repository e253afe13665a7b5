package mailview

import (
	"strings"

	"golang.org/x/net/html"
)

// Mail made for old clients lays itself out with presentational
// attributes. Most are kept as they are (see elementAttrs) and the browser
// honours them; those of <body>, which the frame's document replaces, and
// the background images of body and table cells become CSS, under the one
// declaration policy.

// bodyRules returns the look of the mail's <body> as style sheet rules
// for the frame's own body: its presentational attributes (bgcolor, text,
// link, background, the margins) as :where() rules, which weigh no more
// than such attributes do, and its style attribute as !important rules,
// which outweigh the sheets' rules as a style attribute does.
func (c *cleaner) bodyRules(body *html.Node) []byte {
	if body == nil || body.Type != html.ElementNode {
		return nil
	}
	var hints []string
	var style []byte
	link := ""
	for _, a := range body.Attr {
		if a.Namespace != "" {
			continue
		}
		v := strings.TrimSpace(a.Val)
		switch a.Key {
		case "bgcolor":
			if col := legacyColor(v); col != "" {
				hints = append(hints, "background-color: "+col)
			}
		case "text":
			if col := legacyColor(v); col != "" {
				hints = append(hints, "color: "+col)
			}
		case "link":
			link = legacyColor(v)
		case "background":
			if u := c.cssImage(v, false); u != "" {
				hints = append(hints, `background-image: url("`+u+`")`)
			}
		case "marginwidth", "leftmargin", "rightmargin", "marginheight", "topmargin", "bottommargin":
			if reNumber.MatchString(v) {
				for _, side := range marginSides[a.Key] {
					hints = append(hints, "margin-"+side+": "+v+"px")
				}
			}
		case "style":
			style = c.appendDeclarations(style, a.Val, " !important")
		}
	}
	var b []byte
	if len(hints) > 0 {
		b = append(b, ":where(body){"+strings.Join(hints, "; ")+"}"...)
	}
	if link != "" {
		b = append(b, ":where(a){color: "+link+"}"...)
	}
	if len(style) > 0 {
		b = append(b, "body{"...)
		b = append(b, style...)
		b = append(b, '}')
	}
	return b
}

// marginSides are the sides each margin attribute of <body> sets.
var marginSides = map[string][]string{
	"marginwidth": {"left", "right"}, "leftmargin": {"left"}, "rightmargin": {"right"},
	"marginheight": {"top", "bottom"}, "topmargin": {"top"}, "bottommargin": {"bottom"},
}

// legacyColor returns a colour attribute's value as CSS, read as browsers
// read such attributes: a name or "#" and three or six hex digits as it
// is, six hex digits without "#" with one added, three without it as
// "#0a0b0c" (bgcolor="fff" is nearly black), and "" for anything else.
func legacyColor(v string) string {
	hex := strings.TrimPrefix(v, "#")
	isHex := hex != "" && strings.Trim(hex, "0123456789abcdefABCDEF") == ""
	switch {
	case !reColor.MatchString(v):
		return ""
	case isHex && len(hex) == 6, v[0] == '#' && isHex && len(hex) == 3:
		return "#" + hex
	case isHex && len(hex) == 3:
		return "#0" + hex[:1] + "0" + hex[1:2] + "0" + hex[2:]
	case v[0] == '#' || strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
		return ""
	}
	return v
}

// backgroundAttr turns the background attribute of a table, row or cell
// into a background-image declaration, or "".
func (c *cleaner) backgroundAttr(element, v string) string {
	if !backgroundElements[element] {
		return ""
	}
	if u := c.cssImage(v, false); u != "" {
		return `background-image: url("` + u + `")`
	}
	return ""
}

// backgroundElements are those whose background attribute browsers show.
var backgroundElements = set("table", "thead", "tbody", "tfoot", "tr", "td", "th")
