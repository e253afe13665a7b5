package templates

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"popgate/static"
)

const xss = `<script>alert(1)</script>`

// mustRender renders c and parses the result.
func mustRender(tb testing.TB, c templ.Component) (*goquery.Document, string) {
	tb.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		tb.Fatalf("Render() = %v, want nil", err)
	}
	html := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		tb.Fatalf("goquery.NewDocumentFromReader() = %v, want nil", err)
	}
	return doc, html
}

// checkPage runs the checks every page must pass: no inline styles or
// scripts, no javascript: URLs, no raw script tag, every link, action and
// asset URL under base, and the landmarks of the layout.
func checkPage(tb testing.TB, doc *goquery.Document, html, base string) {
	tb.Helper()
	if n := doc.Find("[style]").Length(); n != 0 {
		tb.Errorf("elements with a style attribute = %d, want 0", n)
	}
	if n := doc.Find("style").Length(); n != 0 {
		tb.Errorf("style elements = %d, want 0", n)
	}
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		src, _ := s.Attr("src")
		if !strings.HasPrefix(src, base+"static/") || strings.TrimSpace(s.Text()) != "" {
			tb.Errorf("<script src=%q>%s</script>: want only our own static files, no inline script", src, s.Text())
		}
		if _, ok := s.Attr("defer"); !ok {
			tb.Errorf("<script src=%q> without defer", src)
		}
	})
	if strings.Contains(html, "<script>") {
		tb.Errorf("page contains an unescaped <script>")
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(a.Key, "on") {
				tb.Errorf("<%s> has event handler %s", goquery.NodeName(s), a.Key)
			}
			v := strings.ToLower(strings.TrimSpace(a.Val))
			if strings.HasPrefix(v, "javascript:") {
				tb.Errorf("<%s %s=%q>: javascript: URL", goquery.NodeName(s), a.Key, a.Val)
			}
		}
	})
	doc.Find("form").Each(func(_ int, s *goquery.Selection) {
		// Search forms change nothing: they GET, so results can be linked.
		if m, _ := s.Attr("method"); m != "post" && (m != "get" || s.AttrOr("role", "") != "search") {
			tb.Errorf("form method = %q, want post (or get for role=search)", m)
		}
		if a, _ := s.Attr("action"); !strings.HasPrefix(a, base) {
			tb.Errorf("form action = %q, want prefix %q", a, base)
		}
	})
	doc.Find("a[href], link[href], iframe[src]").Each(func(_ int, s *goquery.Selection) {
		u, ok := s.Attr("href")
		if !ok {
			u, _ = s.Attr("src")
		}
		if strings.HasPrefix(u, "#") || strings.HasPrefix(u, "http") || strings.HasPrefix(u, "mailto:") || u == string(templ.FailedSanitizationURL) {
			return
		}
		if !strings.HasPrefix(u, base) || strings.Contains(u, "//") {
			tb.Errorf("<%s> URL = %q, want prefix %q and no //", goquery.NodeName(s), u, base)
		}
	})
	if got, _ := doc.Find("html").Attr("lang"); got != "en" {
		tb.Errorf("html lang = %q, want en", got)
	}
	if doc.Find("main#main").Length() != 1 || doc.Find(`a.skip[href="#main"]`).Length() != 1 {
		tb.Errorf("main landmark or skip link missing")
	}
	if doc.Find(`meta[name="viewport"]`).Length() != 1 {
		tb.Errorf("viewport meta missing")
	}
	css, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if want := strings.TrimSuffix(base, "/") + static.Path("css/app.css"); css != want {
		tb.Errorf("stylesheet href = %q, want %q", css, want)
	}
	// Headings in order: one h1, no level skipped.
	if n := doc.Find("h1").Length(); n != 1 {
		tb.Errorf("h1 count = %d, want 1", n)
	}
	last := 1
	doc.Find("h1, h2, h3, h4, h5, h6").Each(func(_ int, s *goquery.Selection) {
		level := int(goquery.NodeName(s)[1] - '0')
		if level > last+1 {
			tb.Errorf("heading <%s> %q follows h%d", goquery.NodeName(s), s.Text(), last)
		}
		last = level
	})
	// Inputs are labelled, buttons have text.
	doc.Find("input:not([type=hidden]), select").Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("id")
		if s.ParentsFiltered("label").Length() == 0 && (id == "" || doc.Find(`label[for="`+id+`"]`).Length() == 0) {
			tb.Errorf("<%s name=%q> has no label", goquery.NodeName(s), s.AttrOr("name", ""))
		}
	})
	doc.Find("button").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Text()) == "" && s.AttrOr("aria-label", "") == "" {
			tb.Errorf("button without text")
		}
	})
}

