package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"popgate/web/mailview"
)

// browserKnownHoles names the payloads that still get through, with why;
// their subtests are skipped until the app is fixed.
var browserKnownHoles = map[string]string{}

// browserShards is how many tabs (each with its own app, mailbox and
// attacker server) share the hostile messages in TestBrowserHostileMail.
const browserShards = 2

// browserMinPayloads is the least number of hostile messages the suite
// must hold.
const browserMinPayloads = 60

// TestBrowserHarnessSeesAttacks shows that the harness notices what the
// other browser tests assert never happens: a dialog, script, a request to
// a foreign host, a changed title, a blocked request, an overlay, mail
// markup in the page, and a click on a javascript: link.
func TestBrowserHarnessSeesAttacks(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	attacker := newTestAttacker(t)
	pages := map[string]string{
		"/evil": `<!DOCTYPE html><title>before</title><script>alert('x'); document.title = 'PWNED';
			fetch('` + attacker.URL + `/fetch'); console.log('ran')</script><img src="http://attacker.example/p.gif">`,
		"/blocked": `<!DOCTYPE html><title>blocked</title><img src="http://attacker.example/q.gif">`,
		"/overlay": `<!DOCTYPE html><title>overlay</title><h1 data-testid="subject">S</h1>
			<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:#fff" onclick="x()">Sign in again</div>
			<a href="javascript:alert('clicked')">click</a>`,
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/blocked" {
			w.Header().Set("Content-Security-Policy", "img-src 'none'")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(pages[r.URL.Path]))
	}))
	t.Cleanup(ts.Close)
	host := strings.TrimPrefix(ts.URL, "http://")
	tab := newTestBrowserTab(t)

	mustNavigate(t, tab, ts.URL+"/evil")
	v := strings.Join(tab.violations(browserPolicy{Hosts: []string{host}, URL: ts.URL + "/evil", Title: "before"}), "\n")
	for _, want := range []string{"dialog: alert", "script ran: console.log", "request out: Image http://attacker.example/p.gif",
		"request out: Fetch " + attacker.URL + "/fetch", `title = "PWNED"`} {
		if !strings.Contains(v, want) {
			t.Errorf("violations on a page that runs script = %q, want it to mention %q", v, want)
		}
	}
	if hits := attacker.take(); !slices.ContainsFunc(hits, func(h attackerHit) bool { return h.Path == "/fetch" }) {
		t.Errorf("attacker hits = %q, want GET /fetch", hits)
	}

	var opaque bool
	if err := tab.evalIn(mustTopFrame(t, tab), opaqueOriginCheck, &opaque); err != nil || opaque {
		t.Errorf("opaque origin check on a plain page = %v, %v; want false", opaque, err)
	}

	tab.reset()
	mustNavigate(t, tab, ts.URL+"/blocked")
	if v := tab.violations(browserPolicy{Hosts: []string{host}, BlockedOK: true, URL: ts.URL + "/blocked", Title: "blocked"}); len(v) != 0 {
		t.Errorf("violations with blocked requests allowed = %q, want none", v)
	}
	if v := strings.Join(tab.violations(browserPolicy{Hosts: []string{host}, URL: ts.URL + "/blocked"}), "\n"); !strings.Contains(v, "the browser blocked it: csp") {
		t.Errorf("violations with blocked requests refused = %q, want the CSP-blocked image", v)
	}

	tab.reset()
	mustNavigate(t, tab, ts.URL+"/overlay")
	page, err := tab.checkAppPage(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(page.Problems, "\n"); !strings.Contains(p, "attribute onclick") || !strings.Contains(p, "is covered by") {
		t.Errorf("app page check of an overlay = %q, want the handler and the covered subject", p)
	}
	top := mustTopFrame(t, tab)
	dom, err := tab.checkMailDOM(top, false)
	if err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(dom.Problems, "\n"); !strings.Contains(p, "position: fixed") || !strings.Contains(p, "link in <a href=\"javascript:") {
		t.Errorf("mail DOM check of an overlay = %q, want the fixed box and the javascript: link", p)
	}
	if _, err := tab.activate(top); err != nil {
		t.Fatal(err)
	}
	if err := tab.settle(); err != nil {
		t.Fatal(err)
	}
	if v := strings.Join(tab.violations(browserPolicy{Hosts: []string{host}}), "\n"); !strings.Contains(v, `"clicked"`) {
		t.Errorf("violations after clicking a javascript: link = %q, want its dialog", v)
	}
}

