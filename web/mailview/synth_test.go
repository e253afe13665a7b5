package mailview

import (
	"strings"
	"testing"
)

// crlf joins lines into a message with CRLF line ends.
func crlf(lines ...string) string { return strings.Join(lines, "\r\n") }

// mustParse parses a message held in a string.
func mustParse(tb testing.TB, raw string, opts Options) *Message {
	tb.Helper()
	m, err := Parse(strings.NewReader(raw), opts)
	if err != nil {
		tb.Fatalf("Parse() error = %v, want nil", err)
	}
	return m
}

func TestParseBodies(t *testing.T) {
	alt := crlf("Subject: alt", `Content-Type: multipart/alternative; boundary="b"`, "",
		"--b", "Content-Type: text/plain", "", "plain", "--b", "Content-Type: text/html", "",
		"<p>rich</p>", "--b--", "")
	tests := []struct {
		name, raw        string
		opts             Options
		text, html, note string // html and note: substrings; "" html means no HTML
	}{
		{"plain only", crlf("Subject: s", "", "hello", ""), Options{}, "hello\n", "", ""},
		{"html only", crlf("Content-Type: text/html", "", "<p>hi</p>"), Options{}, "", "<p>hi</p>", ""},
		{"alternative fills both", alt, Options{}, "plain", "<p>rich</p>", ""},
		{"unknown charset, UTF-8 bytes", crlf("Content-Type: text/plain; charset=x-foo", "", "caf\xc3\xa9"), Options{},
			"café", "", "unknown character set (x-foo)"},
		{"unknown charset, Latin-1 bytes", crlf("Content-Type: text/plain; charset=x-foo", "", "caf\xe9 \x80"), Options{},
			"café €", "", "unknown character set (x-foo)"},
		{"KOI8-R", crlf("Content-Type: text/plain; charset=koi8-r", "", "\xf0\xd2\xc9\xd7\xc5\xd4"), Options{}, "Привет", "", ""},
		{"Big5", crlf("Content-Type: text/plain; charset=big5", "", "\xa4\xa4\xa4\xe5"), Options{}, "中文", "", ""},
		{"ISO-2022-JP", crlf("Content-Type: text/plain; charset=iso-2022-jp", "", "\x1b$B$3$s$K$A$O\x1b(B"), Options{}, "こんにちは", "", ""},
		{"windows-1251 quoted-printable", crlf("Content-Type: text/plain; charset=windows-1251",
			"Content-Transfer-Encoding: quoted-printable", "", "=CF=F0=E8=E2=E5=F2=", "!"), Options{}, "Привет!", "", ""},
		{"UTF-7", crlf("Content-Type: text/plain; charset=utf-7", "", "Hi Mom -+Jjo--!"), Options{}, "Hi Mom -☺-!", "", ""},
		{"format=flowed", crlf("Content-Type: text/plain; format=flowed", "", "Hello ", "world", "> quoted ", "> more", ">> deep", " From here", "-- ", "sig"), Options{},
			"Hello world\n> quoted more\n>> deep\nFrom here\n-- \nsig\n", "", ""},
		{"format=flowed delsp", crlf("Content-Type: text/plain; format=flowed; delsp=yes", "", "日本", "語", "ab ", "cd"), Options{}, "日本\n語\nabcd\n", "", ""},
		{"no closing boundary", crlf(`Content-Type: multipart/mixed; boundary="b"`, "", "--b", "", "body", "--b", "Content-Type: text/html", "", "<b>x</b>"), Options{},
			"body", "<b>x</b>", noteMalformed},
		{"boundary never appears", crlf(`Content-Type: multipart/alternative; boundary="zz"`, "", "just text"), Options{}, "just text", "", noteMalformed},
		{"invalid header line", crlf("Subject: s", "this line is not a field", "X-A: b", "", "body"), Options{}, "body", "", noteMalformed},
		{"text too large", crlf("Subject: s", "", strings.Repeat("x", 100)), Options{MaxPartSize: 10}, "", "", noteTooLarge},
		{"damaged base64 text", crlf("Content-Transfer-Encoding: base64", "", "aGVsbG8*gd29ybGQ=", "Q"), Options{}, "hello world", "", noteDamagedBody},
		{"unknown transfer encoding", crlf("Content-Transfer-Encoding: x-foo", "", "raw"), Options{}, "raw", "", "unknown transfer encoding (x-foo)"},
		{"uuencode", crlf("Content-Transfer-Encoding: x-uuencode", "", "begin 644 a.txt", "#:&DA", "`", "end"), Options{}, "hi!", "", ""},
		{"leading mbox From line", crlf("From someone@example.com Sat Jan  1 00:00:00 2000", "Subject: s", "", "b"), Options{}, "b", "", ""},
		{"bare LF multipart", strings.ReplaceAll(alt, "\r\n", "\n"), Options{}, "plain", "<p>rich</p>", ""},
		{"base64-encoded multipart", crlf(`Content-Type: multipart/mixed; boundary="b"`, "Content-Transfer-Encoding: base64", "",
			base64Lines([]byte(crlf("--b", "", "inside", "--b--")))), Options{}, "inside", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, tc.raw, tc.opts)
			if m.Text != tc.text {
				t.Errorf("Parse().Text = %q, want %q", m.Text, tc.text)
			}
			if tc.html == "" && m.HTML != "" || !strings.Contains(m.HTML, tc.html) {
				t.Errorf("Parse().HTML = %q, want it to contain %q", m.HTML, tc.html)
			}
			problems := strings.Join(m.Problems, "|")
			if tc.note == "" && problems != "" || !strings.Contains(problems, tc.note) {
				t.Errorf("Parse().Problems = %q, want %q", m.Problems, tc.note)
			}
		})
	}
}

func TestParseHeaders(t *testing.T) {
	m := mustParse(t, crlf(
		"From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
		"To: \"Doe, John\" <john@example.com>, jane@example.com (Jane Roe), undisclosed-recipients:;",
		"Cc: team: a@example.com, b@example.com;",
		"Reply-To: <r@example.com>",
		"Subject: =?utf-8?B?5pel5pys6Kqe?= =?utf-8?Q?_and?= plain",
		"Date: Fri, 21 Nov 1997 09:55:06 -0600",
		"Message-ID: <1234@local.machine.example>",
		"", "body"), Options{})
	tests := []struct{ what, got, want string }{
		{"From", m.From[0].String(), "André Pirard <PIRARD@vm1.ulg.ac.be>"},
		{"To[0]", m.To[0].String(), "Doe, John <john@example.com>"},
		{"To[1]", m.To[1].String(), "Jane Roe <jane@example.com>"},
		{"len(To)", string(rune('0' + len(m.To))), "2"},
		{"Cc", m.Cc[0].Email + " " + m.Cc[1].Email, "a@example.com b@example.com"},
		{"ReplyTo", m.ReplyTo[0].String(), "r@example.com"},
		{"Subject", m.Subject, "日本語 and plain"},
		{"Date", m.Date.UTC().Format("2006-01-02 15:04"), "1997-11-21 15:55"},
		{"MessageID", m.MessageID, "1234@local.machine.example"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("Parse().%s = %q, want %q", tc.what, tc.got, tc.want)
		}
	}
}