func TestLayout(t *testing.T) {
	for _, base := range []string{"/", "/mail/"} {
		t.Run(base, func(t *testing.T) {
			m := Meta{Title: "Inbox", Base: base, User: "ann@example.org", Server: "Example Mail", Flash: "Message deleted.", FlashUndo: true}
			doc, html := mustRender(t, InboxView(InboxPage{Meta: m}))
			checkPage(t, doc, html, base)
			if got, want := doc.Find("title").Text(), "Inbox — popgate"; got != want {
				t.Errorf("title = %q, want %q", got, want)
			}
			if got := doc.Find(`[data-testid="account"]`).Text(); !strings.Contains(got, "ann@example.org") || !strings.Contains(got, "Example Mail") {
				t.Errorf("account = %q, want user and server", got)
			}
			if got, _ := doc.Find("form.signout").Attr("action"); got != base+"logout" {
				t.Errorf("sign-out action = %q, want %q", got, base+"logout")
			}
			flash := doc.Find(`[data-testid="flash"]`)
			if got, _ := flash.Attr("aria-live"); got != "polite" {
				t.Errorf("flash aria-live = %q, want polite", got)
			}
			if got := strings.TrimSpace(flash.Find("p").Text()); got != "Message deleted." {
				t.Errorf("flash = %q, want %q", got, "Message deleted.")
			}
			if got, _ := flash.Find("form").Attr("action"); got != base+"undo" {
				t.Errorf("flash undo action = %q, want %q", got, base+"undo")
			}
		})
	}
}

func TestLayoutSignedOut(t *testing.T) {
	doc, html := mustRender(t, LoginView(LoginPage{Meta: Meta{Title: "Sign in"}}))
	checkPage(t, doc, html, "/")
	if n := doc.Find(`form.signout, [data-testid="account"], [data-testid="flash"]`).Length(); n != 0 {
		t.Errorf("signed-out page has %d account elements, want 0", n)
	}
	if got, want := doc.Find("title").Text(), "Sign in — popgate"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
}

func TestLoginView(t *testing.T) {
	t.Run("servers", func(t *testing.T) {
		p := sampleLogin()
		doc, html := mustRender(t, LoginView(p))
		checkPage(t, doc, html, "/mail/")
		if got, _ := doc.Find("form").Attr("action"); got != "/mail/login" {
			t.Errorf("form action = %q, want /mail/login", got)
		}
		if n := doc.Find(`select[name="server"] option`).Length(); n != 2 {
			t.Errorf("server options = %d, want 2", n)
		}
		if got, _ := doc.Find("option[selected]").Attr("value"); got != "b" {
			t.Errorf("selected server = %q, want b", got)
		}
		if got, _ := doc.Find(`input[name="username"]`).Attr("value"); got != "ann" {
			t.Errorf("username value = %q, want ann", got)
		}
		if got, _ := doc.Find(`input[name="password"]`).Attr("type"); got != "password" {
			t.Errorf("password type = %q, want password", got)
		}
		if got := doc.Find(`[data-testid="login-error"]`).Text(); got != "Wrong user name or password" {
			t.Errorf("error = %q", got)
		}
		if doc.Find(`[data-testid="demo-hint"]`).Length() != 1 {
			t.Errorf("demo hint missing")
		}
	})
	t.Run("one server", func(t *testing.T) {
		doc, html := mustRender(t, LoginView(LoginPage{Servers: []ServerOption{{ID: "a", Label: "Example"}}}))
		checkPage(t, doc, html, "/")
		if n := doc.Find("select").Length(); n != 0 {
			t.Errorf("select count = %d, want 0", n)
		}
		if got, _ := doc.Find(`input[type="hidden"][name="server"]`).Attr("value"); got != "a" {
			t.Errorf("hidden server = %q, want a", got)
		}
		if n := doc.Find(`[data-testid="login-error"], [data-testid="demo-hint"]`).Length(); n != 0 {
			t.Errorf("error or demo hint shown without cause")
		}
	})
	t.Run("xss", func(t *testing.T) {
		doc, html := mustRender(t, LoginView(LoginPage{Username: `"><script>alert(1)</script>`, Error: xss, Servers: []ServerOption{{ID: xss, Label: xss}, {ID: "b", Label: "b"}}}))
		checkPage(t, doc, html, "/")
		if got := doc.Find(`[data-testid="login-error"]`).Text(); got != xss {
			t.Errorf("error text = %q, want %q", got, xss)
		}
	})
}

