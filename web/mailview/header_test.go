package mailview

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAddressString(t *testing.T) {
	tests := []struct {
		a    Address
		want string
	}{
		{Address{"Jane Roe", "jane@example.com"}, "Jane Roe <jane@example.com>"},
		{Address{"", "jane@example.com"}, "jane@example.com"},
		{Address{"Jane Roe", ""}, "Jane Roe"},
		{Address{}, ""},
	}
	for _, tc := range tests {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("Address%+v.String() = %q, want %q", tc.a, got, tc.want)
		}
	}
}

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		in   string
		want []Address
	}{
		{`"Doe, John" <john@example.com>`, []Address{{"Doe, John", "john@example.com"}}},
		{`John Q. Public <jqp@example.com>, x@example.com`, []Address{{"John Q. Public", "jqp@example.com"}, {"", "x@example.com"}}},
		{`jane@example.com (Jane Roe)`, []Address{{"Jane Roe", "jane@example.com"}}},
		{`"=?utf-8?Q?J=C3=BCrgen?=" <j@example.com>`, []Address{{"Jürgen", "j@example.com"}}},
		{`=?iso-8859-1?q?Andr=E9?= <a@example.com>`, []Address{{"André", "a@example.com"}}},
		{`undisclosed-recipients:;`, nil},
		{`team: a@example.com, "B" <b@example.com>;`, []Address{{"", "a@example.com"}, {"B", "b@example.com"}}},
		{`<@relay.example:user@example.com>`, []Address{{"", "user@example.com"}}},
		{`MAILER-DAEMON`, []Address{{"MAILER-DAEMON", ""}}},
		{`broken <no-closing@example.com`, []Address{{"broken", "no-closing@example.com"}}},
		{`"x@example.com" <x@example.com>`, []Address{{"", "x@example.com"}}},
		{``, nil},
	}
	for _, tc := range tests {
		if got := parseAddressList(tc.in, ""); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseAddressList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"=?UTF-8?B?w6k=?=", "é"},
		{"=?utf-8?q?a_b?= =?utf-8?q?_c?=", "a b c"},
		{"=?utf-8?B?5pel?= =?utf-8?B?5pys?=", "日本"},
		{"=?utf-8?B?5pc=?= =?utf-8?B?pQ==?=", "日"}, // a character split across words
		{"=?utf-8*en?q?lang?=", "lang"},
		{"=?x-unknown?q?caf=E9?=", "café"},
		{"=?utf-8?x?bad?= =?broken", "=?utf-8?x?bad?= =?broken"},
		{"=?iso-8859-1?Q?Fr\xf6sche?=", "Frösche"}, // raw 8-bit inside a word
		{"Re: =?koi8-r?B?8NLJ18XU?= there", "Re: Привет there"},
		{"=?utf-8?b?SGVsbG8?=", "Hello"}, // no padding
	}
	for _, tc := range tests {
		if got := decodeWords(tc.in, ""); got != tc.want {
			t.Errorf("decodeWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseMediaHeader(t *testing.T) {
	tests := []struct {
		in, value string
		params    map[string]string
	}{
		{`text/plain; charset="utf-8"`, "text/plain", map[string]string{"charset": "utf-8"}},
		{`TEXT/Plain;;charset=us-ascii;`, "text/plain", map[string]string{"charset": "us-ascii"}},
		{`text/plain charset=utf-8`, "text/plain", map[string]string{"charset": "utf-8"}},
		{`attachment; filename="a.pdf"; filename="b.pdf"`, "attachment", map[string]string{"filename": "a.pdf"}},
		{`attachment; filename*=UTF-8''%E2%82%AC%20rates.txt`, "attachment", map[string]string{"filename": "€ rates.txt"}},
		{`attachment; filename*0*=iso-8859-1''Gr%FC; filename*1="sse.txt"`, "attachment", map[string]string{"filename": "Grüsse.txt"}},
		{`attachment; filename="unterminated.txt`, "attachment", map[string]string{"filename": "unterminated.txt"}},
		{`multipart/mixed; boundary="a\"b"`, "multipart/mixed", map[string]string{"boundary": `a"b`}},
		{``, "", map[string]string{}},
	}
	for _, tc := range tests {
		value, params := parseMediaHeader(tc.in)
		if value != tc.value || !reflect.DeepEqual(params, tc.params) {
			t.Errorf("parseMediaHeader(%q) = %q, %q, want %q, %q", tc.in, value, params, tc.value, tc.params)
		}
	}
}

func TestFilename(t *testing.T) {
	tests := []struct{ disposition, want string }{
		{`attachment; filename="../../etc/passwd"`, "passwd"},
		{`attachment; filename="C:\\evil\\run.exe"`, "run.exe"},
		{"attachment; filename=\"invoice\u202egpj.exe\"", "invoicegpj.exe"},
		{"attachment; filename=\"a\x01b.txt\"", "ab.txt"},
		{`attachment; filename=".."`, "attachment-2.bin"},
		{`attachment; filename="=?utf-8?q?r=C3=A9sum=C3=A9.pdf?="`, "résumé.pdf"},
		{`attachment; filename=` + strings.Repeat("x", 300) + ".txt", strings.Repeat("x", 200)},
		{`attachment`, "attachment-2.bin"},
	}
	for _, tc := range tests {
		p := newPartInfo(header{{"content-disposition", tc.disposition}}, "application/octet-stream", nil, 0, "")
		p.path = "2"
		if got := p.part().Filename; got != tc.want {
			t.Errorf("Filename for %q = %q, want %q", tc.disposition, got, tc.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"Fri, 21 Nov 1997 09:55:06 -0600", utc(1997, 11, 21, 15, 55, 6)},
		{"Mon, 01 Apr 2019 07:55:00 +0900 (JST)", utc(2019, 3, 31, 22, 55, 0)},
		{"21 Nov 97 09:55:06 GMT", utc(1997, 11, 21, 9, 55, 6)},
		{"Thu,18 Oct 2012 22:48:39 -0700", utc(2012, 10, 19, 5, 48, 39)},
		{"Wed Aug 29 04:20:43 2001", utc(2001, 8, 29, 4, 20, 43)},
		{"2004-03-05 14:30:00 +0100", utc(2004, 3, 5, 13, 30, 0)},
		{"not a date", time.Time{}},
		{"", time.Time{}},
	}
	for _, tc := range tests {
		if got := parseDate(tc.in); !got.Equal(tc.want) {
			t.Errorf("parseDate(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
