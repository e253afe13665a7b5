package mailview

import (
	"regexp"
	"strings"
)

// cssProperties are the inline style properties kept: colours, fonts, text
// layout, box sizes and borders. Nothing that positions a box outside the
// flow (position, z-index, top, ...), loads anything (background-image,
// list-style-image, content, cursor) or runs code (behavior, -moz-binding).
var cssProperties = set("color", "background-color", "background",
	"font", "font-family", "font-size", "font-style", "font-weight", "font-variant",
	"line-height", "letter-spacing", "word-spacing", "text-align", "text-decoration",
	"text-indent", "text-transform", "vertical-align", "white-space", "word-break",
	"word-wrap", "overflow-wrap", "direction",
	"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
	"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
	"width", "height", "max-width", "min-width", "max-height", "min-height",
	"border", "border-top", "border-right", "border-bottom", "border-left",
	"border-color", "border-style", "border-width", "border-collapse", "border-spacing",
	"border-radius", "border-top-color", "border-right-color", "border-bottom-color",
	"border-left-color", "border-top-style", "border-right-style", "border-bottom-style",
	"border-left-style", "border-top-width", "border-right-width", "border-bottom-width",
	"border-left-width", "display", "list-style-type", "float", "clear", "table-layout",
	"caption-side", "empty-cells")

var (
	// cssValueChars is what a kept value may consist of, lower-cased: no
	// backslash (escapes), no colon, semicolon, braces, "@" or markup.
	cssValueChars = func() (t [256]bool) {
		for _, c := range []byte("abcdefghijklmnopqrstuvwxyz0123456789 #%.,+-'\"/()") {
			t[c] = true
		}
		return t
	}()
	// Only colour functions are allowed, which rules out url(),
	// expression(), image-set(), var() and the rest.
	cssColorFuncs = set("rgb", "rgba", "hsl", "hsla")
	cssDisplay    = set("block", "inline", "inline-block", "none", "list-item", "table",
		"inline-table", "table-row", "table-cell", "table-row-group", "table-header-group",
		"table-footer-group", "table-column", "table-column-group", "table-caption")
)

// reStyle matches the grammar of what cleanStyle and bodyStyle write:
// "property: value" declarations joined by "; ", values made of the
// allowed characters, with an opening parenthesis only right after the
// name of a colour function. That rules out url(), expression(), escapes,
// comments, at-rules and markup. The bluemonday policy checks styles with
// it; unlike bluemonday's own CSS parsing, it does not check each value
// against its property.
var reStyle = regexp.MustCompile(`^` + styleDecl + `(?:; ` + styleDecl + `)*$`)

const styleDecl = `[a-z-]+: (?:[a-zA-Z0-9 #%.,+'"/)-]|(?i:rgba?|hsla?)\()+`

// cleanStyle filters an inline style attribute down to allowed
// declarations with harmless values, and returns "" if none is left.
func cleanStyle(style string) string {
	if strings.Contains(style, `\`) || strings.Contains(style, "/*") {
		// Escapes and comments can hide anything from a filter.
		return ""
	}
	var kept []string
	for _, decl := range strings.Split(style, ";") {
		prop, value, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		prop = strings.ToLower(strings.TrimSpace(prop))
		value = strings.TrimSpace(value)
		if v, found := strings.CutSuffix(strings.ToLower(value), "!important"); found {
			value = strings.TrimSpace(value[:len(v)])
		}
		if cssProperties[prop] && cssValueOK(prop, strings.ToLower(value)) {
			kept = append(kept, prop+": "+value)
		}
	}
	return strings.Join(kept, "; ")
}

func cssValueOK(prop, v string) bool {
	if v == "" || len(v) > 300 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !cssValueChars[v[i]] {
			return false
		}
	}
	if strings.ContainsAny(v, `'"`) && prop != "font-family" && prop != "font" {
		return false
	}
	if strings.Count(v, "(") != strings.Count(v, ")") || strings.Contains(v, "((") {
		return false
	}
	for rest := v; ; {
		i := strings.IndexByte(rest, '(')
		if i < 0 {
			break
		}
		// The function name: the letters and hyphens before "(".
		j := i
		for j > 0 && (rest[j-1] >= 'a' && rest[j-1] <= 'z' || rest[j-1] == '-') {
			j--
		}
		if !cssColorFuncs[rest[j:i]] {
			return false
		}
		rest = rest[i+1:]
	}
	switch prop {
	case "display":
		return cssDisplay[v]
	case "background":
		// Only the colour form of the shorthand; images are not allowed.
		return !strings.ContainsAny(v, "/") && !strings.Contains(v, "image")
	}
	return true
}