func TestInboxView(t *testing.T) {
	p := sampleInbox()
	doc, html := mustRender(t, InboxView(p))
	checkPage(t, doc, html, "/mail/")

	rows := doc.Find(`[data-testid="message-row"]`)
	if rows.Length() != len(p.Rows) {
		t.Fatalf("message rows = %d, want %d", rows.Length(), len(p.Rows))
	}
	rows.Each(func(i int, s *goquery.Selection) {
		r := p.Rows[i]
		if got, _ := s.Attr("data-uid"); got != r.UID {
			t.Errorf("row %d data-uid = %q, want %q", i, got, r.UID)
		}
		if got, _ := s.Find(`input[type="checkbox"][name="uid"]`).Attr("value"); got != r.UID {
			t.Errorf("row %d checkbox value = %q, want %q", i, got, r.UID)
		}
		if got, _ := s.Find(".c-subject a").Attr("href"); got != r.Href {
			t.Errorf("row %d href = %q, want %q", i, got, r.Href)
		}
		if got, _ := s.Find(".c-from").Attr("title"); got != r.FromTitle {
			t.Errorf("row %d from title = %q, want %q", i, got, r.FromTitle)
		}
		if got := s.Find(".c-from").Text(); got != r.From {
			t.Errorf("row %d from = %q, want %q", i, got, r.From)
		}
		if got, want := s.Find(".icon-attachment").Length() == 1, r.HasAttachment; got != want {
			t.Errorf("row %d attachment icon = %v, want %v", i, got, want)
		}
	})
	if got := rows.Eq(2).Find(".c-subject a").Text(); got != "(no subject)" {
		t.Errorf("empty subject = %q, want (no subject)", got)
	}
	form := doc.Find(`form[data-testid="bulk-delete"]`)
	if form.Length() != 1 || form.Find(`[data-testid="message-row"]`).Length() != len(p.Rows) {
		t.Errorf("rows are not inside one delete form")
	}
	if got, _ := form.Attr("action"); got != "/mail/delete" {
		t.Errorf("delete action = %q, want /mail/delete", got)
	}
	if !strings.Contains(form.Find("button").Text(), "Delete selected") {
		t.Errorf("delete button text = %q", form.Find("button").Text())
	}
	if n := doc.Find("table.messages thead th[scope=col]").Length(); n != 5 {
		t.Errorf("column headers = %d, want 5", n)
	}
	banner := doc.Find(`[data-testid="pending-deletions"]`)
	if got := banner.Find("p").Text(); got != "2 messages will be deleted when you sign out." {
		t.Errorf("pending banner = %q", got)
	}
	if got, _ := banner.Find("form").Attr("action"); got != "/mail/undo" {
		t.Errorf("undo action = %q, want /mail/undo", got)
	}
	if got, _ := doc.Find(`[data-testid="newer-page"]`).Attr("href"); got != "/mail/?page=1" {
		t.Errorf("prev page = %q, want /mail/?page=1", got)
	}
	if got, _ := doc.Find(`[data-testid="older-page"]`).Attr("href"); got != "/mail/?page=3" {
		t.Errorf("next page = %q, want /mail/?page=3", got)
	}
	if got, _ := doc.Find("form.refresh").Attr("action"); got != "/mail/refresh" {
		t.Errorf("refresh action = %q, want /mail/refresh", got)
	}
	if got := doc.Find(`[data-testid="snapshot"]`).Text(); got != "as of 14:03" {
		t.Errorf("snapshot = %q, want as of 14:03", got)
	}
	if got := doc.Find(`[data-testid="total"]`).Text(); got != "57 messages" {
		t.Errorf("total = %q, want 57 messages", got)
	}
	for _, id := range []string{"synthetic-ids", "notice"} {
		if doc.Find(`[data-testid="`+id+`"]`).Length() != 1 {
			t.Errorf("%s missing", id)
		}
	}
	if doc.Find(`[data-testid="empty-inbox"]`).Length() != 0 {
		t.Errorf("empty state shown with rows")
	}
}

