package web_test

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session/readstate"
	"popgate/web"
)

// plainMessages returns n small messages, numbered from 1 (oldest).
func plainMessages(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "From: Sender %d <s%d@example.test>\r\nSubject: Message %d\r\n"+
			"Date: Mon, 2 Mar 2026 10:%02d:00 +0000\r\n\r\nBody %d.\r\n", i+1, i+1, i+1, i%60, i+1)
	}
	return out
}

// newReadApp serves the app over a mailbox of msgs with store (nil: the
// Server's own in-memory one) and returns it signed in.
func newReadApp(t *testing.T, store readstate.Store, opts *pop3test.Options, msgs [][]byte) (*pop3test.Server, string, *http.Client) {
	t.Helper()
	srv := pop3test.NewServer(t, opts)
	srv.AddMailbox("alice", "pw", msgs...)
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{ReadState: store})
	c := noRedirects()
	c.Jar = newJar()
	signIn(t, c, ts.URL+"/")
	return srv, ts.URL + "/", c
}

// mustGetDoc fetches a page, wants 200 and parses it.
func mustGetDoc(t *testing.T, c *http.Client, u string) (*http.Response, *goquery.Document) {
	t.Helper()
	resp, body := get(t, c, u)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", u, resp.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return resp, doc
}

// mustPost submits an empty form and wants a 303; it returns Location.
func mustPost(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Post(u, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s = %d, want 303", u, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// unreadUIDs lists the rows of an inbox page marked unread.
func unreadUIDs(doc *goquery.Document) []string {
	var out []string
	doc.Find(`[data-testid="message-row"]`).Each(func(_ int, s *goquery.Selection) {
		if s.Find(`[data-testid="unread"]`).Length() > 0 {
			if !s.HasClass("unread") {
				return // marker without the bold row: counted as not unread
			}
			out = append(out, s.AttrOr("data-uid", ""))
		}
	})
	slices.Sort(out)
	return out
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// TestOpenMarksRead: every message starts unread; opening one makes its
// row read and lowers the count in the title.
func TestOpenMarksRead(t *testing.T) {
	srv, app, c := newReadApp(t, nil, nil, plainMessages(3))
	uids := srv.UIDs("alice")
	_, doc := mustGetDoc(t, c, app)
	if got := unreadUIDs(doc); !slices.Equal(got, sorted(uids)) {
		t.Fatalf("unread rows = %v, want all of %v", got, uids)
	}
	if got := doc.Find("title").Text(); got != "Inbox (3 unread) — popgate" {
		t.Errorf("title = %q, want Inbox (3 unread) — popgate", got)
	}
	if got := doc.Find(`[data-testid="unread"]`).First().AttrOr("aria-label", ""); got != "Unread" {
		t.Errorf("unread marker aria-label = %q, want Unread", got)
	}
	mustGetDoc(t, c, app+"message/"+uids[1])
	_, doc = mustGetDoc(t, c, app)
	if got, want := unreadUIDs(doc), sorted([]string{uids[0], uids[2]}); !slices.Equal(got, want) {
		t.Errorf("unread rows after opening %s = %v, want %v", uids[1], got, want)
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="unread-count"]`).Text()); got != "2 unread" {
		t.Errorf("unread count = %q, want 2 unread", got)
	}
	for _, uid := range uids {
		mustGetDoc(t, c, app+"message/"+uid)
	}
	_, doc = mustGetDoc(t, c, app)
	if got := doc.Find("title").Text(); got != "Inbox — popgate" {
		t.Errorf("title with nothing unread = %q, want Inbox — popgate", got)
	}
	if doc.Find(`[data-testid="unread-count"]`).Length() != 0 {
		t.Errorf("unread count shown with nothing unread")
	}
}

// TestMarkUnread: the message page's button makes the message unread
// again and goes back to the inbox with a notice.
func TestMarkUnread(t *testing.T) {
	srv, app, c := newReadApp(t, nil, nil, plainMessages(2))
	uid := srv.UIDs("alice")[0]
	_, doc := mustGetDoc(t, c, app+"message/"+uid)
	form := doc.Find(`form[data-testid="mark-unread"]`)
	if form.AttrOr("method", "") != "post" || form.AttrOr("action", "") != "/message/"+uid+"/unread" {
		t.Fatalf("mark-unread form = %v %q", form.AttrOr("method", ""), form.AttrOr("action", ""))
	}
	if loc := mustPost(t, c, app+"message/"+uid+"/unread"); loc != "/?done=unread" {
		t.Errorf("Location = %q, want /?done=unread", loc)
	}
	_, doc = mustGetDoc(t, c, app+"?done=unread")
	if got := unreadUIDs(doc); !slices.Contains(got, uid) {
		t.Errorf("unread rows = %v, want %s among them", got, uid)
	}
	if got := doc.Find(`[data-testid="flash"]`).Text(); !strings.Contains(got, "marked as unread") {
		t.Errorf("flash = %q, want it to say marked as unread", got)
	}
	resp, err := c.Post(app+"message/nope/unread", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST unread of an unknown message = %d, want 404", resp.StatusCode)
	}
}

// TestReadStateAcrossSignIns: with a bbolt store, a message opened stays
// read after signing out, closing the store and signing in again.
func TestReadStateAcrossSignIns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	store, err := readstate.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	msgs := plainMessages(2)
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", msgs...)
	uid := srv.UIDs("alice")[1]
	ts, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{ReadState: store})
	c := noRedirects()
	c.Jar = newJar()
	signIn(t, c, ts.URL+"/")
	mustGetDoc(t, c, ts.URL+"/message/"+uid)
	resp, err := c.Post(ts.URL+"/logout", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST logout = %d, want 200", resp.StatusCode)
	}
	if err := store.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	store, err = readstate.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ts2, _ := signInApp(t, srv, pop3.SecurityNone, web.Config{ReadState: store})
	c2 := noRedirects()
	c2.Jar = newJar()
	signIn(t, c2, ts2.URL+"/")
	_, doc := mustGetDoc(t, c2, ts2.URL+"/")
	if got, want := unreadUIDs(doc), []string{srv.UIDs("alice")[0]}; !slices.Equal(got, want) {
		t.Errorf("unread rows after signing in again = %v, want %v", got, want)
	}
}

// TestReadStatePruned: a message deleted on the server is forgotten when
// the inbox is listed; one only pending deletion is kept, so Undo brings
// it back read.
func TestReadStatePruned(t *testing.T) {
	store := readstate.NewMemory()
	srv, app, c := newReadApp(t, store, nil, plainMessages(3))
	uids := srv.UIDs("alice")
	acct := readstate.Account{Server: srv.Addr(), User: "alice"}
	read := func() []string {
		set, err := store.Read(acct)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Sorted(maps.Keys(set))
	}
	mustGetDoc(t, c, app+"message/"+uids[0])
	mustGetDoc(t, c, app+"message/"+uids[1])
	mustPost(t, c, app+"message/"+uids[0]+"/delete")
	mustGetDoc(t, c, app)
	if got, want := read(), sorted(uids[:2]); !slices.Equal(got, want) {
		t.Fatalf("read marks with a deletion pending = %v, want %v", got, want)
	}
	resp, err := c.Post(app+"logout", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	signIn(t, c, app)
	mustGetDoc(t, c, app)
	if got, want := read(), []string{uids[1]}; !slices.Equal(got, want) {
		t.Errorf("read marks after the deletion was committed = %v, want %v", got, want)
	}
}

// TestPrevNextAcrossPages: the message page links its older and newer
// neighbours even across inbox pages, and leads back to its own page.
func TestPrevNextAcrossPages(t *testing.T) {
	srv, app, c := newReadApp(t, nil, nil, plainMessages(52))
	uids := srv.UIDs("alice") // oldest first; page 1 lists uids[51..2]
	tests := []struct {
		uid, older, newer, back string
	}{
		{uids[2], "/message/" + uids[1], "/message/" + uids[3], "/"},
		{uids[1], "/message/" + uids[0], "/message/" + uids[2], "/?page=2"},
		{uids[0], "", "/message/" + uids[1], "/?page=2"},
		{uids[51], "/message/" + uids[50], "", "/"},
	}
	for _, tc := range tests {
		t.Run(tc.uid, func(t *testing.T) {
			_, doc := mustGetDoc(t, c, app+"message/"+tc.uid)
			for id, want := range map[string]string{"older": tc.older, "newer": tc.newer, "back": tc.back} {
				if got := doc.Find(`[data-testid="`+id+`"]`).AttrOr("href", ""); got != want {
					t.Errorf("%s href = %q, want %q", id, got, want)
				}
			}
			if got := doc.Find(`[data-testid="older"]`).AttrOr("rel", "next"); got != "next" {
				t.Errorf("older rel = %q, want next", got)
			}
		})
	}
}

// TestSelectAll: "select=all" renders every checkbox of the page checked,
// with a link back to none; without it none is checked.
func TestSelectAll(t *testing.T) {
	_, app, c := newReadApp(t, nil, nil, plainMessages(53))
	_, doc := mustGetDoc(t, c, app+"?page=2")
	if n := doc.Find(`input[name="uid"]:checked`).Length(); n != 0 {
		t.Errorf("checked boxes = %d, want 0", n)
	}
	link := doc.Find(`[data-testid="select-all"]`)
	if href := link.AttrOr("href", ""); href != "/?page=2&select=all#messages" {
		t.Fatalf("select-all href = %q, want /?page=2&select=all#messages", href)
	}
	_, doc = mustGetDoc(t, c, app+"?page=2&select=all")
	boxes := doc.Find(`input[name="uid"]`)
	if boxes.Length() != 3 || doc.Find(`input[name="uid"]:checked`).Length() != 3 {
		t.Errorf("checked boxes = %d of %d, want 3 of 3", doc.Find(`input[name="uid"]:checked`).Length(), boxes.Length())
	}
	if href := doc.Find(`[data-testid="select-none"]`).AttrOr("href", ""); href != "/?page=2#messages" {
		t.Errorf("select-none href = %q, want /?page=2#messages", href)
	}
}

// TestServerInfo: the server page says in words what CAPA announced, and
// warns when EXPIRE 0 lets the server delete what was read.
func TestServerInfo(t *testing.T) {
	tests := []struct {
		name     string
		opts     *pop3test.Options
		warning  bool
		expire   string
		contains []string
	}{
		{"expire 0", &pop3test.Options{Expire: "0", Implementation: "Acme POP 2"}, true, "as soon as it has been read", []string{"Acme POP 2"}},
		{"expire never", &pop3test.Options{Expire: "NEVER"}, false, "until you delete it", nil},
		{"expire 30", &pop3test.Options{Expire: "30", NoPipelining: true}, false, "30 days", []string{"Takes one command at a time."}},
		{"no CAPA", &pop3test.Options{NoCAPA: true}, false, "", []string{"does not list what it supports"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, app, c := newReadApp(t, nil, tc.opts, plainMessages(1))
			_, doc := mustGetDoc(t, c, app)
			if href := doc.Find(`[data-testid="account"]`).AttrOr("href", ""); href != "/server" {
				t.Errorf("account link = %q, want /server", href)
			}
			_, doc = mustGetDoc(t, c, app+"server")
			info := doc.Find(`[data-testid="server-info"]`)
			if info.Length() != 1 {
				t.Fatalf("server-info sections = %d, want 1", info.Length())
			}
			warn := doc.Find(`[data-testid="expire-warning"]`)
			if (warn.Length() == 1) != tc.warning {
				t.Errorf("expire-warning shown = %v, want %v", warn.Length() == 1, tc.warning)
			}
			if tc.warning && !strings.Contains(warn.Text(), "delete") {
				t.Errorf("expire-warning = %q, want it to say delete", warn.Text())
			}
			if got := doc.Find(`[data-testid="expire"]`).Text(); !strings.Contains(got, tc.expire) {
				t.Errorf("expire = %q, want it to contain %q", got, tc.expire)
			}
			text := info.Text()
			if !strings.Contains(text, "Not encrypted") {
				t.Errorf("page does not say the test connection is not encrypted")
			}
			for _, want := range tc.contains {
				if !strings.Contains(text, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if !tc.opts.NoCAPA {
				uidl := doc.Find(`[data-testid="feature"][data-tag="UIDL"]`)
				if !uidl.HasClass("yes") || !strings.Contains(uidl.Text(), "Yes") {
					t.Errorf("UIDL feature = %q, want supported, in words", uidl.Text())
				}
				if stls := doc.Find(`[data-testid="feature"][data-tag="STLS"]`); stls.HasClass("no") {
					t.Errorf("STLS, absent after sign-in, shown as not supported")
				}
			}
		})
	}
}

// TestKeysScript: pages load the shortcut script with the nonce of their
// CSP, the CSP allows scripts by that nonce only, and the file is served
// as JavaScript under the same policy of headers.
func TestKeysScript(t *testing.T) {
	_, app, c := newReadApp(t, nil, nil, plainMessages(1))
	resp, doc := mustGetDoc(t, c, app)
	csp := resp.Header.Get("Content-Security-Policy")
	script := doc.Find(`script[src]`)
	if script.Length() != 1 {
		t.Fatalf("script elements = %d, want 1", script.Length())
	}
	nonce := script.AttrOr("nonce", "")
	if nonce == "" || !strings.Contains(csp, "script-src 'nonce-"+nonce+"';") {
		t.Errorf("CSP = %q, want script-src 'nonce-%s'", csp, nonce)
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP = %q allows inline script or eval", csp)
	}
	if doc.Find("script:not([src])").Length() != 0 {
		t.Errorf("page has an inline script")
	}
	resp2, _ := mustGetDoc(t, c, app)
	if csp2 := resp2.Header.Get("Content-Security-Policy"); csp2 == csp {
		t.Errorf("two responses share the nonce")
	}
	src := script.AttrOr("src", "")
	if !strings.HasPrefix(src, "/static/") || !strings.HasSuffix(src, "/js/keys.js") {
		t.Fatalf("script src = %q", src)
	}
	js, body := get(t, c, strings.TrimSuffix(app, "/")+src)
	if js.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", src, js.StatusCode)
	}
	if ct := js.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/javascript; charset=utf-8", ct)
	}
	if js.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("script served without nosniff")
	}
	if !strings.Contains(body, "keydown") {
		t.Errorf("script body does not look like the shortcut script")
	}
	_, login := get(t, noRedirects(), app+"login")
	if strings.Contains(login, "<script") {
		t.Errorf("sign-in page loads a script; shortcuts are for signed-in pages")
	}
}

// The inbox keeps its read marks per listing; every change of the listing
// (a deletion, an undo, another deletion) and every mark must show at once.
func TestUnreadFollowsEveryChange(t *testing.T) {
	srv, app, c := newReadApp(t, nil, nil, plainMessages(4))
	uids := srv.UIDs("alice")
	check := func(step string, wantUnread []string) {
		t.Helper()
		_, doc := mustGetDoc(t, c, app)
		if got := unreadUIDs(doc); !slices.Equal(sorted(got), sorted(wantUnread)) {
			t.Errorf("%s: unread rows = %v, want %v", step, got, wantUnread)
		}
		want := "Inbox — popgate"
		if n := len(wantUnread); n > 0 {
			want = fmt.Sprintf("Inbox (%d unread) — popgate", n)
		}
		if got := doc.Find("title").Text(); got != want {
			t.Errorf("%s: title = %q, want %q", step, got, want)
		}
	}
	check("at first", uids)
	mustGetDoc(t, c, app+"message/"+uids[0])
	check("after opening one", uids[1:])
	mustGetDoc(t, c, app+"message/"+uids[0])
	check("after opening it again", uids[1:])
	mustPost(t, c, app+"message/"+uids[0]+"/delete")
	check("after deleting the read one", uids[1:])
	// Undo and delete another one without looking in between: the listing
	// is as long as the one before, yet another.
	mustPost(t, c, app+"undo")
	mustPost(t, c, app+"message/"+uids[1]+"/delete")
	check("after undo and deleting an unread one", uids[2:])
	mustPost(t, c, app+"message/"+uids[0]+"/unread")
	check("after marking the first unread", append([]string{uids[0]}, uids[2:]...))
	_, doc := mustGetDoc(t, c, app+"search?q=message")
	if got, want := doc.Find(`[data-testid="search-row"].unread`).Length(), 3; got != want {
		t.Errorf("search shows %d unread rows, want %d", got, want)
	}
}

// A message too large to show gets a page of its headers, from the header
// index, and a download link; it is never downloaded for that page, and
// opening it counts as reading it.
func TestTooLargeMessage(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n"), 33<<20/64)
	big := append([]byte("From: Big Sender <big@example.test>\r\nSubject: A very large message\r\n"+
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\n"), body...)
	srv, app, c := newReadApp(t, nil, nil, [][]byte{big})
	uid := srv.UIDs("alice")[0]
	_, doc := mustGetDoc(t, c, app+"message/"+uid)
	if got := doc.Find(`[data-testid="subject"]`).Text(); got != "A very large message" {
		t.Errorf("subject = %q, want A very large message", got)
	}
	if !strings.Contains(doc.Find("main").Text(), "too large to show here") || doc.Find(`[data-testid="raw"]`).Length() != 1 {
		t.Errorf("the page neither says the message is too large nor offers its source:\n%s", doc.Find("main").Text())
	}
	for _, cmd := range srv.Commands() {
		if strings.HasPrefix(cmd, "RETR") {
			t.Errorf("the page of a message too large to show sent %q", cmd)
		}
	}
	if _, doc := mustGetDoc(t, c, app); len(unreadUIDs(doc)) != 0 {
		t.Errorf("after opening it the inbox still shows it unread")
	}
}
