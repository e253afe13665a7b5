package mailview

import (
	"errors"
	"strings"
	"testing"
)

func TestParseHTML(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 100))
	related := crlf(`Content-Type: multipart/related; boundary="r"`, "",
		"--r", "Content-Type: text/html; charset=utf-8", "",
		`<p>logo <img src="cid:logo@x"> pixel <img src="http://t.example/p.gif" width=1 height=1></p>`,
		"--r", "Content-Type: image/png", "Content-ID: <logo@x>", "Content-Transfer-Encoding: base64", "", base64Lines(png),
		"--r", "Content-Type: image/gif", "Content-ID: <unused@x>", "", "GIF89a",
		"--r--")
	tests := []struct {
		name           string
		opts           Options
		blocked        bool
		want, wantNot  []string
		attachmentCIDs string
	}{
		{"defaults", Options{}, true, []string{`<img src="data:image/png;base64,`, "<!DOCTYPE html>", `<meta charset="utf-8">`},
			[]string{"t.example", "cid:"}, "unused@x"},
		{"remote allowed", Options{AllowRemote: true}, false, []string{`src="http://t.example/p.gif"`, "data:image/png"}, nil, "unused@x"},
		{"image over the inline limit", Options{MaxInlineImage: 50}, true, nil, []string{"data:image", "cid:"}, "logo@x unused@x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, related, tc.opts)
			if m.RemoteBlocked != tc.blocked {
				t.Errorf("Parse().RemoteBlocked = %v, want %v", m.RemoteBlocked, tc.blocked)
			}
			for _, w := range tc.want {
				wantContains(t, "Parse().HTML", m.HTML, w)
			}
			for _, w := range tc.wantNot {
				if strings.Contains(m.HTML, w) {
					t.Errorf("Parse().HTML = %q, want no %q", m.HTML, w)
				}
			}
			var cids []string
			for _, a := range m.Attachments {
				cids = append(cids, a.ContentID)
			}
			if got := strings.Join(cids, " "); got != tc.attachmentCIDs {
				t.Errorf("Parse().Attachments Content-IDs = %q, want %q", got, tc.attachmentCIDs)
			}
		})
	}
}

// TestParseNesting builds messages attached inside messages, deeper than
// Parse follows.
func TestParseNesting(t *testing.T) {
	raw := crlf("Subject: level 8", "", "innermost")
	for level := 7; level >= 0; level-- {
		raw = crlf("Subject: level "+string(rune('0'+level)), `Content-Type: multipart/mixed; boundary="b`+string(rune('0'+level))+`"`, "",
			"--b"+string(rune('0'+level)), "Content-Type: message/rfc822", "", raw, "--b"+string(rune('0'+level))+"--")
	}
	m := mustParse(t, raw, Options{})
	depth, path := 0, ""
	for cur := m; len(cur.Nested) > 0; cur = cur.Nested[0] {
		depth++
		path = cur.Attachments[0].Path
		if len(cur.Nested[0].Nested) == 0 {
			wantContains(t, "Problems of the deepest parsed message", strings.Join(cur.Nested[0].Problems, "|"), noteTooDeep)
		}
	}
	if depth != maxMessageDepth || path != "1.1.1.1.1" {
		t.Errorf("Parse() nested %d levels, last attachment path %q, want %d and %q", depth, path, maxMessageDepth, "1.1.1.1.1")
	}
	// The deepest listed part opens as a whole; nothing inside it does.
	if _, _, err := OpenPart(strings.NewReader(raw), "1.1.1.1.1.1"); err != nil {
		t.Errorf("OpenPart(%q) error = %v, want nil", "1.1.1.1.1.1", err)
	}
	if _, _, err := OpenPart(strings.NewReader(raw), "1.1.1.1.1.1.1"); !errors.Is(err, ErrPartNotFound) {
		t.Errorf("OpenPart(%q) error = %v, want %v", "1.1.1.1.1.1.1", err, ErrPartNotFound)
	}
}

func TestSanitizeKeepsMail(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<table width="600" cellpadding="4" bgcolor="#ffffff"><tr><td style="padding: 10px; color: #333">x</td></tr></table>`,
			`<table width="600" cellpadding="4" bgcolor="#ffffff"><tbody><tr><td style="padding: 10px; color: #333">x</td></tr></tbody></table>`},
		{`<font face="Arial" color="red" size="2">f</font>`, `<font color="red" face="Arial" size="2">f</font>`},
		{`<p style="font-family: 'Segoe UI', Arial; font-size: 14px; text-align: center">p</p>`,
			`<p style="font-family: &#39;Segoe UI&#39;, Arial; font-size: 14px; text-align: center">p</p>`},
		{`<body bgcolor="#eeeeee"><p>b</p></body>`, "<style>:where(body){background-color: #eeeeee}</style>\n<p>b</p>"},
		{`<o:p>office</o:p><custom-tag>kept</custom-tag>`, `officekept`},
		{`<a href="https://example.com/a?b=1&amp;c=2">l</a>`, `<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">l</a>`},
		{strings.Repeat("<div>", 400) + "deep" + strings.Repeat("</div>", 400), "deep"},
	}
	for _, tc := range tests {
		got, _ := Sanitize(tc.in, false)
		if !strings.Contains(got, tc.want) {
			t.Errorf("Sanitize(%.80q) = %.300q, want it to contain %q", tc.in, got, tc.want)
		}
	}
}