func TestInboxViewQuiet(t *testing.T) {
	p := InboxPage{Meta: Meta{Base: "/", User: "ann"}, Total: 1, Page: 1, Pages: 1, SnapshotText: "as of 09:05",
		SelectAllHref: "/?select=all#messages", SelectNoneHref: "/#messages",
		Rows: []MessageRow{{UID: "u1", Href: "/message/u1", From: "Bob", Subject: "Hi"}}}
	doc, html := mustRender(t, InboxView(p))
	checkPage(t, doc, html, "/")
	for _, id := range []string{"pending-deletions", "pager", "synthetic-ids", "notice", "empty-inbox"} {
		if doc.Find(`[data-testid="`+id+`"]`).Length() != 0 {
			t.Errorf("%s shown, want hidden", id)
		}
	}
	if got := doc.Find(`[data-testid="snapshot"]`).Text(); got != "as of 09:05" {
		t.Errorf("snapshot = %q, want as of 09:05", got)
	}
	if got := doc.Find(`[data-testid="total"]`).Text(); got != "1 message" {
		t.Errorf("total = %q, want 1 message", got)
	}
}

func TestInboxViewEmpty(t *testing.T) {
	doc, html := mustRender(t, InboxView(InboxPage{Meta: Meta{Base: "/mail/", User: "ann"}, Page: 1, Pages: 1, Pending: 1}))
	checkPage(t, doc, html, "/mail/")
	if doc.Find(`[data-testid="empty-inbox"]`).Length() != 1 {
		t.Errorf("empty state missing")
	}
	if n := doc.Find("table, " + `[data-testid="bulk-delete"]`).Length(); n != 0 {
		t.Errorf("empty inbox has a table or delete form")
	}
	if got := doc.Find(`[data-testid="pending-deletions"] p`).Text(); got != "1 message will be deleted when you sign out." {
		t.Errorf("pending banner = %q", got)
	}
}

func TestInboxViewXSS(t *testing.T) {
	p := InboxPage{Meta: Meta{Base: "/", User: xss, Server: xss, Flash: xss}, Total: 1, Page: 1, Pages: 1, Notice: xss,
		SelectAllHref: "/?select=all#messages", SelectNoneHref: "/#messages",
		Rows: []MessageRow{{UID: `"><script>alert(1)</script>`, Href: "javascript:alert(1)", From: xss, FromTitle: xss, Subject: xss, DateText: xss, DateTitle: xss, SizeText: xss}}}
	doc, html := mustRender(t, InboxView(p))
	checkPage(t, doc, html, "/")
	row := doc.Find(`[data-testid="message-row"]`)
	if got := row.Find(".c-subject a").Text(); got != xss {
		t.Errorf("subject = %q, want %q as text", got, xss)
	}
	if got := row.Find(".c-from").Text(); got != xss {
		t.Errorf("from = %q, want %q as text", got, xss)
	}
	if got, _ := row.Attr("data-uid"); got != p.Rows[0].UID {
		t.Errorf("data-uid = %q, want %q", got, p.Rows[0].UID)
	}
	if got, _ := row.Find(".c-subject a").Attr("href"); got != string(templ.FailedSanitizationURL) {
		t.Errorf("href = %q, want %q", got, templ.FailedSanitizationURL)
	}
}

