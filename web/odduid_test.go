package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/web"
)

// browserResolve resolves href against base the way a browser does (the
// WHATWG URL standard): unlike url.URL.ResolveReference, it also takes a
// segment "%2e" for "." and ".%2e", "%2e." or "%2e%2e" for "..".
func browserResolve(t *testing.T, base, href string) string {
	t.Helper()
	path, rest := href, ""
	if i := strings.IndexAny(href, "?#"); i >= 0 {
		path, rest = href[:i], href[i:]
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch strings.ToLower(s) {
		case "%2e":
			segs[i] = "."
		case ".%2e", "%2e.", "%2e%2e":
			segs[i] = ".."
		}
	}
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := url.Parse(strings.Join(segs, "/") + rest)
	if err != nil {
		t.Fatalf("url.Parse(%q) = %v", href, err)
	}
	return b.ResolveReference(ref).String()
}

// TestOddUIDs: a server may choose any printable unique-id, such as "." or
// "a/b"; a browser can still open each message, its source, and delete it,
// and none is mistaken for another.
func TestOddUIDs(t *testing.T) {
	for _, base := range []string{"/", "/mail/"} {
		t.Run(base, func(t *testing.T) { testOddUIDs(t, base) })
	}
}

func testOddUIDs(t *testing.T, base string) {
	uids := []string{".", "..", "a/b", "%2e", "%2E.", "%41", "?x", "#", "a%2Fb", ",.", ";", "...", "~"}
	msgs := make([][]byte, len(uids))
	for i, uid := range uids {
		msgs[i] = fmt.Appendf(nil, "From: s@example.test\r\nSubject: Message %d\r\n\r\nBody of %q.\r\n", i, uid)
	}
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", msgs...)
	if err := srv.SetUIDs("alice", uids...); err != nil {
		t.Fatal(err)
	}
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{BasePath: base})
	app := ts.URL + base
	c := noRedirects()
	c.Jar = newJar()
	signIn(t, c, app)

	_, inbox := mustGetDoc(t, c, app)
	links := map[string]string{}
	inbox.Find(`[data-testid="message-row"]`).Each(func(_ int, s *goquery.Selection) {
		links[s.AttrOr("data-uid", "")] = s.Find(".c-subject a").AttrOr("href", "")
	})
	for i, uid := range uids {
		t.Run(uid, func(t *testing.T) {
			href, ok := links[uid]
			if !ok {
				t.Fatalf("inbox has no row for %q", uid)
			}
			page := browserResolve(t, app, href)
			resp, doc := mustGetDoc(t, c, page)
			if got, want := strings.TrimSpace(doc.Find(`[data-testid="subject"]`).Text()), fmt.Sprintf("Message %d", i); got != want {
				t.Errorf("GET %s (from %q): subject = %q, want %q", page, href, got, want)
			}
			raw := browserResolve(t, page, doc.Find(`[data-testid="raw"]`).AttrOr("href", ""))
			if resp, body := get(t, c, raw); resp.StatusCode != http.StatusOK || !strings.Contains(body, fmt.Sprintf("Body of %q.", uid)) {
				t.Errorf("GET %s = %d, want 200 with the message's source", raw, resp.StatusCode)
			}
			del := browserResolve(t, resp.Request.URL.String(), doc.Find(`[data-testid="delete"]`).AttrOr("action", ""))
			mustPost(t, c, del)
		})
	}
	if got := post(t, c, app+"logout", nil); got != http.StatusOK {
		t.Fatalf("POST logout = %d, want 200", got)
	}
	if got := srv.UIDs("alice"); len(got) != 0 {
		t.Errorf("after deleting every message and signing out, the mailbox still has %q", got)
	}
}