// TestBrowserHostileMail opens every hostile message through popgate in a
// real browser, as a reader would: sign in, open the message, show its
// plain text, open its attachments, and, for messages with remote
// images, allow remote content. Nothing may run, leave, navigate, or
// appear outside the message frame.
func TestBrowserHostileMail(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	for shard := range browserShards {
		t.Run(fmt.Sprintf("shard%d", shard), func(t *testing.T) {
			t.Parallel()
			attacker := newTestAttacker(t)
			var msgs []hostileMail
			for i, m := range mustLoadHostileMails(t, attacker.host()) {
				if i%browserShards == shard {
					msgs = append(msgs, m)
				}
			}
			base, uids := newTestBrowserApp(t, msgs)
			tab := newTestBrowserTab(t)
			mustSignInBrowser(t, tab, base)
			for i, m := range msgs {
				t.Run(m.Name, func(t *testing.T) {
					if reason, ok := browserKnownHoles[m.Name]; ok {
						t.Skip("known hole: " + reason)
					}
					readHostileMessage(t, tab, attacker, base, uids[i], m)
				})
			}
		})
	}
}

// TestBrowserPayloadSuite checks the suite itself: enough messages, each
// naming what it follows.
func TestBrowserPayloadSuite(t *testing.T) {
	msgs := mustLoadHostileMails(t, "127.0.0.1:1")
	if len(msgs) < browserMinPayloads {
		t.Errorf("the suite holds %d messages, want at least %d", len(msgs), browserMinPayloads)
	}
	for _, m := range msgs {
		if strings.TrimSpace(m.Technique) == "" {
			t.Errorf("%s: X-Payload is empty", m.Name)
		}
	}
}