func TestMessageView(t *testing.T) {
	p := sampleMessage()
	doc, html := mustRender(t, MessageView(p))
	checkPage(t, doc, html, "/mail/")
	if got := doc.Find(`[data-testid="subject"]`).Text(); got != p.Subject {
		t.Errorf("subject = %q, want %q", got, p.Subject)
	}
	if got, want := doc.Find("title").Text(), p.Subject+" — popgate"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if got := doc.Find(".headers").Text(); !strings.Contains(got, "ann@example.org") || !strings.Contains(got, "Cc") {
		t.Errorf("headers = %q, want To and Cc", got)
	}
	lines := doc.Find(`[data-testid="message-text"] .line`)
	if lines.Length() != len(p.Text) {
		t.Errorf("text lines = %d, want %d", lines.Length(), len(p.Text))
	}
	if got := lines.Eq(1).Text(); got != "" {
		t.Errorf("empty line = %q, want empty", got)
	}
	link := doc.Find(`[data-testid="message-text"] a`)
	if link.Length() != 1 {
		t.Fatalf("links in text = %d, want 1", link.Length())
	}
	for attr, want := range map[string]string{"href": "https://example.org/agenda", "rel": "noopener noreferrer", "target": "_blank"} {
		if got, _ := link.Attr(attr); got != want {
			t.Errorf("link %s = %q, want %q", attr, got, want)
		}
	}
	if got, _ := doc.Find(`form[data-testid="delete"]`).Attr("action"); got != p.DeleteAction {
		t.Errorf("delete action = %q, want %q", got, p.DeleteAction)
	}
	for id, want := range map[string]string{"back": p.BackHref, "raw": p.RawHref, "older": p.OlderHref, "newer": p.NewerHref} {
		if got, _ := doc.Find(`[data-testid="` + id + `"]`).Attr("href"); got != want {
			t.Errorf("%s href = %q, want %q", id, got, want)
		}
	}
	atts := doc.Find(`.message > [data-testid="attachments"] [data-testid="attachment"]`)
	if atts.Length() != 2 {
		t.Errorf("attachments = %d, want 2", atts.Length())
	}
	if got, _ := atts.First().Find("a").Attr("href"); got != p.Attachments[0].Href {
		t.Errorf("attachment href = %q, want %q", got, p.Attachments[0].Href)
	}
	if got := atts.Eq(1).Find(".name").Text(); got != "Unnamed attachment" {
		t.Errorf("unnamed attachment = %q", got)
	}
	nested := doc.Find(`[data-testid="nested-message"]`)
	if nested.Length() != 1 || nested.Find(`[data-testid="attachment"]`).Length() != 1 || nested.Find(".line").Length() != 2 {
		t.Errorf("nested message not rendered with text and attachment")
	}
	if got := doc.Find(`[data-testid="problems"] li`).Length(); got != 1 {
		t.Errorf("problems = %d, want 1", got)
	}
	if doc.Find(`[data-testid="message-body"]`).Length() != 0 {
		t.Errorf("iframe shown for a plain-text message")
	}
}

func TestMessageViewHTML(t *testing.T) {
	p := sampleHTMLMessage()
	doc, html := mustRender(t, MessageView(p))
	checkPage(t, doc, html, "/mail/")
	frame := doc.Find(`iframe[data-testid="message-body"]`)
	if frame.Length() != 1 {
		t.Fatalf("message-body iframes = %d, want 1", frame.Length())
	}
	// Links in mail open in a new tab, which needs popups; nothing else is
	// allowed: no script, no same origin, no forms, no top navigation.
	if got, ok := frame.Attr("sandbox"); !ok || got != "allow-popups allow-popups-to-escape-sandbox" {
		t.Errorf("sandbox = %q (present %v), want only popups allowed", got, ok)
	}
	for attr, want := range map[string]string{"src": p.HTMLFrameSrc, "referrerpolicy": "no-referrer", "title": "Message body"} {
		if got, _ := frame.Attr(attr); got != want {
			t.Errorf("iframe %s = %q, want %q", attr, got, want)
		}
	}
	if strings.Contains(html, "allow-scripts") || strings.Contains(html, "allow-same-origin") {
		t.Errorf("page grants the frame scripts or same origin")
	}
	if got, _ := doc.Find(`[data-testid="remote-blocked"] a`).Attr("href"); got != p.RemoteHref {
		t.Errorf("remote href = %q, want %q", got, p.RemoteHref)
	}
	if got, _ := doc.Find(`[data-testid="switch"] a`).Attr("href"); got != p.TextHref {
		t.Errorf("switch href = %q, want %q", got, p.TextHref)
	}
	if doc.Find(`[data-testid="message-text"]`).Length() != 0 {
		t.Errorf("plain text shown with an HTML frame")
	}
}

