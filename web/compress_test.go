package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/static"
	"popgate/web"
)

// The passwords of alice and bob are long enough that finding one in a
// page could not be chance.
var compressPasswords = map[string]string{"alice": "correct-horse-battery-staple", "bob": "tr0ub4dor-and-3-more-words"}

// compressMail: a plain message, an HTML one, and one with attachments a
// browser could read as text: a large text file, an HTML page and a
// stylesheet.
var compressMail = [][]byte{
	[]byte("From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: Plain words\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\n" +
		strings.Repeat("A plain line of text, as plain mail has many of them.\r\n", 60)),
	[]byte("From: News <news@example.test>\r\nSubject: Newsletter\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<html><body>" + strings.Repeat("<p style=\"color:#333\">An article in a <b>newsletter</b>.</p>\r\n", 60) + "</body></html>\r\n"),
	[]byte("From: Archive <archive@example.test>\r\nSubject: Files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n" +
		"--z\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n" +
		"--z\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"big.txt\"\r\n\r\n" + strings.Repeat("line of a large text file\r\n", 4000) +
		"--z\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"page.html\"\r\n\r\n" + strings.Repeat("<p>a page</p>\r\n", 200) +
		"--z\r\nContent-Type: text/css\r\nContent-Disposition: attachment; filename=\"style.css\"\r\n\r\n" + strings.Repeat("p { color: red }\r\n", 100) +
		"--z--\r\n"),
}

// compressApp serves compressMail under /mail/, to alice and to bob under
// the same UIDs, and returns the app's URL, a client signed in as alice
// that leaves compression to each request (it sends no Accept-Encoding of
// its own and decodes nothing), and the UIDs.
func compressApp(t *testing.T) (string, *http.Client, []string) {
	t.Helper()
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", compressPasswords["alice"], compressMail...)
	srv.AddMailbox("bob", compressPasswords["bob"], compressMail...)
	if err := srv.SetUIDs("bob", srv.UIDs("alice")...); err != nil {
		t.Fatal(err)
	}
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{BasePath: "/mail/"})
	app := ts.URL + "/mail/"
	return app, rawClient(t, app, "alice"), srv.UIDs("alice")
}

// rawClient signs user in with a client of its own.
func rawClient(t *testing.T, app, user string) *http.Client {
	t.Helper()
	c := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		Jar:           newJar(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(c.CloseIdleConnections)
	resp := postLogin(t, c, app, url.Values{"username": {user}, "password": {compressPasswords[user]}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in = %d, want 303", resp.StatusCode)
	}
	return c
}

// fetch sends method to u with the request headers hdr (name, value,
// ...) and returns the response with its body as it came over the wire.
func fetch(t *testing.T, c *http.Client, method, u string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return do(t, c, req)
}

// do sends req and returns the response with its body as it came over the
// wire.
func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// decode undoes the response's Content-Encoding.
func decode(t *testing.T, resp *http.Response, body []byte) []byte {
	t.Helper()
	switch ce := resp.Header.Get("Content-Encoding"); ce {
	case "":
		return body
	case "gzip":
		r, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		return out
	case "zstd":
		d, err := zstd.NewReader(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		out, err := d.DecodeAll(body, nil)
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		return out
	default:
		t.Fatalf("Content-Encoding %q", ce)
		return nil
	}
}

var nonceRE = regexp.MustCompile(`'nonce-([^']+)'`)

// nonceOf returns the CSP nonce of a response, or "".
func nonceOf(resp *http.Response) string {
	if m := nonceRE.FindStringSubmatch(resp.Header.Get("Content-Security-Policy")); m != nil {
		return m[1]
	}
	return ""
}

// withoutNonce replaces the response's CSP nonce, new in every response,
// in s by a placeholder.
func withoutNonce(resp *http.Response, s string) string {
	if n := nonceOf(resp); n != "" {
		return strings.ReplaceAll(s, n, "NONCE")
	}
	return s
}

// varies says whether the response says it varies by Accept-Encoding.
func varies(resp *http.Response) bool {
	for _, v := range resp.Header.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Accept-Encoding") {
				return true
			}
		}
	}
	return false
}

