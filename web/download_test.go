package web_test

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/web"
)

// TestHostileFilenames: whatever a sender puts in a filename or a type,
// the download is an attachment with a harmless RFC 6266 name, nosniff and
// a sandbox CSP, and never a document the browser would render.
func TestHostileFilenames(t *testing.T) {
	parts := []struct{ disposition, ctype string }{
		{`attachment; filename="../../etc/passwd"`, "text/plain"},
		{`attachment; filename="evil\"; filename=x.html"`, "text/html"},
		{`attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%80%94%20final.pdf`, "application/pdf"},
		{`attachment; filename="=?UTF-8?B?YQ0KU2V0LUNvb2tpZTogeD0x?="`, "application/octet-stream"},
		{`attachment; filename="C:\\Windows\\evil.exe"`, "application/x-msdownload"},
		{`attachment; filename="` + strings.Repeat("long", 200) + `.txt"`, "text/plain"},
		{`inline; filename="pic.svg"`, "image/svg+xml"},
		{`attachment; filename="page.xhtml"`, "application/xhtml+xml; charset=utf-8"},
		{`attachment`, "text/html"},
		{`attachment; filename="x.js"`, "text/javascript"},
	}
	var b strings.Builder
	b.WriteString("From: a@example.test\r\nSubject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nsee\r\n")
	for i, p := range parts {
		fmt.Fprintf(&b, "--z\r\nContent-Type: %s\r\nContent-Disposition: %s\r\n\r\n<script>alert(%d)</script>\r\n", p.ctype, p.disposition, i)
	}
	b.WriteString("--z--\r\n")
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", []byte(b.String()))
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{})
	c := noRedirects()
	c.Jar = newJar()
	signIn(t, c, ts.URL+"/")
	uid := srv.UIDs("alice")[0]
	for i := range parts {
		path := fmt.Sprintf("%d", i+2)
		resp, body := get(t, c, ts.URL+"/message/"+uid+"/part/"+path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("part %s = %d", path, resp.StatusCode)
			continue
		}
		if !strings.Contains(body, fmt.Sprintf("alert(%d)", i)) {
			t.Errorf("part %s: body %q is not that part", path, body)
		}
		disp, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
		if err != nil || disp != "attachment" {
			t.Errorf("part %s: Content-Disposition %q (%v), want attachment", path, resp.Header.Get("Content-Disposition"), err)
		}
		if name := params["filename"]; strings.ContainsAny(name, "/\\\r\n\x00") || name == "" {
			t.Errorf("part %s: filename %q", path, name)
		}
		ct := resp.Header.Get("Content-Type")
		for _, bad := range []string{"html", "svg", "xml", "javascript"} {
			if strings.Contains(ct, bad) {
				t.Errorf("part %s: Content-Type %q could render", path, ct)
			}
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("part %s: nosniff %q, CSP %q", path, resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Content-Security-Policy"))
		}
		if len(resp.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("part %s: a filename set a cookie", path)
		}
	}
}