func TestMessageViewXSS(t *testing.T) {
	text := []Paragraph{
		{Segments: []Segment{{Text: xss}}},
		{Segments: []Segment{{Text: "click me", Link: "javascript:alert(1)"}, {Text: " or ", Link: " JavaScript:alert(1)"}, {Text: "data", Link: "data:text/html,<script>alert(1)</script>"}}},
	}
	p := MessagePage{
		Meta:    Meta{Base: "/mail/", User: "ann"},
		Subject: xss, From: xss + " <a@b>", To: xss, Cc: xss, DateText: xss,
		Text:        text,
		Attachments: []Attachment{{Name: xss, Type: xss, SizeText: xss, Href: "/mail/message/1/part/2"}},
		Nested:      []NestedMessage{{Subject: xss, From: xss, Text: text, Attachments: []Attachment{{Name: xss, Href: "javascript:alert(1)"}}}},
		Problems:    []string{xss},
		RawHref:     "javascript:alert(1)", BackHref: "/mail/",
	}
	doc, html := mustRender(t, MessageView(p))
	checkPage(t, doc, html, "/mail/")
	if got := doc.Find(`[data-testid="subject"]`).Text(); got != xss {
		t.Errorf("subject = %q, want %q as text", got, xss)
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("page does not contain the escaped script tag")
	}
	if got := doc.Find(".headers dd").First().Text(); got != xss+" <a@b>" {
		t.Errorf("from = %q, want %q as text", got, xss+" <a@b>")
	}
	if got := doc.Find(`[data-testid="message-text"] .line`).First().Text(); got != xss {
		t.Errorf("text line = %q, want %q as text", got, xss)
	}
	if got := doc.Find(`[data-testid="attachment"] .name`).First().Text(); got != xss {
		t.Errorf("attachment name = %q, want %q as text", got, xss)
	}
	if n := doc.Find(`[data-testid="message-text"] a`).Length(); n != 0 {
		t.Errorf("links from javascript:/data: segments = %d, want 0", n)
	}
	if got := doc.Find(`[data-testid="message-text"] .line`).Eq(1).Text(); got != "click me or data" {
		t.Errorf("neutralised link text = %q, want %q", got, "click me or data")
	}
	if strings.Contains(strings.ToLower(html), "javascript:") {
		t.Errorf("page contains javascript:")
	}
}

func TestLogoutView(t *testing.T) {
	tests := []struct {
		name    string
		deleted int
		want    string
	}{
		{"none", 0, "No messages were deleted."},
		{"one", 1, "1 message was deleted."},
		{"three", 3, "3 messages were deleted."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, html := mustRender(t, LogoutView(LogoutPage{Meta: Meta{Base: "/mail/"}, Deleted: tc.deleted}))
			checkPage(t, doc, html, "/mail/")
			if got := doc.Find(`[data-testid="deleted"]`).Text(); got != tc.want {
				t.Errorf("deleted = %q, want %q", got, tc.want)
			}
			if got, _ := doc.Find("main a.btn").Attr("href"); got != "/mail/login" {
				t.Errorf("sign-in link = %q, want /mail/login", got)
			}
		})
	}
}

// TestSignedInView: the sign-in page of a signed-in browser names the
// account and its server, escaped, and offers the inbox and a POST to sign
// in as someone else that keeps the page to come back to.
func TestSignedInView(t *testing.T) {
	m := Meta{Base: "/mail/", User: "<b>alice</b>", Server: "Example Mail"}
	doc, html := mustRender(t, SignedInView(SignedInPage{Meta: m, Inbox: "/mail/search?q=x", Next: "/mail/search?q=x"}))
	checkPage(t, doc, html, "/mail/")
	if got := doc.Find(`[data-testid="signed-in-as"]`).Text(); got != "You are signed in as <b>alice</b> on Example Mail." {
		t.Errorf("signed-in notice = %q", got)
	}
	if got, _ := doc.Find(`[data-testid="go-to-inbox"]`).Attr("href"); got != "/mail/search?q=x" {
		t.Errorf("Go to inbox link = %q, want /mail/search?q=x", got)
	}
	form := doc.Find(`main form[data-testid="switch-account"]`)
	if action, _ := form.Attr("action"); action != "/mail/login/switch" || form.AttrOr("method", "") != "post" {
		t.Errorf("switch form = %q %q, want post /mail/login/switch", form.AttrOr("method", ""), action)
	}
	if got, _ := form.Find(`input[name="next"]`).Attr("value"); got != "/mail/search?q=x" {
		t.Errorf("next = %q, want /mail/search?q=x", got)
	}
}