// TestCompressedMatchesIdentity: a browser that accepts zstd or gzip gets
// pages, the mail frame, error pages, the stylesheet and the script
// compressed, and after decoding exactly what one that accepts neither
// gets, with the same security headers; each answer says it varies by
// Accept-Encoding. An answer under 1 KiB, such as the sign-in page's 404,
// is not worth compressing and goes out as it is.
func TestCompressedMatchesIdentity(t *testing.T) {
	app, c, uids := compressApp(t)
	origin := strings.TrimSuffix(app, "/mail/")
	for _, tc := range []struct {
		name, url string
		small     bool
	}{
		{"inbox", app, false},
		{"plain message", app + "message/" + uids[0], false},
		{"HTML message", app + "message/" + uids[1], false},
		{"mail frame", app + "message/" + uids[1] + "/body", false},
		{"message with attachments", app + "message/" + uids[2], false},
		{"search", app + "search?q=plain", false},
		{"stylesheet", origin + "/mail" + static.Path("css/app.css"), false},
		{"script", origin + "/mail" + static.Path("js/keys.js"), false},
		{"unknown page", app + "nowhere", true},
		{"unknown message", app + "message/nope", false},
		{"outside the base path", origin + "/elsewhere", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain, plainBody := fetch(t, c, "GET", tc.url)
			if plain.Header.Get("Content-Encoding") != "" {
				t.Fatalf("without Accept-Encoding: Content-Encoding %q", plain.Header.Get("Content-Encoding"))
			}
			if !varies(plain) {
				t.Errorf("without Accept-Encoding: Vary %q, want Accept-Encoding", plain.Header.Values("Vary"))
			}
			for _, enc := range []string{"gzip", "zstd"} {
				resp, body := fetch(t, c, "GET", tc.url, "Accept-Encoding", enc)
				if tc.small {
					if len(plainBody) >= 1024 || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, plainBody) || !varies(resp) {
						t.Errorf("%s: %d octets, Content-Encoding %q, Vary %q; uncompressed %d octets, want those under 1 KiB sent as they are",
							enc, len(body), resp.Header.Get("Content-Encoding"), resp.Header.Values("Vary"), len(plainBody))
					}
					continue
				}
				if got := resp.Header.Get("Content-Encoding"); got != enc {
					t.Fatalf("Accept-Encoding %s: Content-Encoding %q (%d octets)", enc, got, len(body))
				}
				if !varies(resp) {
					t.Errorf("%s: Vary %q, want Accept-Encoding", enc, resp.Header.Values("Vary"))
				}
				if resp.StatusCode != plain.StatusCode {
					t.Errorf("%s: status %d, without compression %d", enc, resp.StatusCode, plain.StatusCode)
				}
				if cl := resp.Header.Get("Content-Length"); cl != "" && resp.ContentLength != int64(len(body)) {
					t.Errorf("%s: Content-Length %s for %d octets", enc, cl, len(body))
				}
				if len(body) >= len(plainBody) {
					t.Errorf("%s: %d octets, uncompressed %d", enc, len(body), len(plainBody))
				}
				got, want := withoutNonce(resp, string(decode(t, resp, body))), withoutNonce(plain, string(plainBody))
				if got != want {
					t.Errorf("%s: decoded body differs from the uncompressed one:\n%s\n---\n%s", enc, excerptOf(got), excerptOf(want))
				}
				for _, h := range []string{"Content-Type", "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
					"Referrer-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy", "Permissions-Policy", "Cache-Control"} {
					if got, want := withoutNonce(resp, resp.Header.Get(h)), withoutNonce(plain, plain.Header.Get(h)); got != want || got == "" {
						t.Errorf("%s: %s = %q, uncompressed %q", enc, h, got, want)
					}
				}
			}
		})
	}
}

