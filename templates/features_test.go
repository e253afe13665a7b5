package templates

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestInboxUnreadAndSelectAll: unread rows are bold with a marker that
// says so in words; select=all checks every box and offers "Select none".
func TestInboxUnreadAndSelectAll(t *testing.T) {
	p := sampleInbox()
	p.Rows[0].Unread = true
	p.Rows[0].DateISO = "2026-03-04T14:01:00Z"
	p.Unread = 1
	doc, html := mustRender(t, InboxView(p))
	checkPage(t, doc, html, "/mail/")
	unread := doc.Find(`[data-testid="unread"]`)
	if unread.Length() != 1 || !unread.Closest("tr").HasClass("unread") {
		t.Fatalf("unread markers = %d, want 1 in a row with class unread", unread.Length())
	}
	if got := unread.AttrOr("aria-label", ""); got != "Unread" {
		t.Errorf("unread marker aria-label = %q, want Unread", got)
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="unread-count"]`).Text()); got != "1 unread" {
		t.Errorf("unread count = %q, want 1 unread", got)
	}
	tm := doc.Find(`[data-testid="message-row"] time`).First()
	if tm.AttrOr("datetime", "") != "2026-03-04T14:01:00Z" || tm.AttrOr("title", "") != p.Rows[0].DateTitle || tm.Text() != "14:01" {
		t.Errorf("time = %q datetime %q title %q", tm.Text(), tm.AttrOr("datetime", ""), tm.AttrOr("title", ""))
	}
	if n := doc.Find(`input[name="uid"]:checked`).Length(); n != 0 {
		t.Errorf("checked boxes = %d, want 0", n)
	}
	if href := doc.Find(`[data-testid="select-all"]`).AttrOr("href", ""); href != "/mail/?page=2&select=all#messages" {
		t.Errorf("select-all href = %q", href)
	}

	p.AllSelected = true
	doc, html = mustRender(t, InboxView(p))
	checkPage(t, doc, html, "/mail/")
	if n, want := doc.Find(`input[name="uid"]:checked`).Length(), len(p.Rows); n != want {
		t.Errorf("checked boxes = %d, want %d", n, want)
	}
	if doc.Find(`[data-testid="select-none"]`).Length() != 1 || doc.Find(`[data-testid="select-all"]`).Length() != 0 {
		t.Errorf("select=all page does not offer Select none instead of Select all")
	}
}

// TestMessageViewMarkUnread: the message page has a POST "Mark as
// unread" button and rel links to its neighbours.
func TestMessageViewMarkUnread(t *testing.T) {
	p := sampleMessage()
	p.UnreadAction = "/mail/message/m1/unread"
	p.DateISO = "2026-03-04T14:01:00Z"
	doc, html := mustRender(t, MessageView(p))
	checkPage(t, doc, html, "/mail/")
	form := doc.Find(`form[data-testid="mark-unread"]`)
	if form.AttrOr("action", "") != p.UnreadAction || !strings.Contains(form.Text(), "Mark as unread") {
		t.Errorf("mark-unread form action = %q, text %q", form.AttrOr("action", ""), form.Text())
	}
	if p.OlderHref != "" && doc.Find(`[data-testid="older"]`).AttrOr("rel", "") != "next" {
		t.Errorf("older link without rel=next")
	}
	if got := doc.Find(`dd time`).AttrOr("datetime", ""); got != p.DateISO {
		t.Errorf("date datetime = %q, want %q", got, p.DateISO)
	}
}

// TestLayoutScriptAndHelp: signed-in pages load the shortcut script
// deferred from our static files and carry the hidden help; signed-out
// pages load no script.
func TestLayoutScriptAndHelp(t *testing.T) {
	doc, html := mustRender(t, InboxView(sampleInbox()))
	checkPage(t, doc, html, "/mail/")
	if src := doc.Find("script").AttrOr("src", ""); !strings.HasSuffix(src, "/js/keys.js") {
		t.Errorf("script src = %q, want the keys.js asset", src)
	}
	if _, hidden := doc.Find(`[data-testid="keys-button"]`).Attr("hidden"); !hidden {
		t.Errorf("shortcut button is visible without script")
	}
	if doc.Find(`dialog[data-testid="keys-help"]`).Length() != 1 {
		t.Errorf("no keyboard help dialog")
	}
	if href := doc.Find(`a[data-testid="account"]`).AttrOr("href", ""); href != "/mail/server" {
		t.Errorf("account link = %q, want /mail/server", href)
	}
	doc, _ = mustRender(t, LoginView(sampleLogin()))
	if doc.Find("script").Length() != 0 {
		t.Errorf("sign-in page loads a script")
	}
}

// TestServerView: capabilities in words, the EXPIRE 0 warning, and
// server-sent text escaped.
func TestServerView(t *testing.T) {
	p := ServerPage{
		Meta: sampleMeta(), Label: "Example Mail", Address: "pop.example.org:995", Connection: "Encrypted (TLS from the start)",
		Features: []Feature{
			{Tag: "UIDL", Supported: true, Text: "Gives every message a permanent id."},
			{Tag: "PIPELINING", Text: "Takes one command at a time."},
			{Tag: "STLS", Unknown: true, Text: "Not listed after sign-in."},
		},
		Implementation: xss,
		Expire:         "May delete a message as soon as it has been read.",
		ExpireWarning:  "This server may delete every message you open.",
		LoginDelay:     "You can sign in once every 15 minutes.",
		Other:          []string{"X-" + xss},
	}
	doc, html := mustRender(t, ServerView(p))
	checkPage(t, doc, html, "/mail/")
	if doc.Find(`[data-testid="server-info"]`).Length() != 1 {
		t.Fatalf("no server-info section")
	}
	if got := doc.Find(`[data-testid="expire-warning"]`).Text(); got != p.ExpireWarning {
		t.Errorf("expire-warning = %q, want %q", got, p.ExpireWarning)
	}
	for tag, want := range map[string]string{"UIDL": "Yes", "PIPELINING": "No", "STLS": "Unknown"} {
		if got := doc.Find(`[data-tag="` + tag + `"] .state`).Text(); got != want {
			t.Errorf("%s state = %q, want %q", tag, got, want)
		}
	}
	if got := doc.Find(`[data-testid="login-delay"]`).Text(); got != p.LoginDelay {
		t.Errorf("login-delay = %q", got)
	}
	if !strings.Contains(doc.Find(`.headers`).Text(), xss) {
		t.Errorf("implementation text not shown as text")
	}

	p.ExpireWarning, p.NoCAPA, p.Features = "", true, nil
	doc, html = mustRender(t, ServerView(p))
	checkPage(t, doc, html, "/mail/")
	if doc.Find(`[data-testid="expire-warning"]`).Length() != 0 || doc.Find(`[data-testid="no-capa"]`).Length() != 1 {
		t.Errorf("server without CAPA: warning or explanation wrong")
	}
}

// TestServerViewFeatureClass: each capability row carries exactly one
// class, yes, no or unknown, and no stray attribute.
func TestServerViewFeatureClass(t *testing.T) {
	p := ServerPage{Meta: sampleMeta(), Features: []Feature{
		{Tag: "UIDL", Supported: true}, {Tag: "TOP"}, {Tag: "STLS", Unknown: true},
	}}
	doc, html := mustRender(t, ServerView(p))
	if strings.Contains(html, " else ") {
		t.Errorf("ServerView() renders %q", " else ")
	}
	want := map[string]string{"UIDL": "yes", "TOP": "no", "STLS": "unknown"}
	rows := doc.Find(`[data-testid="feature"]`)
	if rows.Length() != len(want) {
		t.Fatalf("feature rows = %d, want %d", rows.Length(), len(want))
	}
	rows.Each(func(_ int, s *goquery.Selection) {
		tag := s.AttrOr("data-tag", "")
		var names []string
		for _, a := range s.Nodes[0].Attr {
			names = append(names, a.Key)
		}
		if got := s.AttrOr("class", ""); got != want[tag] || len(names) != 3 {
			t.Errorf("%s row: class %q, attributes %q; want class %q and data-testid, data-tag, class only", tag, got, names, want[tag])
		}
	})
}