// readHostileMessage goes through one message the way a reader would.
func readHostileMessage(t *testing.T, tab *browserTab, attacker *browserAttacker, base, uid string, m hostileMail) {
	want, err := mailview.Parse(bytes.NewReader(m.Raw), mailview.Options{})
	if err != nil {
		t.Fatalf("mailview.Parse() = %v", err)
	}
	msgURL := base + "message/" + url.PathEscape(uid)
	title := pageTitle(want.Subject)
	v := messageView{tab: tab, attacker: attacker, base: base, msg: m, want: want}

	page := v.open(t, "open", msgURL, title, false, nil)
	if page.TextLink != "" {
		tab.reset()
		ctx, cancel := context.WithTimeout(tab.ctx, browserTimeout)
		_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-testid="switch"] a[href*="view=text"]`)))
		cancel()
		if err != nil {
			t.Fatalf("clicking Show plain text: %v", err)
		}
		if err := tab.settle(); err != nil {
			t.Fatal(err)
		}
		v.inspect(t, "plain text", page.TextLink, title, false, nil)
	}
	cur, err := tab.location()
	if err != nil {
		t.Fatal(err)
	}
	links := page.AttachmentLinks
	if len(links) > 0 {
		links = append(links, page.RawLink)
	}
	for _, link := range links {
		v.download(t, link, cur, title)
	}
	if want.HTML != "" {
		v.openFrameAlone(t, msgURL+"/body")
	}
	if want.RemoteBlocked || len(m.ExpectRemote) > 0 {
		v.open(t, "remote content allowed", msgURL+"?remote=1", title, true, m.ExpectRemote)
	}
}

// messageView checks the pages of one message.
type messageView struct {
	tab      *browserTab
	attacker *browserAttacker
	base     string
	msg      hostileMail
	want     *mailview.Message
}

// open navigates to a view of the message and inspects it.
func (v messageView) open(t *testing.T, step, u, title string, remote bool, expectRemote []string) appPage {
	t.Helper()
	v.tab.reset()
	v.attacker.take()
	if err := v.tab.navigate(u); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v.inspect(t, step, u, title, remote, expectRemote)
}

// inspect checks the page the tab shows: the page itself, the message
// frame (its DOM, then clicking what could act), and what happened.
func (v messageView) inspect(t *testing.T, step, u, title string, remote bool, expectRemote []string) appPage {
	t.Helper()
	tab := v.tab
	var problems []string
	page, err := tab.checkAppPage(v.base)
	if err != nil {
		t.Fatalf("%s: checking the page: %v", step, err)
	}
	problems = append(problems, page.Problems...)
	problems = append(problems, v.headerProblems(page)...)
	frames, err := tab.frames()
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	if wantFrame := v.want.HTML != "" && !strings.Contains(u, "view=text"); page.HasFrame != wantFrame {
		problems = append(problems, fmt.Sprintf("message frame shown = %v, want %v", page.HasFrame, wantFrame))
	}
	var body cdp.FrameID
	switch {
	case page.HasFrame && len(frames) != 2:
		problems = append(problems, fmt.Sprintf("%d frames, want the page and the message frame: %+v", len(frames), frames))
	case page.HasFrame:
		f := frames[1]
		body = f.ID
		wantSrc := strings.TrimSuffix(strings.SplitN(u, "?", 2)[0], "/") + "/body"
		if remote {
			wantSrc += "?remote=1"
		}
		if f.URL != wantSrc {
			problems = append(problems, fmt.Sprintf("message frame address = %q, want %q", f.URL, wantSrc))
		}
		if !page.Opaque {
			problems = append(problems, "the page can reach into the message frame: it is not of an opaque origin")
		}
		switch resp := tab.response(wantSrc); {
		case resp == nil:
			problems = append(problems, "no response recorded for the message frame")
		default:
			csp := fmt.Sprint(resp.Headers["Content-Security-Policy"])
			if !strings.HasPrefix(csp, "sandbox") || strings.Contains(csp, "allow-scripts") || strings.Contains(csp, "allow-same-origin") {
				problems = append(problems, fmt.Sprintf("message frame CSP = %q, want a sandbox without scripts or same origin", csp))
			}
		}
		dom, err := tab.checkMailDOM(f.ID, remote)
		if err != nil {
			t.Fatalf("%s: checking the message frame: %v", step, err)
		}
		problems = append(problems, dom.Problems...)
		clicked, err := tab.activate(f.ID)
		if err != nil {
			t.Fatalf("%s: clicking in the message frame: %v", step, err)
		}
		if len(clicked) > 0 {
			if err := tab.settle(); err != nil {
				t.Fatal(err)
			}
		}
	case len(frames) != 1:
		problems = append(problems, fmt.Sprintf("%d frames on a page without a message frame", len(frames)))
	case v.want.Text != "":
		// Quotations are shown nested, without their ">" markers.
		if got, want := strings.Join(strings.Fields(strings.ReplaceAll(page.Text, ">", "")), ""),
			strings.Join(strings.Fields(strings.ReplaceAll(v.want.Text, ">", "")), ""); got != want {
			problems = append(problems, fmt.Sprintf("plain text shown = %q, want %q", shorten(page.Text, 300), shorten(v.want.Text, 300)))
		}
	}
	problems = append(problems, tab.violations(browserPolicy{Hosts: []string{hostOf(v.base)}, Images: remote, URL: u, Title: title})...)
	var want []string
	if remote {
		want = expectRemote
	}
	problems = append(problems, unexpectedHits(v.attacker.take(), want)...)
	if len(problems) > 0 {
		v.report(t, step, problems, body)
	}
	return page
}

// openFrameAlone opens the message frame's own address as a page, as
// "Open frame in new tab" does: without the iframe's sandbox attribute,
// the response's CSP sandbox must still keep it inert and of an opaque
// origin.
func (v messageView) openFrameAlone(t *testing.T, u string) {
	t.Helper()
	tab := v.tab
	tab.reset()
	v.attacker.take()
	if err := tab.navigate(u); err != nil {
		t.Fatalf("frame alone: %v", err)
	}
	top := mustTopFrame(t, tab)
	var problems []string
	var opaque bool
	if err := tab.evalIn(top, opaqueOriginCheck, &opaque); err != nil {
		t.Fatal(err)
	}
	if !opaque {
		problems = append(problems, "the frame's page can read cookies: it is not of an opaque origin")
	}
	dom, err := tab.checkMailDOM(top, false)
	if err != nil {
		t.Fatal(err)
	}
	problems = append(problems, dom.Problems...)
	if clicked, err := tab.activate(top); err != nil {
		t.Fatal(err)
	} else if len(clicked) > 0 {
		if err := tab.settle(); err != nil {
			t.Fatal(err)
		}
	}
	problems = append(problems, tab.violations(browserPolicy{Hosts: []string{hostOf(v.base)}, URL: u, NoTitle: true})...)
	problems = append(problems, unexpectedHits(v.attacker.take(), nil)...)
	if len(problems) > 0 {
		v.report(t, "frame opened alone", problems, "")
	}
}

// headerProblems checks that the headers the page shows are the message's
// headers as text, not as markup.
func (v messageView) headerProblems(page appPage) []string {
	var out []string
	check := func(name, got, want string) {
		if collapseSpace(got) != collapseSpace(want) {
			out = append(out, fmt.Sprintf("%s shown = %q, want %q", name, got, want))
		}
	}
	check("subject", page.Subject, subjectText(v.want.Subject))
	check("From", page.From, addressText(v.want.From))
	check("To", page.To, addressText(v.want.To))
	check("Cc", page.Cc, addressText(v.want.Cc))
	var names []string
	for _, a := range v.want.Attachments {
		if strings.TrimSpace(a.Filename) == "" {
			names = append(names, "Unnamed attachment")
			continue
		}
		names = append(names, a.Filename)
	}
	var got []string
	for _, n := range page.AttachmentNames {
		got = append(got, collapseSpace(n))
	}
	for i := range names {
		names[i] = collapseSpace(names[i])
	}
	if !slices.Equal(got, names) {
		out = append(out, fmt.Sprintf("attachments shown = %q, want %q", got, names))
	}
	return out
}

// download opens an attachment link: it must download (refused here),
// never render, whatever the part claims to be.
func (v messageView) download(t *testing.T, link, pageURL, title string) {
	t.Helper()
	v.tab.reset()
	v.attacker.take()
	if err := v.tab.download(link); err != nil {
		t.Fatalf("opening %s: %v", link, err)
	}
	var problems []string
	switch resp := v.tab.response(link); {
	case resp == nil:
		problems = append(problems, "no response recorded for "+link)
	default:
		h := func(name string) string {
			for k, val := range resp.Headers {
				if strings.EqualFold(k, name) {
					return fmt.Sprint(val)
				}
			}
			return ""
		}
		if resp.Status != http.StatusOK || !strings.HasPrefix(h("Content-Disposition"), "attachment") ||
			h("X-Content-Type-Options") != "nosniff" || !strings.Contains(h("Content-Security-Policy"), "sandbox") {
			problems = append(problems, fmt.Sprintf("%s: status %d, Content-Type %q, Content-Disposition %q, X-Content-Type-Options %q, CSP %q",
				link, resp.Status, h("Content-Type"), h("Content-Disposition"), h("X-Content-Type-Options"), h("Content-Security-Policy")))
		}
	}
	problems = append(problems, v.tab.violations(browserPolicy{Hosts: []string{hostOf(v.base)}, URL: pageURL, Title: title})...)
	problems = append(problems, unexpectedHits(v.attacker.take(), nil)...)
	if len(problems) > 0 {
		v.report(t, "attachment "+link, problems, "")
	}
}

// report fails the test with the problems, the final DOMs and the
// browser's log.
func (v messageView) report(t *testing.T, step string, problems []string, frame cdp.FrameID) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s), %s:\n  %s", v.msg.Name, v.msg.Technique, step, strings.Join(problems, "\n  "))
	if frame != "" {
		fmt.Fprintf(&b, "\nmessage frame DOM:\n%s", v.tab.domOf(frame))
	}
	if top, err := v.tab.frames(); err == nil && len(top) > 0 {
		fmt.Fprintf(&b, "\npage DOM:\n%s", v.tab.domOf(top[0].ID))
	}
	fmt.Fprintf(&b, "\nbrowser log:\n%s", v.tab.logText())
	t.Error(b.String())
}

// newTestBrowserApp serves popgate under /mail/ over an in-process POP3
// server holding msgs for alice, and returns the app's base URL and the
// messages' UIDs in order.
func newTestBrowserApp(tb testing.TB, msgs []hostileMail) (string, []string) {
	tb.Helper()
	raws := make([][]byte, len(msgs))
	for i, m := range msgs {
		raws[i] = m.Raw
	}
	base, srv := newTestJourneyApp(tb, raws)
	return base, srv.UIDs("alice")
}

// mustSignInBrowser signs alice in through the sign-in form.
func mustSignInBrowser(tb testing.TB, tab *browserTab, base string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, browserTimeout)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"login"),
		chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "pw"),
	)
	if err != nil {
		tb.Fatalf("filling in the sign-in form: %v", err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.ID("password"))); err != nil {
		tb.Fatalf("signing in: %v", err)
	}
	if loc, err := tab.location(); err != nil || loc != base {
		tb.Fatalf("after signing in the address = %q (%v), want %q", loc, err, base)
	}
}

func mustNavigate(tb testing.TB, tab *browserTab, u string) {
	tb.Helper()
	if err := tab.navigate(u); err != nil {
		tb.Fatal(err)
	}
}

func mustTopFrame(tb testing.TB, tab *browserTab) cdp.FrameID {
	tb.Helper()
	frames, err := tab.frames()
	if err != nil || len(frames) == 0 {
		tb.Fatalf("frames() = %v, %v", frames, err)
	}
	return frames[0].ID
}

// hostOf returns the host:port of an http URL.
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Host
}

// subjectText is the subject as the message page shows it.
func subjectText(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(no subject)"
	}
	return s
}

// pageTitle is the title of a message page.
func pageTitle(subject string) string {
	if subject == "" {
		subject = "(no subject)"
	}
	return subject + " — popgate"
}

// addressText is an address header line as the message page shows it.
func addressText(as []mailview.Address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}
