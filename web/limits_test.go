package web_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/web"
)

// TestResourceLimits: mail built to exhaust the renderer (deep nesting,
// thousands of parts, a huge header, an oversized inline image) opens as a
// page with a note, never a 500.
func TestResourceLimits(t *testing.T) {
	deep := func() string {
		var b strings.Builder
		b.WriteString("From: a@example.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
		for i := 0; i < 200; i++ {
			fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i, i+1)
		}
		b.WriteString("--b200\r\nContent-Type: text/plain\r\n\r\nbottom\r\n")
		return b.String()
	}()
	many := func() string {
		var b strings.Builder
		b.WriteString("From: a@example.test\r\nSubject: many\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n")
		for i := 0; i < 8000; i++ {
			fmt.Fprintf(&b, "--z\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=f%d.bin\r\n\r\nx\r\n", i)
		}
		b.WriteString("--z--\r\n")
		return b.String()
	}()
	hugeHeader := "From: a@example.test\r\nSubject: header\r\nX-Filler: " + strings.Repeat("a", 900<<10) + "\r\n\r\nbody\r\n"
	bigImage := "From: a@example.test\r\nSubject: image\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=r\r\n\r\n" +
		"--r\r\nContent-Type: text/html\r\n\r\n<p>pic</p><img src=\"cid:big\">\r\n--r\r\nContent-Type: image/png\r\nContent-ID: <big>\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(make([]byte, 3<<20)) + "\r\n--r--\r\n"
	msgs := []string{deep, many, hugeHeader, bigImage}
	// The note each limit leaves on the page ("" where the page just
	// shows less: a header cut short, an image left out).
	notes := []string{"nested too deeply", "too many parts", "", ""}
	srv := pop3test.NewServer(t, nil)
	raw := make([][]byte, len(msgs))
	for i, m := range msgs {
		raw[i] = []byte(m)
	}
	srv.AddMailbox("alice", "pw", raw...)
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{})
	c := noRedirects()
	c.Jar = newJar()
	signIn(t, c, ts.URL+"/")
	if resp, _ := get(t, c, ts.URL+"/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("inbox = %d", resp.StatusCode)
	}
	for i, uid := range srv.UIDs("alice") {
		resp, body := get(t, c, ts.URL+"/message/"+uid)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("message %d = %d", i, resp.StatusCode)
			continue
		}
		if resp, _ := get(t, c, ts.URL+"/message/"+uid+"/body"); resp.StatusCode >= 500 {
			t.Errorf("message %d body = %d", i, resp.StatusCode)
		}
		if want := notes[i]; want != "" && !strings.Contains(body, want) {
			t.Errorf("message %d: page lacks the note %q", i, want)
		}
	}
}