func excerptOf(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// TestDownloadsNotCompressed: attachments (text, HTML and CSS ones
// included) and the message source go out as they are to a browser that
// accepts compression, byte for byte, with the same length headers as to
// one that does not.
func TestDownloadsNotCompressed(t *testing.T) {
	app, c, uids := compressApp(t)
	msg := app + "message/" + uids[2]
	for _, tc := range []struct{ name, url, want string }{
		{"large text attachment", msg + "/part/2", strings.Repeat("line of a large text file\r\n", 3999) + "line of a large text file"},
		{"HTML attachment", msg + "/part/3", strings.Repeat("<p>a page</p>\r\n", 199) + "<p>a page</p>"},
		{"stylesheet attachment", msg + "/part/4", strings.Repeat("p { color: red }\r\n", 99) + "p { color: red }"},
		{"message source", msg + "/raw", string(compressMail[2])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain, plainBody := fetch(t, c, "GET", tc.url)
			resp, body := fetch(t, c, "GET", tc.url, "Accept-Encoding", "gzip, deflate, br, zstd")
			if resp.StatusCode != http.StatusOK || plain.StatusCode != http.StatusOK {
				t.Fatalf("status %d, without Accept-Encoding %d", resp.StatusCode, plain.StatusCode)
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("Content-Encoding %q", ce)
			}
			if varies(resp) {
				t.Errorf("Vary %q: a download is the same whatever the browser accepts", resp.Header.Values("Vary"))
			}
			if string(body) != tc.want || !bytes.Equal(body, plainBody) {
				t.Errorf("body: %d octets, without Accept-Encoding %d, want the %d of the file", len(body), len(plainBody), len(tc.want))
			}
			if resp.ContentLength != plain.ContentLength || !slicesEqual(resp.TransferEncoding, plain.TransferEncoding) {
				t.Errorf("Content-Length %d, Transfer-Encoding %q; without Accept-Encoding %d, %q",
					resp.ContentLength, resp.TransferEncoding, plain.ContentLength, plain.TransferEncoding)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("Content-Security-Policy") != "sandbox; default-src 'none'" {
				t.Errorf("Content-Disposition %q, CSP %q", resp.Header.Get("Content-Disposition"), resp.Header.Get("Content-Security-Policy"))
			}
		})
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

// TestCompressedStaticHeadRangeConditional: with compression accepted, a
// HEAD of the stylesheet answers as an uncompressed GET would (and one of
// a page as without compression), a range is
// the range of the stylesheet itself, and revalidating the compressed copy
// by its ETag answers 304.
func TestCompressedStaticHeadRangeConditional(t *testing.T) {
	app, c, _ := compressApp(t)
	css := strings.TrimSuffix(app, "/mail/") + "/mail" + static.Path("css/app.css")
	_, whole := fetch(t, c, "GET", css)

	head, body := fetch(t, c, "HEAD", css, "Accept-Encoding", "gzip")
	if head.StatusCode != http.StatusOK || len(body) != 0 || head.Header.Get("Content-Encoding") != "" || head.ContentLength != int64(len(whole)) {
		t.Errorf("HEAD: status %d, %d octets of body, Content-Encoding %q, Content-Length %d; want 200, none, none, %d",
			head.StatusCode, len(body), head.Header.Get("Content-Encoding"), head.ContentLength, len(whole))
	}

	pageHead, _ := fetch(t, c, "HEAD", app)
	gzHead, _ := fetch(t, c, "HEAD", app, "Accept-Encoding", "gzip")
	if gzHead.StatusCode != pageHead.StatusCode || gzHead.ContentLength != pageHead.ContentLength || gzHead.Header.Get("Content-Encoding") != "" {
		t.Errorf("HEAD of the inbox: status %d, Content-Length %d, Content-Encoding %q; without Accept-Encoding %d, %d",
			gzHead.StatusCode, gzHead.ContentLength, gzHead.Header.Get("Content-Encoding"), pageHead.StatusCode, pageHead.ContentLength)
	}

	part, body := fetch(t, c, "GET", css, "Accept-Encoding", "gzip", "Range", "bytes=100-199")
	if part.StatusCode != http.StatusPartialContent || part.Header.Get("Content-Encoding") != "" || string(body) != string(whole[100:200]) {
		t.Errorf("range: status %d, Content-Encoding %q, %q; want 206, none, %q", part.StatusCode, part.Header.Get("Content-Encoding"), body, whole[100:200])
	}
	multi, body := fetch(t, c, "GET", css, "Accept-Encoding", "gzip", "Range", "bytes=0-9,100-199")
	if multi.StatusCode != http.StatusPartialContent || multi.Header.Get("Content-Encoding") != "" || !bytes.Contains(body, whole[100:200]) {
		t.Errorf("two ranges: status %d, Content-Encoding %q; want 206 with the ranges as they are", multi.StatusCode, multi.Header.Get("Content-Encoding"))
	}

	gz, _ := fetch(t, c, "GET", css, "Accept-Encoding", "gzip")
	etag := gz.Header.Get("ETag")
	if gz.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("GET: Content-Encoding %q, ETag %q; want gzip and a weak ETag", gz.Header.Get("Content-Encoding"), etag)
	}
	again, body := fetch(t, c, "GET", css, "Accept-Encoding", "gzip", "If-None-Match", etag)
	if again.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("revalidation: status %d with %d octets, want 304", again.StatusCode, len(body))
	}
}

// tokenRE matches what could be a secret: a run of 16 or more characters
// of the base64url and hex alphabets.
var tokenRE = regexp.MustCompile(`[A-Za-z0-9_-]{16,}`)

// TestCompressedPagesCarryNoSecret is the BREACH property: no compressed
// body carries a secret that stays put across responses, which an
// attacker who can inject text into a page and watch its compressed
// length could recover. Alice and bob, who have the same mail, each load
// every kind of page twice. No compressed body holds a cookie value or
// the password; no string that looks like a token recurs in one session's
// pages without being in the other's (a value of that session or account:
// the session id, a CSRF token); and the CSP nonce is new in every
// response. A failed sign-in, which shows the form again, doesn't carry
// the password either.
func TestCompressedPagesCarryNoSecret(t *testing.T) {
	app, first, uids := compressApp(t)
	paths := []string{"", "?page=1", "search?q=plain+words", "message/" + uids[0], "message/" + uids[1], "message/" + uids[1] + "/body",
		"message/" + uids[2], "message/" + uids[1] + "?view=text", "server", "login", "message/nope"}
	type session struct {
		secrets []string       // cookie values and the password
		seen    map[string]int // token -> responses it is in
	}
	nonces := map[string]bool{}
	compressed := map[string]bool{}
	load := func(user string, c *http.Client) session {
		u, _ := url.Parse(app)
		s := session{secrets: []string{compressPasswords[user]}, seen: map[string]int{}}
		for _, ck := range c.Jar.Cookies(u) {
			s.secrets = append(s.secrets, ck.Value)
		}
		if len(s.secrets) < 3 {
			t.Fatalf("cookies after sign-in: %d, want the session's and the device's", len(s.secrets)-1)
		}
		for range 2 {
			for _, p := range paths {
				resp, body := fetch(t, c, "GET", app+p, "Accept-Encoding", "gzip")
				if resp.Header.Get("Content-Encoding") == "" {
					continue
				}
				compressed[p] = true
				page := string(decode(t, resp, body))
				for _, secret := range s.secrets {
					if strings.Contains(page, secret) {
						t.Errorf("GET /%s: the compressed page holds the secret %q", p, secret)
					}
				}
				if n := nonceOf(resp); n != "" {
					if nonces[n] {
						t.Errorf("GET /%s: CSP nonce %q was in an earlier response", p, n)
					}
					nonces[n] = true
				}
				for _, tok := range uniq(tokenRE.FindAllString(page, -1)) {
					s.seen[tok]++
				}
			}
		}
		return s
	}
	a := load("alice", first)
	b := load("bob", rawClient(t, app, "bob"))
	for _, pair := range [][2]session{{a, b}, {b, a}} {
		for tok, n := range pair[0].seen {
			if n >= 2 && pair[1].seen[tok] == 0 {
				t.Errorf("%q recurs in one session's compressed pages (%d responses) and is not in another's: a secret of that session", tok, n)
			}
		}
	}
	for _, p := range []string{"", "message/" + uids[0], "message/" + uids[1] + "/body", "search?q=plain+words", "server"} {
		if !compressed[p] {
			t.Errorf("GET /%s was not compressed; this test checks nothing there", p)
		}
	}

	// Signed out: a wrong password shows the form again, compressed.
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(c.CloseIdleConnections)
	wrong := "a-wrong-password-" + strings.Repeat("x", 20)
	req, _ := http.NewRequest("POST", app+"login", strings.NewReader(url.Values{"username": {"alice"}, "password": {wrong}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, body := do(t, c, req)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("wrong password: status %d, Content-Encoding %q; want 401, gzip", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	if page := string(decode(t, resp, body)); !strings.Contains(page, `value="alice"`) || strings.Contains(page, wrong) {
		t.Errorf("the sign-in form shown again keeps the user name: %v, holds the password: %v", strings.Contains(page, `value="alice"`), strings.Contains(page, wrong))
	}
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
