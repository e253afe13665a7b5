package mailview

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// newsletter returns a quoted-printable HTML message of about size octets
// laid out like a newsletter: tables, inline styles, links and remote
// images, the work a sanitizer meets in real mail.
func newsletter(size int) []byte {
	var h strings.Builder
	h.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>td{padding:4px}</style></head><body>\n")
	rng := rand.New(rand.NewPCG(7, 7))
	words := strings.Fields("the quick brown fox jumps over a lazy dog while mail is read from many servers and shown safely")
	for i := 0; h.Len() < size*9/10; i++ {
		fmt.Fprintf(&h, "<table width=\"100%%\" style=\"border:1px solid #ccc;margin:8px 0\"><tr><td class=\"h\" style=\"color:#333;font-size:18px\">Article %d</td></tr><tr><td>", i)
		fmt.Fprintf(&h, "<img src=\"https://news.example.test/img/%d.png\" width=\"120\" height=\"80\" alt=\"picture %d\" style=\"float:right\">", i, i)
		for range 3 {
			h.WriteString("<p style=\"margin:0 0 6px 0;line-height:1.4\">")
			for range 40 {
				h.WriteString(words[rng.IntN(len(words))])
				h.WriteByte(' ')
			}
			fmt.Fprintf(&h, "<a href=\"https://news.example.test/story/%d?utm_source=mail\">read more</a></p>\n", i)
		}
		h.WriteString("</td></tr></table>\n")
	}
	h.WriteString("</body></html>\n")
	var b bytes.Buffer
	b.WriteString("From: News <news@example.test>\r\nSubject: News\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	col := 0
	for _, c := range []byte(h.String()) {
		tok := string(c)
		switch {
		case c == '\n':
			b.WriteString("\r\n")
			col = 0
			continue
		case c == '=' || c > 126:
			tok = fmt.Sprintf("=%02X", c)
		}
		if col+len(tok) > 75 {
			b.WriteString("=\r\n")
			col = 0
		}
		b.WriteString(tok)
		col += len(tok)
	}
	return b.Bytes()
}

// bigAttachment returns a message with a text part and size octets of
// random data as a base64 attachment, part "2".
func bigAttachment(size int) []byte {
	data := make([]byte, size)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	return []byte(crlf("Subject: archive", `Content-Type: multipart/mixed; boundary="b"`, "",
		"--b", "Content-Type: text/plain", "", "see attached",
		"--b", "Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "",
		base64Lines(data)+"--b--", ""))
}

func BenchmarkParseLargeHTML(b *testing.B) {
	raw := newsletter(1 << 20)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(bytes.NewReader(raw), Options{})
		if err != nil || len(m.HTML) < 500<<10 {
			b.Fatalf("Parse() = %d octets of HTML, %v", len(m.HTML), err)
		}
	}
}

func BenchmarkOpenPartLarge(b *testing.B) {
	const size = 50 << 20
	raw := bigAttachment(size)
	buf := make([]byte, 64<<10)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		_, r, err := OpenPart(bytes.NewReader(raw), "2")
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, r, buf)
		if err != nil || n != size {
			b.Fatalf("copied %d, %v; want %d", n, err, size)
		}
	}
}

// BenchmarkOpenPartFloor decodes the same attachment with the standard
// library's base64 decoder over the raw part: the floor for
// BenchmarkOpenPartLarge.
func BenchmarkOpenPartFloor(b *testing.B) {
	const size = 50 << 20
	raw := bigAttachment(size)
	start := bytes.Index(raw, []byte("base64\r\n\r\n")) + len("base64\r\n\r\n")
	end := bytes.LastIndex(raw, []byte("--b--"))
	b.SetBytes(size)
	for b.Loop() {
		n, err := io.Copy(io.Discard, base64.NewDecoder(base64.StdEncoding, bytes.NewReader(raw[start:end])))
		if err != nil || n != size {
			b.Fatalf("copied %d, %v; want %d", n, err, size)
		}
	}
}
