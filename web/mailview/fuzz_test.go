package mailview

import (
	"io"
	"strings"
	"testing"
)

// FuzzSanitize checks that whatever goes in, the output re-parsed as a
// browser would has no script element, event handler, script URL or
// (unless allowed) remote image.
func FuzzSanitize(f *testing.F) {
	seeds := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`<svg><script>alert(1)</script></svg>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<a href="jav&#x09;ascript:alert(1)">x</a>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
		`<p style="background:\75rl(http://x)">`,
		`<img src="http://t.example/x.gif" width=1 height=1>`,
		`<table><tr><td background="http://x">t</td></tr></table>`,
		`<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>`,
		`<a href="https://example.com/">ok</a><img src="data:image/png;base64,iVBORw0KGgo=">`,
		`<div style="position:fixed;background:url(x)">`,
		`<!--<img src=x onerror=alert(1)>--><p>`,
		`<xmp><p title="</xmp><img src=x onerror=alert(1)>">`,
		`<style>a[href^=x]{background:url(http://x/a)} @import 'x'; @font-face{src:url(x)} p{color:red}</style>`,
		`<style>@media (max-width:600px){.a{width:100%!important;background:url(https://x/m.png)}} a:hover{color:red}</style>`,
		`<style>.a{\63olor:\72 ed;background:u\72l(http://x)} @\69mport url(x); a:vi\73ited{color:red}</style>`,
		`<style>p{font-family:"</style><img src=x onerror=alert(1)>"}</style>`,
		`<body bgcolor="ffffff" link="#00f" background="http://x/b.png" style="margin:0"><table background="http://x/t.png"><tr><td>t</td></tr></table>`,
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, allowRemote bool) {
		out, _ := Sanitize(in, allowRemote)
		if reason := unsafeReason(out, allowRemote); reason != "" {
			t.Fatalf("Sanitize(%q, %v) = %q: %s", in, allowRemote, out, reason)
		}
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Fatalf("Sanitize(%q, %v) = %q, want no <script", in, allowRemote, out)
		}
	})
}

// FuzzParse checks that no input makes Parse fail or panic, that every part
// Parse lists opens with OpenPart at the size Parse reported, and that
// Linkify keeps the text and links only to allowed schemes.
func FuzzParse(f *testing.F) {
	f.Add(crlf("Subject: s", "", "see http://example.com/."))
	f.Add(crlf(`Content-Type: multipart/mixed; boundary="b"`, "", "--b", "", "text", "--b",
		"Content-Type: application/pdf; name*=utf-8''%E2%82%AC.pdf", "Content-Transfer-Encoding: base64", "", "JVBERi0=", "--b--"))
	f.Add(crlf(`Content-Type: multipart/alternative; boundary=x`, "", "--x", "Content-Type: text/html", "",
		`<img src="cid:a">`, "--x", "Content-Type: message/rfc822", "", "Subject: in", "", "body", "--x"))
	f.Add("From x\n Subject: =?utf-8?q?a?=\nContent-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: x\n\n--d--")
	f.Add(crlf("Content-Type: text/plain; format=flowed; charset=x-unknown", "Content-Transfer-Encoding: quoted-printable", "", "a =", "b=3D ", "> c"))
	// Real mail is the best start for mutations: the corpus's smaller
	// messages.
	for _, m := range mustCorpus(f) {
		if len(m.Data) <= 16<<10 {
			f.Add(string(m.Data))
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		m, err := Parse(strings.NewReader(raw), Options{MaxPartSize: 1 << 16})
		if err != nil {
			t.Fatalf("Parse() error = %v, want nil", err)
		}
		for _, p := range allAttachments(m) {
			_, body, err := OpenPart(strings.NewReader(raw), p.Path)
			if err != nil {
				t.Fatalf("OpenPart(%q) error = %v, want nil", p.Path, err)
			}
			if n, _ := io.Copy(io.Discard, body); n != p.Size {
				t.Fatalf("OpenPart(%q) gave %d bytes, Parse() said %d", p.Path, n, p.Size)
			}
		}
		var joined strings.Builder
		for _, s := range Linkify(m.Text) {
			joined.WriteString(s.Text)
			if s.URL != "" && !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") &&
				!strings.HasPrefix(s.URL, "mailto:") {
				t.Fatalf("Linkify(%q) links to %q", m.Text, s.URL)
			}
		}
		if joined.String() != m.Text {
			t.Fatalf("Linkify(%q) segments join to %q", m.Text, joined.String())
		}
		Summarize([]byte(raw))
	})
}
