package mailview

import "regexp"

// The allow-list shared by the tree pass and the bluemonday policy: an
// element not listed is unwrapped (its content kept), unless it is in
// dropElements; an attribute not listed is removed.

var allowedElements = set("a", "abbr", "acronym", "address", "article", "aside", "b", "bdi", "bdo",
	"big", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup", "dd", "del",
	"details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font", "footer", "h1", "h2",
	"h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "main", "mark", "nav",
	"ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strike", "strong", "sub",
	"summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul",
	"var", "wbr")

// dropElements are removed with everything inside them: active content,
// document metadata, form controls, media and raw-text elements whose
// content would be markup out of context.
var dropElements = set("script", "style", "noscript", "template", "iframe", "frame", "frameset",
	"object", "embed", "applet", "param", "svg", "math", "head", "title", "meta", "link", "base",
	"input", "button", "select", "textarea", "option", "optgroup", "datalist", "output", "keygen",
	"video", "audio", "source", "track", "canvas", "noembed", "noframes", "map", "area", "portal",
	"xml", "dialog")

var (
	reText   = regexp.MustCompile(`(?s)^.{0,1000}$`)
	reDir    = regexp.MustCompile(`^(?i:ltr|rtl|auto)$`)
	reLang   = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8}){0,3}$`)
	reAlign  = regexp.MustCompile(`^(?i:left|right|center|justify|middle|top|bottom|absmiddle|baseline)$`)
	reLength = regexp.MustCompile(`^[0-9]{1,5}(\.[0-9]{1,2})?(%|px)?$`)
	reNumber = regexp.MustCompile(`^[0-9]{1,4}$`)
	reColor  = regexp.MustCompile(`^(#?[0-9a-fA-F]{3,8}|[a-zA-Z]{1,24})$`)
	reFace   = regexp.MustCompile(`^[a-zA-Z0-9 ,_'"-]{1,200}$`)
	reSize   = regexp.MustCompile(`^[+-]?[1-7]$`)
	reType   = regexp.MustCompile(`^[a-zA-Z1]{1,8}$`)
	reBool   = regexp.MustCompile(`^[a-z]{0,8}$`)
	reID     = regexp.MustCompile(`^-?[_a-zA-Z][_a-zA-Z0-9-]{0,99}$`)
	reClass  = regexp.MustCompile(`^-?[_a-zA-Z][_a-zA-Z0-9-]*( -?[_a-zA-Z][_a-zA-Z0-9-]*)*$`)

	reHref      = regexp.MustCompile(`^(?i:https?://|mailto:)`)
	reDataImage = regexp.MustCompile(`^data:image/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$`)
	reSrcRemote = regexp.MustCompile(`^(?i:https?://)`)
	reTarget    = regexp.MustCompile(`^_blank$`)
	reRel       = regexp.MustCompile(`^noopener noreferrer$`)
)

// globalAttrs may appear on any allowed element (style, class and the
// background attribute are handled apart). Ids and classes are what style
// sheets name; with no script in the frame, nothing else reads them.
var globalAttrs = map[string]*regexp.Regexp{
	"title": reText, "dir": reDir, "lang": reLang, "align": reAlign, "valign": reAlign, "id": reID,
}

var tableAttrs = map[string]*regexp.Regexp{
	"width": reLength, "height": reLength, "bgcolor": reColor, "colspan": reNumber,
	"rowspan": reNumber, "nowrap": reBool, "bordercolor": reColor,
}

// elementAttrs lists the presentational attributes that mail still uses.
// href and src are checked as URLs, not listed here.
var elementAttrs = map[string]map[string]*regexp.Regexp{
	"img": {"alt": reText, "width": reLength, "height": reLength, "border": reNumber,
		"hspace": reNumber, "vspace": reNumber},
	"table": {"width": reLength, "height": reLength, "border": reNumber, "cellpadding": reNumber,
		"cellspacing": reNumber, "bgcolor": reColor, "bordercolor": reColor},
	"td": tableAttrs, "th": tableAttrs,
	"tr": {"bgcolor": reColor, "height": reLength, "bordercolor": reColor}, "tbody": {"bgcolor": reColor},
	"thead": {"bgcolor": reColor}, "tfoot": {"bgcolor": reColor},
	"col": {"span": reNumber, "width": reLength}, "colgroup": {"span": reNumber, "width": reLength},
	"font": {"color": reColor, "face": reFace, "size": reSize},
	"ol":   {"start": reNumber, "type": reType}, "ul": {"type": reType},
	"li": {"value": reNumber, "type": reType},
	"hr": {"width": reLength, "size": reNumber, "noshade": reBool, "color": reColor},
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
