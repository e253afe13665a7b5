package session

import (
	"testing"
	"time"
)

// The default parser decodes encoded words in any character set, not
// only UTF-8 and Latin-1: an index built without the web layer's parser
// must not show "=?KOI8-R?B?...?=" in the inbox or miss it in a search.
func TestParseEnvelope(t *testing.T) {
	e := ParseEnvelope([]byte("From: =?GB2312?B?s8LP/tPq?= <chen@example.cn>\r\n" +
		"To: =?ISO-8859-1?Q?J=F6rg?= <joerg@example.de>\r\n" +
		"Subject: =?KOI8-R?B?8NLJ18XU?= =?UTF-8?Q?=E2=9C=93?=\r\n" +
		"Date: Fri, 13 Nov 2026 09:30:00 +0300\r\n" +
		"Content-Type: multipart/mixed; boundary=x\r\n\r\n"))
	want := Envelope{
		FromName: "陈晓雨", FromAddr: "chen@example.cn", FromText: "陈晓雨",
		To:            "Jörg joerg@example.de",
		Subject:       "Привет✓",
		Date:          time.Date(2026, 11, 13, 9, 30, 0, 0, time.FixedZone("", 3*3600)),
		HasAttachment: true,
	}
	if !e.Date.Equal(want.Date) {
		t.Errorf("Date = %v, want %v", e.Date, want.Date)
	}
	e.Date, want.Date = time.Time{}, time.Time{}
	if e != want {
		t.Errorf("ParseEnvelope() =\n %+v, want\n %+v", e, want)
	}
}
