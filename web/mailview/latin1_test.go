package mailview

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message/charset"
)

// TestLatin1FastPath: decoding ISO-8859-1 without x/text gives what
// charset.Reader gives, for every byte.
func TestLatin1FastPath(t *testing.T) {
	var all []byte
	for i := range 256 {
		all = append(all, byte(i))
	}
	got, known := decodeCharset(all, "ISO-8859-1")
	r, err := charset.Reader("iso-8859-1", bytes.NewReader(all))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(r)
	if !known || got != strings.ToValidUTF8(string(want), "\uFFFD") {
		t.Errorf("decodeCharset(ISO-8859-1) = %q, %t; want %q", got, known, want)
	}
}

func BenchmarkSummarize(b *testing.B) {
	h := []byte("From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.de>\r\nTo: alice@example.org\r\n" +
		"Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgQmVybGlu?=\r\nDate: Tue, 3 Mar 2026 12:00:00 +0000\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		Summarize(h)
	}
}