// TestLegacyLayout: the presentational attributes of mail made for old
// clients are honoured as browsers honour them, those of <body> as rules
// for the frame's own body.
func TestLegacyLayout(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"body colours", `<body bgcolor="ffffff" text="#333" link="navy"><p>b</p></body>`,
			"<style>:where(body){background-color: #ffffff; color: #333}:where(a){color: navy}</style>\n<p>b</p>"},
		{"three hex digits without #", `<body bgcolor="fff"><p>b</p></body>`,
			"<style>:where(body){background-color: #0f0f0f}</style>\n<p>b</p>"},
		{"body margins", `<body leftmargin="0" topmargin="10" marginwidth="0" marginheight="0"><p>b</p></body>`,
			"<style>:where(body){margin-left: 0px; margin-top: 10px; margin-left: 0px; margin-right: 0px; margin-top: 0px; margin-bottom: 0px}</style>\n<p>b</p>"},
		{"body style outweighs the sheets", `<body style="margin:0; color: red"><style>body{color:blue}</style><p>b</p></body>`,
			"<style>body{margin: 0 !important; color: red !important}body{color: blue}</style>\n<p>b</p>"},
		{"body background, blocked", `<body background="http://img.example/bg.png"><p>b</p></body>`, "<p>b</p>"},
		{"body background, data", `<body background="data:image/png;base64,iVBORw0KGgo="><p>b</p></body>`,
			"<style>:where(body){background-image: url(\"data:image/png;base64,iVBORw0KGgo=\")}</style>\n<p>b</p>"},
		{"body background, remote allowed", `<body background="http://img.example/bg.png"><p>b</p></body>`,
			"<style>:where(body){background-image: url(\"http://img.example/bg.png\")}</style>\n<p>b</p>"},
		{"body attributes smuggling CSS", `<body bgcolor="red;background:url(http://x/a)" text="#000;position:fixed" link="x}p{color:red"><p>b</p></body>`, "<p>b</p>"},
		{"table attributes", `<table width="600px" align="center" cellpadding="0" cellspacing="0" border="0" bgcolor="f4f4f4" bordercolor="#ccc"><tr><td valign="top" width="50%" nowrap>x</td></tr></table>`,
			`<table width="600px" align="center" cellpadding="0" cellspacing="0" border="0" bgcolor="f4f4f4" bordercolor="#ccc"><tbody><tr><td valign="top" width="50%" nowrap="">x</td></tr></tbody></table>`},
		{"cell background, remote allowed", `<table><tr><td background="https://img.example/c.png" style="color: red">x</td></tr></table>`,
			`<td style="background-image: url(&#34;https://img.example/c.png&#34;); color: red">x</td>`},
		{"cell background, blocked", `<table><tr><td background="https://img.example/c.png">x</td></tr></table>`, `<td>x</td>`},
		{"cell background, data", `<table><tr><td background="data:image/gif;base64,R0lGODlh" style="color: red">x</td></tr></table>`,
			`<td style="background-image: url(&#34;data:image/gif;base64,R0lGODlh&#34;); color: red">x</td>`},
		{"center and font", `<center><font face="Arial, sans-serif" size="+1" color="#336699">f</font></center>`,
			`<center><font color="#336699" face="Arial, sans-serif" size="+1">f</font></center>`},
		{"classes and ids", `<div class=" a  b-c 2d _e " id="main">x</div>`, `<div class="a b-c _e" id="main">x</div>`},
		{"id with markup", `<div id="a&quot; onclick=&quot;x">x</div>`, `<div>x</div>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			remote := strings.Contains(tc.name, "remote allowed")
			got, _ := Sanitize(tc.in, remote)
			if !strings.Contains(got, tc.want) {
				t.Errorf("Sanitize(%q, %v) = %q, want it to contain %q", tc.in, remote, got, tc.want)
			}
			if reason := unsafeReason(got, remote); reason != "" {
				t.Errorf("Sanitize(%q) = %q: %s", tc.in, got, reason)
			}
		})
	}
}