func TestErrorView(t *testing.T) {
	tests := []struct {
		name      string
		page      ErrorPage
		wantTitle string
		wantRetry bool
	}{
		{"retry", ErrorPage{Status: 503, Title: "Mail server not answering", Message: "Try again in a minute.", RetryHref: "/mail/"}, "Mail server not answering", true},
		{"no retry", ErrorPage{Status: 409, Title: "Mailbox in use", Message: "Close your other mail program and try again."}, "Mailbox in use", false},
		{"xss", ErrorPage{Status: 400, Title: xss, Message: xss, RetryHref: "javascript:alert(1)"}, xss, true},
	}
	t.Run("sign out again", func(t *testing.T) {
		page := ErrorPage{Meta: Meta{Title: "Not signed out yet", Base: "/mail/", User: "ann"}, Status: 503,
			Title: "Not signed out yet", Message: "Sign out again in a minute.", RetryHref: "/mail/", SignOutAgain: true}
		doc, html := mustRender(t, ErrorView(page))
		checkPage(t, doc, html, "/mail/")
		form := doc.Find(`main form:has([data-testid="signout-again"])`)
		if action, _ := form.Attr("action"); action != "/mail/logout" || !strings.EqualFold(form.AttrOr("method", ""), "post") {
			t.Errorf("sign out again form = action %q method %q, want a POST to /mail/logout", action, form.AttrOr("method", ""))
		}
		if doc.Find(`[data-testid="retry"]`).Length() != 0 {
			t.Errorf("a Try again link beside Sign out again")
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.page.Meta = Meta{Title: tc.page.Title, Base: "/mail/", User: "ann"}
			doc, html := mustRender(t, ErrorView(tc.page))
			if tc.name != "xss" {
				checkPage(t, doc, html, "/mail/")
			}
			if got := doc.Find("h1").Text(); got != tc.wantTitle {
				t.Errorf("h1 = %q, want %q", got, tc.wantTitle)
			}
			if got := doc.Find("title").Text(); got != tc.wantTitle+" — popgate" {
				t.Errorf("title = %q", got)
			}
			if strings.TrimSpace(doc.Find("main p").First().Text()) == "" {
				t.Errorf("no message")
			}
			if got := doc.Find(`[data-testid="retry"]`).Length() == 1; got != tc.wantRetry {
				t.Errorf("retry link = %v, want %v", got, tc.wantRetry)
			}
			if strings.Contains(strings.ToLower(html), "javascript:") || strings.Contains(html, "<script>") {
				t.Errorf("unsafe output")
			}
		})
	}
}

// TestWritePages renders every sample page to HTML files, with the static
// assets beside them, for looking at in a browser. It runs only when
// POPGATE_SCREENSHOTS names a directory; the pages use the base path
// "/mail/" and land in its "mail" folder, so serve the directory at "/".
func TestWritePages(t *testing.T) {
	dir := os.Getenv("POPGATE_SCREENSHOTS")
	if dir == "" {
		t.Skip("POPGATE_SCREENSHOTS not set")
	}
	m := sampleMeta()
	m.Flash, m.FlashUndo = "3 messages deleted.", true
	pages := map[string]templ.Component{
		"login.html":        LoginView(sampleLogin()),
		"inbox.html":        InboxView(sampleInbox()),
		"inbox-empty.html":  InboxView(InboxPage{Meta: m, Page: 1, Pages: 1, SnapshotText: "as of 14:03"}),
		"message.html":      MessageView(sampleMessage()),
		"message-html.html": MessageView(sampleHTMLMessage()),
		"logout.html":       LogoutView(LogoutPage{Meta: Meta{Base: "/mail/"}, Deleted: 3}),
		"signed-in.html":    SignedInView(SignedInPage{Meta: sampleMeta(), Inbox: "/mail/"}),
		"error.html":        ErrorView(sampleError()),
		"frame.html":        templ.Raw("<!DOCTYPE html><p>Hello from the <b>HTML</b> part.</p>"),
	}
	for name, c := range pages {
		var buf bytes.Buffer
		if err := c.Render(context.Background(), &buf); err != nil {
			t.Fatalf("Render(%s) = %v", name, err)
		}
		mustWrite(t, filepath.Join(dir, "mail", name), buf.Bytes())
	}
	h := static.Handler()
	for _, name := range []string{"css/app.css", "icons/attachment.svg", "icons/trash.svg", "icons/undo.svg", "icons/refresh.svg", "icons/sign-out.svg", "icons/arrow-left.svg", "icons/arrow-right.svg", "icons/mail.svg"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, static.Path(name), nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", static.Path(name), rec.Code)
		}
		mustWrite(t, filepath.Join(dir, "mail", filepath.FromSlash(static.Path(name))), rec.Body.Bytes())
	}
}

