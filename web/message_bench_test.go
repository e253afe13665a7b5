package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// newsletterMessage returns a quoted-printable HTML newsletter of about
// size octets: tables, inline styles, links and remote images.
func newsletterMessage(size int) []byte {
	var h strings.Builder
	h.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\n")
	rng := rand.New(rand.NewPCG(7, 7))
	words := strings.Fields("the quick brown fox jumps over a lazy dog while mail is read from many servers")
	for i := 0; h.Len() < size*9/10; i++ {
		fmt.Fprintf(&h, "<table width=\"100%%\" style=\"border:1px solid #ccc;margin:8px 0\"><tr><td style=\"color:#333;font-size:18px\">Article %d</td></tr><tr><td>", i)
		fmt.Fprintf(&h, "<img src=\"https://news.example.test/img/%d.png\" width=\"120\" height=\"80\" alt=\"picture %d\" style=\"float:right\">", i, i)
		for range 3 {
			h.WriteString("<p style=\"margin:0 0 6px 0;line-height:1.4\">")
			for range 40 {
				h.WriteString(words[rng.IntN(len(words))] + " ")
			}
			fmt.Fprintf(&h, "<a href=\"https://news.example.test/story/%d?utm_source=mail\">read more</a></p>\n", i)
		}
		h.WriteString("</td></tr></table>\n")
	}
	h.WriteString("</body></html>\n")
	var b bytes.Buffer
	b.WriteString("From: News <news@example.test>\r\nSubject: News\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	io.WriteString(qp, strings.ReplaceAll(h.String(), "\n", "\r\n"))
	qp.Close()
	return b.Bytes()
}

// attachmentMessage returns a message whose part 2 is size octets of
// random data, base64-encoded.
func attachmentMessage(size int) []byte {
	data := make([]byte, size)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	var b bytes.Buffer
	b.WriteString("Subject: archive\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=a.bin\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding
	for ; len(data) > 0; data = data[min(57, len(data)):] {
		b.WriteString(enc.EncodeToString(data[:min(57, len(data))]) + "\r\n")
	}
	b.WriteString("--b--\r\n")
	return b.Bytes()
}

// newBenchApp serves one mailbox holding msgs and returns the app's URL,
// a signed-in client, and a POP3 client logged in directly for the floor.
func newBenchApp(b *testing.B, msgs ...[]byte) (string, *http.Client, *pop3.Client, []string) {
	b.Helper()
	srv := pop3test.NewServer(b, nil)
	srv.AddMailbox("alice", "pw", msgs...)
	srv.AddMailbox("bob", "pw", msgs...) // for the floor: a maildrop has one session
	logger := slog.New(slog.DiscardHandler)
	m := session.NewManager(session.Config{Logger: logger, Envelope: web.ParseEnvelope})
	b.Cleanup(func() { m.Close(context.Background()) })
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	ts := httptest.NewServer(web.NewServer(web.Config{Upstreams: []session.Upstream{up}, Logger: logger}, m))
	b.Cleanup(ts.Close)
	c := noRedirects()
	c.Jar = newJar()
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"username": {"alice"}, "password": {"pw"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("POST login = %v, %v; want 303", resp, err)
	}
	resp.Body.Close()
	// The message page also pays for the listing it links neighbours with;
	// fetch it once, as the inbox would have.
	mustGet(b, c, ts.URL+"/", io.Discard)
	direct, err := pop3.Dial(context.Background(), srv.Addr(), &pop3.Options{Security: pop3.SecurityNone})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { direct.Close() })
	if err := direct.Login(context.Background(), "bob", "pw"); err != nil {
		b.Fatal(err)
	}
	return ts.URL + "/", c, direct, srv.UIDs("alice")
}

func mustGet(b *testing.B, c *http.Client, u string, w io.Writer) int64 {
	b.Helper()
	resp, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s = %d, %v; want 200", u, resp.StatusCode, err)
	}
	return n
}

// BenchmarkOpenHTMLMessage opens a 1 MB HTML newsletter as a browser does:
// the message page, then its body frame. Compare with
// BenchmarkOpenHTMLMessageFloor, a RETR of the same message.
func BenchmarkOpenHTMLMessage(b *testing.B) {
	app, c, _, uids := newBenchApp(b, newsletterMessage(1<<20))
	for b.Loop() {
		mustGet(b, c, app+"message/"+uids[0], io.Discard)
		if n := mustGet(b, c, app+"message/"+uids[0]+"/body", io.Discard); n < 500<<10 {
			b.Fatalf("body frame = %d octets", n)
		}
	}
}

func BenchmarkOpenHTMLMessageFloor(b *testing.B) {
	_, _, direct, _ := newBenchApp(b, newsletterMessage(1<<20))
	for b.Loop() {
		r, err := direct.Retr(context.Background(), 1)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, r)
	}
}

// BenchmarkDownloadLarge downloads a 50 MB attachment. Compare with
// BenchmarkDownloadLargeFloor: RETR and base64-decoding by the standard
// library.
func BenchmarkDownloadLarge(b *testing.B) {
	const size = 50 << 20
	app, c, _, uids := newBenchApp(b, attachmentMessage(size))
	b.SetBytes(size)
	for b.Loop() {
		if n := mustGet(b, c, app+"message/"+uids[0]+"/part/2", io.Discard); n != size {
			b.Fatalf("downloaded %d octets, want %d", n, size)
		}
	}
}

func BenchmarkDownloadLargeFloor(b *testing.B) {
	const size = 50 << 20
	_, _, direct, _ := newBenchApp(b, attachmentMessage(size))
	b.SetBytes(size)
	for b.Loop() {
		r, err := direct.Retr(context.Background(), 1)
		if err != nil {
			b.Fatal(err)
		}
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if string(line) == "Content-Transfer-Encoding: base64\r\n" {
				br.ReadSlice('\n')
				break
			}
		}
		n, _ := io.Copy(io.Discard, base64.NewDecoder(base64.StdEncoding, io.LimitReader(br, int64(base64.StdEncoding.EncodedLen(size)/76*78+200))))
		io.Copy(io.Discard, r)
		if n < size {
			b.Fatalf("decoded %d octets, want %d", n, size)
		}
	}
}
