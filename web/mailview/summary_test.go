package mailview

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name, header string
		want         Summary
	}{
		{"encoded words", crlf("From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>", "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=",
			"Date: Tue, 1 Jul 2003 10:52:37 +0200", "Content-Type: text/plain", ""),
			Summary{From: Address{"Jürgen", "j@example.com"}, FromText: "Jürgen", Subject: "Grüße",
				Date: time.Date(2003, 7, 1, 8, 52, 37, 0, time.UTC)}},
		{"raw Latin-1", crlf("From: J\xfcrgen <j@example.com>", "Subject: Gr\xfc\xdfe", ""),
			Summary{From: Address{"Jürgen", "j@example.com"}, FromText: "Jürgen", Subject: "Grüße"}},
		{"raw UTF-8", crlf("From: Jürgen <j@example.com>", "Subject: Grüße 日本", ""),
			Summary{From: Address{"Jürgen", "j@example.com"}, FromText: "Jürgen", Subject: "Grüße 日本"}},
		{"raw 8-bit in the body charset", crlf("Subject: \xa4\xa4\xa4\xe5", "Content-Type: text/plain; charset=big5", ""),
			Summary{Subject: "中文"}},
		{"address only, multipart/mixed", crlf("From: bob@example.com", `Content-Type: multipart/mixed; boundary="x"`),
			Summary{From: Address{"", "bob@example.com"}, FromText: "bob@example.com", HasAttachment: true}},
		{"attachment disposition", crlf("Content-Type: application/pdf", "Content-Disposition: attachment; filename=a.pdf"),
			Summary{HasAttachment: true}},
		{"alternative is no attachment", crlf(`Content-Type: multipart/alternative; boundary="x"`), Summary{}},
		{"bad date", crlf("Date: yesterday at noon", "Subject: s"), Summary{Subject: "s"}},
		{"date without weekday or seconds", crlf("Date: 5 Mar 2004 14:30 -0500"),
			Summary{Date: time.Date(2004, 3, 5, 19, 30, 0, 0, time.UTC)}},
		{"unparseable From", crlf("From: =?utf-8?B?5pel5pys?="), Summary{From: Address{Name: "日本"}, FromText: "日本"}},
		{"folded subject", crlf("Subject: one", " two", "\tthree"), Summary{Subject: "one two three"}},
		{"mbox line and LF", "From x@y Mon Jan 1 00:00:00 2001\nSubject: s\n\nbody", Summary{Subject: "s"}},
		{"empty", "", Summary{}},
		{"garbage", "\x00\xff\xfe<html>", Summary{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Summarize([]byte(tc.header))
			if !got.Date.Equal(tc.want.Date) {
				t.Errorf("Summarize().Date = %v, want %v", got.Date, tc.want.Date)
			}
			got.Date, tc.want.Date = time.Time{}, time.Time{}
			if got != tc.want {
				t.Errorf("Summarize() = %+v, want %+v", got, tc.want)
			}
		})
	}
}
