package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"popgate/pop3/pop3test"
)

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each step can check its status.
type browser struct {
	t    testing.TB
	base string // app URL ending in "/"
	c    *http.Client
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends a request and returns the response with its body read.
func (b *browser) do(method, path string, form url.Values, header http.Header) (*http.Response, []byte) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	target := b.base + path
	if strings.HasPrefix(path, "/") { // a link from a page: absolute path
		u, _ := url.Parse(b.base)
		target = u.Scheme + "://" + u.Host + path
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp, data
}

// get fetches a page and wants status.
func (b *browser) get(path string, status int) (*http.Response, []byte) {
	b.t.Helper()
	resp, data := b.do("GET", path, nil, nil)
	if resp.StatusCode != status {
		b.t.Fatalf("GET %s = %d, want %d\n%s", path, resp.StatusCode, status, excerpt(data))
	}
	return resp, data
}

// post submits a form and wants status; a 303 is returned unfollowed.
func (b *browser) post(path string, form url.Values, status int) (*http.Response, []byte) {
	b.t.Helper()
	resp, data := b.do("POST", path, form, nil)
	if resp.StatusCode != status {
		b.t.Fatalf("POST %s = %d, want %d\n%s", path, resp.StatusCode, status, excerpt(data))
	}
	return resp, data
}

// page parses HTML.
func page(t testing.TB, data []byte) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func excerpt(b []byte) string {
	if len(b) > 600 {
		b = b[:600]
	}
	return string(b)
}

// startMain runs the whole binary's wiring on a free port.
func startMain(t testing.TB, env ...string) *Main {
	t.Helper()
	m := NewMain(io.Discard)
	if testing.Verbose() {
		m = NewMain(os.Stderr)
	}
	if err := m.ParseFlags(append(env, "POPGATE_LISTEN=127.0.0.1:0"), nil, io.Discard); err != nil {
		t.Fatalf("ParseFlags() = %v", err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// inboxUIDs lists the data-uid of the rows on an inbox page.
func inboxUIDs(t testing.TB, data []byte) []string {
	var uids []string
	page(t, data).Find(`[data-testid="message-row"]`).Each(func(_ int, s *goquery.Selection) {
		uids = append(uids, s.AttrOr("data-uid", ""))
	})
	return uids
}

func messagePath(uid string) string { return "message/" + url.PathEscape(uid) }

func TestJourney(t *testing.T) {
	for _, base := range []string{"/", "/mail/"} {
		t.Run("base "+base, func(t *testing.T) {
			srv := pop3test.NewServer(t, nil)
			msgs := journeyMessages()
			srv.AddMailbox("alice", "secret pw", msgs...)
			m := startMain(t, "POPGATE_SERVERS=Test=pop3+insecure://"+srv.Addr(), "POPGATE_BASE_PATH="+base)
			journey(t, newBrowser(t, m.URL()), "alice", "secret pw", func() [][]byte { return srv.Mailbox("alice") }, len(msgs))
		})
	}
}

// attachmentMessage carries a known attachment to download byte for byte.
var attachmentMessage = []byte("From: Files <files@example.test>\r\nSubject: Report attached\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
	"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"report.bin\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nAAECA/8Kc2VjcmV0\r\n--b--\r\n")

var attachmentBytes = []byte{0, 1, 2, 3, 0xff, '\n', 's', 'e', 'c', 'r', 'e', 't'}

// journey walks what a user does, from sign-in to sign-out, and checks on
// the server side (mailbox returns what it holds) that exactly the deleted
// messages are gone, and nothing before sign-out.
func journey(t *testing.T, b *browser, user, password string, mailbox func() [][]byte, total int) {
	// Signed out, the inbox sends you to sign in.
	resp, _ := b.get("", http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "login") {
		t.Errorf("redirect to %q, want the sign-in page", loc)
	}
	_, data := b.get("login", http.StatusOK)
	if page(t, data).Find(`input[name="password"]`).Length() != 1 {
		t.Fatalf("sign-in page has no password field:\n%s", excerpt(data))
	}
	_, data = b.post("login", url.Values{"username": {user}, "password": {"wrong"}}, http.StatusUnauthorized)
	if !bytes.Contains(data, []byte("Wrong user name or password")) {
		t.Errorf("wrong password page lacks the message:\n%s", excerpt(data))
	}
	b.post("login", url.Values{"username": {user}, "password": {password}}, http.StatusSeeOther)

	// Page 1 holds the newest 50, page 2 the rest.
	_, data = b.get("", http.StatusOK)
	first := inboxUIDs(t, data)
	if len(first) != 50 {
		t.Fatalf("page 1 has %d rows, want 50", len(first))
	}
	if !bytes.Contains(data, []byte("Report attached")) {
		t.Errorf("page 1 does not start with the newest message")
	}
	_, data = b.get("?page=2", http.StatusOK)
	second := inboxUIDs(t, data)
	if len(first)+len(second) != total {
		t.Fatalf("pages list %d+%d messages, want %d", len(first), len(second), total)
	}

	// Read one, download its attachment and its source.
	newest := first[0]
	_, data = b.get(messagePath(newest), http.StatusOK)
	doc := page(t, data)
	if got := strings.TrimSpace(doc.Find(`[data-testid="subject"]`).Text()); got != "Report attached" {
		t.Errorf("subject = %q, want %q", got, "Report attached")
	}
	href, ok := doc.Find(`a[href*="/part/"]`).First().Attr("href")
	if !ok {
		t.Fatalf("no attachment link on the message page:\n%s", excerpt(data))
	}
	resp, data = b.get(href, http.StatusOK)
	if !bytes.Equal(data, attachmentBytes) {
		t.Errorf("attachment = %q, want %q", data, attachmentBytes)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "report.bin") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	_, data = b.get(messagePath(newest)+"/raw", http.StatusOK)
	if !bytes.Equal(data, attachmentMessage) {
		t.Errorf("source differs from the message as stored")
	}

	// Delete, undo, delete two: nothing leaves the server before sign-out.
	b.post(messagePath(newest)+"/delete", nil, http.StatusSeeOther)
	_, data = b.get("", http.StatusOK)
	if uids := inboxUIDs(t, data); len(uids) != 50 || uids[0] == newest {
		t.Errorf("after delete the inbox still lists %s", newest)
	}
	if page(t, data).Find(`[data-testid="pending-deletions"]`).Length() != 1 {
		t.Errorf("no pending-deletions banner after delete")
	}
	b.post("undo", nil, http.StatusSeeOther)
	_, data = b.get("", http.StatusOK)
	if uids := inboxUIDs(t, data); uids[0] != newest {
		t.Errorf("after undo the first row is %s, want %s", uids[0], newest)
	}
	if page(t, data).Find(`[data-testid="pending-deletions"]`).Length() != 0 {
		t.Errorf("pending-deletions banner still shown after undo")
	}
	b.post("delete", url.Values{"uid": {first[1], first[2]}}, http.StatusSeeOther)
	if got := len(mailbox()); got != total {
		t.Fatalf("server holds %d messages before sign-out, want %d", got, total)
	}

	// A forged cross-site POST is refused.
	resp, _ = b.do("POST", "undo", url.Values{}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST = %d, want 403", resp.StatusCode)
	}

	_, data = b.post("logout", nil, http.StatusOK)
	if !bytes.Contains(data, []byte("2 messages")) {
		t.Errorf("sign-out page does not say 2 messages were deleted:\n%s", excerpt(data))
	}
	left := mailbox()
	if len(left) != total-2 {
		t.Fatalf("server holds %d messages after sign-out, want %d", len(left), total-2)
	}
	for _, msg := range left {
		if bytes.Contains(msg, []byte("Subject: Message 60\r\n")) || bytes.Contains(msg, []byte("Subject: Message 59\r\n")) {
			t.Errorf("deleted message still on the server: %q", msg[:40])
		}
	}
	b.get("", http.StatusSeeOther)
}