func mustWrite(tb testing.TB, name string, data []byte) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestLoginFieldsInvalid: the fields are marked invalid only when the
// error is about them; a server that is down is not the user's typing.
func TestLoginFieldsInvalid(t *testing.T) {
	for _, invalid := range []bool{false, true} {
		doc, _ := mustRender(t, LoginView(LoginPage{Meta: Meta{Base: "/"}, Error: "Some error.", FieldsInvalid: invalid}))
		want := 0
		if invalid {
			want = 2
		}
		if got := doc.Find(`input[aria-invalid="true"]`).Length(); got != want {
			t.Errorf("FieldsInvalid %v: %d fields marked invalid, want %d", invalid, got, want)
		}
		if got := doc.Find(`input[aria-describedby="login-error"]`).Length(); got != 2 {
			t.Errorf("FieldsInvalid %v: %d fields point to the error, want 2", invalid, got)
		}
	}
}

// TestMessageViewQuotes: quotations nest as blockquotes, folded parts open
// from their summary without script, and links inside both stay links.
func TestMessageViewQuotes(t *testing.T) {
	line := func(s string) Paragraph { return Paragraph{Segments: []Segment{{Text: s}}} }
	link := Paragraph{Segments: []Segment{{Text: "see "}, {Text: "https://example.com/a", Link: "https://example.com/a"}}}
	p := MessagePage{
		Meta: Meta{Base: "/mail/", User: "ann"}, Subject: "Re: plans", RawHref: "/mail/message/1/raw", BackHref: "/mail/",
		Text: []Paragraph{
			line("Yes."),
			{Quote: []Paragraph{line("Coming?"), {Quote: []Paragraph{line("When?"), link}}}},
			{Fold: []Paragraph{line("On Monday, Bo wrote:"), {Quote: []Paragraph{line("old")}}}, Summary: "Quoted text"},
			{Fold: []Paragraph{line("-- "), line("Ann")}, Summary: "Signature"},
		},
	}
	doc, html := mustRender(t, MessageView(p))
	checkPage(t, doc, html, "/mail/")
	text := doc.Find(`[data-testid="message-text"]`)
	if got := text.Find("blockquote.quote > blockquote.quote > .line").First().Text(); got != "When?" {
		t.Errorf("line quoted twice = %q, want %q", got, "When?")
	}
	if href, _ := text.Find("blockquote blockquote a").Attr("href"); href != "https://example.com/a" {
		t.Errorf("link in a quotation = %q, want https://example.com/a", href)
	}
	var summaries []string
	text.Find("details.fold").Each(func(_ int, d *goquery.Selection) {
		summaries = append(summaries, d.Children().First().Filter("summary").Text())
		if _, open := d.Attr("open"); open {
			t.Errorf("a fold is open: %q", d.Text())
		}
	})
	if got := strings.Join(summaries, ", "); got != "Quoted text, Signature" {
		t.Errorf("folds = %q, want %q", got, "Quoted text, Signature")
	}
	if got := text.Find("details.fold blockquote .line").Text(); got != "old" {
		t.Errorf("quotation in a fold = %q, want %q", got, "old")
	}
}
