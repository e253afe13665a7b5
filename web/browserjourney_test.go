package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"popgate/cmd/popgate/demo"
	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// The journeys walk through popgate the way a reader does, in a real
// browser, on a phone-sized and a desktop-sized screen, with script on and
// off: sign in, page the inbox, open an HTML newsletter, allow its remote
// images, download an attachment, delete, undo, delete again, sign out
// and see the count, sign in again and find exactly the deleted messages
// gone. Each step asserts what the reader sees and saves a full-page
// screenshot under artifactDir("journey", view): look at them.

// journeyViews are the screens and script settings every journey runs in.
var journeyViews = []browserView{
	{Width: 390, Height: 844, Mobile: true},
	{Width: 390, Height: 844, Mobile: true, NoScript: true},
	{Width: 1280, Height: 800},
	{Width: 1280, Height: 800, NoScript: true},
}

// The demo messages the journeys use, by index in demo.Messages().
const (
	journeyNewsletter = 4 // 05-weekly-sprout.eml: HTML with remote images
	journeyInvoice    = 5 // 06-invoice-pdf.eml: a PDF attachment
	journeyPDF        = "INV-2026-1187.pdf"
)

// TestJourney runs the journey in every view, one after the other in one
// shared browser.
func TestJourney(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	for _, v := range journeyViews {
		t.Run(v.String(), func(t *testing.T) {
			start := time.Now()
			runJourney(t, v)
			t.Logf("journey took %v", time.Since(start).Round(time.Millisecond))
		})
	}
}

// journey is one reader's walk through popgate in one tab.
type journey struct {
	t     *testing.T
	tab   *browserTab
	base  string
	shots string // the screenshot folder
	step  int
}

// runJourney walks the journey in v, in a tab and an app of its own.
func runJourney(t *testing.T, v browserView) {
	images := newJourneyImages(t)
	// Two copies of the demo mailbox make two inbox pages (60 messages,
	// 50 a page); the newsletter's remote images come from images.
	var msgs [][]byte
	for range 2 {
		for _, m := range demo.Messages() {
			m = bytes.ReplaceAll(m, []byte("https://images.example.com/"), []byte(images.URL+"/"))
			m = bytes.ReplaceAll(m, []byte("https://track.example.com/"), []byte(images.URL+"/track/"))
			msgs = append(msgs, m)
		}
	}
	base, srv := newTestJourneyApp(t, msgs)
	uids := srv.UIDs("alice")
	n := len(demo.Messages())
	tab := newTestBrowserTab(t)
	if err := tab.emulate(v); err != nil {
		t.Fatal(err)
	}
	downloads := t.TempDir()
	if err := tab.allowDownloads(downloads); err != nil {
		t.Fatalf("allowing downloads: %v", err)
	}
	j := &journey{t: t, tab: tab, base: base, shots: artifactDir(t, "journey", v.String())}
	t.Logf("screenshots in %s", j.shots)

	// Script really is on or off: a page that retitles itself by script.
	mustNavigate(t, tab, images.URL+"/script-probe")
	if title, err := tab.title(); err != nil || (title == "script ran") == v.NoScript {
		t.Fatalf("script probe title = %q (%v), script off = %v", title, err, v.NoScript)
	}

	// 1. Sign in.
	mustNavigate(t, tab, base)
	j.expectAt(base + "login")
	s := j.state()
	if s.Heading != "Sign in to your mailbox" {
		t.Errorf("signed-out start page heading = %q, want the sign-in form", s.Heading)
	}
	j.shot("sign-in")
	j.do("filling in the sign-in form",
		chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "pw"))
	j.click(`form[action$="/login"] button[type="submit"]`)
	j.expectAt(base)

	// 2. The inbox: newest first, 50 of 60 on the first page.
	s = j.state()
	j.expect(s.Total == "60 messages", "inbox count = %q, want 60 messages", s.Total)
	j.expect(s.Page == "Page 1 of 2", "pager = %q, want Page 1 of 2", s.Page)
	j.expect(slices.Equal(s.Rows, reversed(uids[10:])), "page 1 rows = %q, want the 50 newest", s.Rows)
	j.expect(!strings.Contains(s.Main, "=?") && strings.Contains(s.Main, "Привет из Петербурга"),
		"the inbox shows undecoded or missing subjects (KOI8-R, GB2312, ISO-2022-JP):\n%s", s.Main)
	j.shot("inbox")

	// 3. The older page holds the 10 oldest.
	j.click(`a[rel="next"]`)
	s = j.state()
	j.expect(s.Page == "Page 2 of 2", "pager = %q, want Page 2 of 2", s.Page)
	j.expect(slices.Equal(s.Rows, reversed(uids[:10])), "page 2 rows = %q, want the 10 oldest", s.Rows)
	j.shot("older-page")

	// 4. The newsletter: HTML in the sandboxed frame, remote images blocked.
	j.click(`//main//a[contains(normalize-space(.), "The Weekly Sprout")]`)
	j.expectAt(base + "message/" + uids[journeyNewsletter])
	s = j.state()
	j.expect(strings.HasPrefix(s.Heading, "The Weekly Sprout: seed swap"), "message heading = %q", s.Heading)
	j.expect(s.Frame, "no message frame on an HTML message")
	j.expect(strings.Contains(s.Main, "Remote images are blocked."), "no notice that remote images are blocked in %q", shorten(s.Main, 500))
	// Once the frame's document has loaded, every image it holds has been
	// asked for: none may have been, of the server or by the browser.
	frame := j.frameLoaded(base + "message/" + uids[journeyNewsletter] + "/body")
	if hits := images.take(); len(hits) != 0 {
		t.Errorf("remote images requested before the reader allowed them: %q", hits)
	}
	if reqs := tab.requestsTo(frame, images.host()); len(reqs) != 0 {
		t.Errorf("the message frame tried remote images before the reader allowed them: %q", reqs)
	}
	j.shot("message")

	// 5. Show remote content: now, and only now, the images load.
	j.click(`//main//a[normalize-space(.)="Show remote content"]`)
	j.expectAt(base + "message/" + uids[journeyNewsletter] + "?remote=1")
	want := []string{"/sprout/2026-11/header-frost.jpg", "/sprout/2026-11/winter-salad.jpg"}
	if hits := images.wait(want); !containsAll(hits, want) {
		t.Errorf("remote images requested after allowing them = %q, want %q", hits, want)
	}
	s = j.state()
	j.expect(!strings.Contains(s.Main, "Remote images are blocked."), "the blocked-images notice stayed after allowing them")
	j.expect(j.frameImagesShown() == 2, "the message frame shows %d of its 2 pictures", j.frameImagesShown())
	j.shot("remote-images")

	// 6. Back to the inbox, open the invoice and download its PDF.
	invoice := uids[n+journeyInvoice] // the newer copy, on page 1
	// "Inbox" leads back to the page that lists the newsletter, the
	// older one; the newer invoice is a page up.
	j.click(`//main//a[contains(normalize-space(.), "Inbox")]`)
	j.expectAt(base + "?page=2")
	j.click(`a[rel="prev"]`)
	j.expectAt(base)
	j.click(`//main//a[contains(normalize-space(.), "Invoice INV-2026-1187")]`)
	j.expectAt(base + "message/" + invoice)
	var link string
	if err := tab.eval(`[...document.querySelectorAll('main a')].find(a => a.textContent.includes(`+jsString(journeyPDF)+`)).href`, &link); err != nil {
		t.Fatalf("finding the attachment link: %v", err)
	}
	j.do("clicking the attachment", chromedp.Click(chromedp.CSS(`main a[href="`+strings.TrimPrefix(link, hostURL(base))+`"]`)))
	name, err := waitDownload(downloads)
	if err != nil {
		t.Fatalf("downloading %s: %v", link, err)
	}
	got, err := os.ReadFile(filepath.Join(downloads, name))
	if wantPDF := mustAttachment(t, demo.Messages()[journeyInvoice], journeyPDF); err != nil || name != journeyPDF || !bytes.Equal(got, wantPDF) {
		t.Errorf("download = %q, %d bytes (%v), want %q, the %d bytes of the attachment", name, len(got), err, journeyPDF, len(wantPDF))
	}
	j.shot("attachment")

	// 7. Delete it: back in the inbox, it is gone, with a way back.
	j.click(`main form[action$="/delete"] button[type="submit"]`)
	j.expectAt(base + "?done=deleted&n=1")
	s = j.state()
	j.expect(slices.Contains(s.Status, "Message deleted. Undo"), "flash = %q, want Message deleted. with Undo", s.Status)
	j.expect(strings.HasPrefix(s.Pending, "1 message will be deleted when you sign out."), "pending banner = %q", s.Pending)
	j.expect(s.Total == "59 messages", "inbox count = %q, want 59 messages", s.Total)
	j.expect(!slices.Contains(s.Rows, invoice), "the deleted message is still listed")
	j.shot("deleted")

	// 8. Undo: everything is back.
	j.click(`main form[action$="/undo"] button[type="submit"]`)
	j.expectAt(base + "?done=undone")
	s = j.state()
	j.expect(slices.Equal(s.Status, []string{"Deletions undone: every message is back."}), "flash = %q, want Deletions undone", s.Status)
	j.expect(s.Pending == "", "pending banner after Undo = %q", s.Pending)
	j.expect(s.Total == "60 messages", "inbox count = %q, want 60 messages", s.Total)
	j.expect(slices.Contains(s.Rows, invoice), "the undeleted message is not listed")
	j.shot("undone")

	// 9. Delete again, two at once from the older page.
	deleted := []string{uids[journeyNewsletter], uids[journeyInvoice]}
	j.click(`a[rel="next"]`)
	for _, uid := range deleted {
		j.do("ticking a message", chromedp.Click(chromedp.CSS(`main input[type="checkbox"][name="uid"][value="`+uid+`"]`)))
	}
	var ticked []string
	if err := tab.eval(`[...document.querySelectorAll('main input[type="checkbox"][name="uid"]:checked')].map(e => e.value)`, &ticked); err != nil || !sameSet(ticked, deleted) {
		t.Fatalf("ticked = %q (%v), want %q", ticked, err, deleted)
	}
	j.shot("selected")
	j.click(`//main//form[@action="` + pathOf(base) + `delete"]//button[@type="submit"][contains(normalize-space(.), "Delete")]`)
	s = j.state()
	j.expect(slices.Contains(s.Status, "2 messages deleted. Undo"), "flash = %q, want 2 messages deleted. with Undo", s.Status)
	j.expect(strings.HasPrefix(s.Pending, "2 messages will be deleted when you sign out."), "pending banner = %q", s.Pending)
	j.expect(s.Total == "58 messages", "inbox count = %q, want 58 messages", s.Total)
	j.shot("deleted-again")

	// 10. Sign out: the page says how many the server deleted, and the
	// server lost exactly those.
	j.click(`form[action$="/logout"] button[type="submit"]`)
	s = j.state()
	j.expect(s.Heading == "You are signed out", "sign-out heading = %q", s.Heading)
	j.expect(strings.Contains(s.Main, "2 messages were deleted."), "sign-out page = %q, want 2 messages were deleted.", s.Main)
	j.shot("signed-out")
	if got, want := srv.UIDs("alice"), without(uids, deleted); !slices.Equal(got, want) {
		t.Errorf("after sign-out the server holds %q, want all but %q", got, deleted)
	}

	// 11. Signing in again shows the mailbox without them.
	mustNavigate(t, tab, base)
	j.expectAt(base + "login")
	j.do("filling in the sign-in form",
		chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "pw"))
	j.click(`form[action$="/login"] button[type="submit"]`)
	j.click(`a[rel="next"]`)
	s = j.state()
	j.expect(s.Total == "58 messages", "inbox count = %q, want 58 messages", s.Total)
	j.expect(slices.Equal(s.Rows, reversed(without(uids[:10], deleted))), "page 2 rows = %q, want the oldest but the deleted", s.Rows)
	j.shot("signed-in-again")

	// 12. The sign-in page of a signed-in browser names the account, which
	// the header shows in full too, and signs in as someone else.
	mustNavigate(t, tab, base+"login")
	j.expectAt(base + "login")
	s = j.state()
	j.expect(strings.Contains(s.Main, "You are signed in as alice on "), "signed-in page = %q", s.Main)
	var shown bool
	if err := tab.eval(`[...document.querySelectorAll('[data-testid="account"] .user, [data-testid="account"] .server')]
		.every(e => e.getBoundingClientRect().width > 0 && e.scrollWidth <= e.clientWidth)`, &shown); err != nil {
		t.Fatal(err)
	}
	j.expect(shown, "the header does not show the user and server in full")
	j.shot("signed-in-login")
	j.click(`form[action$="/login/switch"] button[type="submit"]`)
	j.expectAt(base + "login?done=signedout")
	s = j.state()
	j.expect(s.Heading == "Sign in to your mailbox", "after signing in as someone else the heading = %q", s.Heading)

	if v := tab.violations(browserPolicy{Hosts: []string{hostOf(base), images.host()}, Images: true}); len(v) != 0 {
		t.Errorf("the journey made the browser do:\n%s", strings.Join(v, "\n"))
	}
}

// journeyState is what a reader sees of a popgate page.
type journeyState struct {
	URL     string   `json:"url"`
	Heading string   `json:"heading"` // the main heading
	Main    string   `json:"main"`    // the main landmark's text
	Status  []string `json:"status"`  // live status messages (the flash)
	Alerts  []string `json:"alerts"`  // alerts (errors)
	Pending string   `json:"pending"` // the pending-deletions banner
	Total   string   `json:"total"`   // the inbox count
	Page    string   `json:"page"`    // "Page 1 of 2"
	Rows    []string `json:"rows"`    // the listed messages' UIDs, in order
	Frame   bool     `json:"frame"`   // a message body frame is shown
}

const journeyStateJS = `(() => {
	const text = el => el ? el.innerText.replace(/\s+/g, ' ').trim() : '';
	const main = document.querySelector('main') || document.body;
	const page = /Page \d+ of \d+/.exec(text(main));
	return {
		url: location.href,
		heading: text(main.querySelector('h1')),
		main: text(main),
		status: [...document.querySelectorAll('[role="status"]')].map(text),
		alerts: [...document.querySelectorAll('[role="alert"]')].map(text),
		pending: text(document.querySelector('[data-testid="pending-deletions"]')),
		total: text(document.querySelector('[data-testid="total"]')),
		page: page ? page[0] : '',
		rows: [...main.querySelectorAll('input[type="checkbox"][name="uid"]')].map(e => e.value),
		frame: !!main.querySelector('iframe[title="Message body"]'),
	};
})()`

// state reads what the tab shows.
func (j *journey) state() journeyState {
	j.t.Helper()
	var s journeyState
	if err := j.tab.eval(journeyStateJS, &s); err != nil {
		j.t.Fatalf("reading the page: %v", err)
	}
	return s
}

// shot saves a screenshot of the page as the next step.
func (j *journey) shot(name string) {
	j.t.Helper()
	j.step++
	path := filepath.Join(j.shots, fmt.Sprintf("%02d-%s.png", j.step, name))
	if err := j.tab.screenshot(path); err != nil {
		j.t.Errorf("screenshot %s: %v", name, err)
	}
}

// do runs actions that load no new page.
func (j *journey) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.tab.ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		j.t.Fatalf("%s: %v", what, err)
	}
}

// click clicks the first element sel finds (CSS, or XPath when it starts
// with "//"), waits for the page it loads, and checks the page is no
// error.
func (j *journey) click(sel string) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.tab.ctx, browserTimeout)
	defer cancel()
	var action chromedp.Action[chromedp.Void]
	if strings.HasPrefix(sel, "//") {
		action = chromedp.Click(sel)
	} else {
		action = chromedp.Click(chromedp.CSS(sel))
	}
	resp, err := chromedp.RunResponse(ctx, action)
	if err != nil {
		j.t.Fatalf("clicking %s: %v", sel, err)
	}
	if err := j.tab.settle(); err != nil {
		j.t.Fatal(err)
	}
	if resp.Status != http.StatusOK {
		j.t.Fatalf("clicking %s loaded %s with status %d:\n%s", sel, resp.URL, resp.Status, shorten(j.state().Main, 500))
	}
}

// expectAt checks the tab's address starts with prefix.
func (j *journey) expectAt(prefix string) {
	j.t.Helper()
	if loc, err := j.tab.location(); err != nil || !strings.HasPrefix(loc, prefix) {
		j.t.Fatalf("address = %q (%v), want it to start with %q", loc, err, prefix)
	}
}

func (j *journey) expect(ok bool, format string, args ...any) {
	j.t.Helper()
	if !ok {
		j.t.Errorf("step %d: "+format, append([]any{j.step + 1}, args...)...)
	}
}

// frameLoaded waits until the message frame shows the document at u and
// that document has loaded (readyState "complete", which comes only once
// every image it holds has been fetched or refused), and returns the
// frame.
func (j *journey) frameLoaded(u string) cdp.FrameID {
	j.t.Helper()
	deadline := time.Now().Add(browserTimeout)
	for {
		frames, err := j.tab.frames()
		if err != nil {
			j.t.Fatal(err)
		}
		var state string
		if len(frames) == 2 && frames[1].URL == u {
			if err := j.tab.evalIn(frames[1].ID, `document.readyState`, &state); err != nil {
				j.t.Fatal(err)
			}
			if state == "complete" {
				if err := j.tab.settle(); err != nil { // the frame's network events recorded
					j.t.Fatal(err)
				}
				return frames[1].ID
			}
		}
		if time.Now().After(deadline) {
			j.t.Fatalf("the message frame did not load %s: frames %+v, readyState %q", u, frames, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// frameImagesShown counts the pictures in the message frame that loaded
// and have a size (the tracking pixel excluded).
func (j *journey) frameImagesShown() int {
	j.t.Helper()
	frames, err := j.tab.frames()
	if err != nil || len(frames) != 2 {
		j.t.Fatalf("frames = %+v (%v), want the page and the message frame", frames, err)
	}
	var n int
	err = j.tab.evalIn(frames[1].ID, `[...document.images].filter(i => i.complete && i.naturalWidth > 1).length`, &n)
	if err != nil {
		j.t.Fatal(err)
	}
	return n
}

// journeyImages is a remote image server on loopback: it records which
// paths were asked for, serves pictures, and a page that retitles itself
// by script at /script-probe.
type journeyImages struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
}

func newJourneyImages(tb testing.TB) *journeyImages {
	tb.Helper()
	s := &journeyImages{}
	pic := func(w, h int, c color.RGBA) []byte {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				f := uint8(255 * y / h / 3)
				img.Set(x, y, color.RGBA{c.R - min(c.R, f), c.G - min(c.G, f), c.B - min(c.B, f), 255})
			}
		}
		var b bytes.Buffer
		png.Encode(&b, img)
		return b.Bytes()
	}
	frost := pic(600, 200, color.RGBA{170, 200, 230, 255})
	salad := pic(536, 300, color.RGBA{110, 170, 80, 255})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/script-probe":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!DOCTYPE html><title>no script</title><script>document.title = "script ran"</script>`)
			return
		case "/favicon.ico": // the script probe's, whenever the browser gets to it
			http.NotFound(w, r)
			return
		}
		// Recorded before the answer: by the time the browser has an
		// image, its request is on record.
		s.mu.Lock()
		s.hits = append(s.hits, r.URL.Path)
		s.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "frost.jpg"):
			w.Header().Set("Content-Type", "image/png")
			w.Write(frost)
		case strings.HasSuffix(r.URL.Path, "salad.jpg"):
			w.Header().Set("Content-Type", "image/png")
			w.Write(salad)
		default:
			w.Header().Set("Content-Type", "image/gif")
			w.Write(browserGIF)
		}
	}))
	tb.Cleanup(s.Close)
	return s
}

func (s *journeyImages) host() string { return strings.TrimPrefix(s.URL, "http://") }

// take returns the image paths asked for since the last call.
func (s *journeyImages) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hits
	s.hits = nil
	return h
}

// wait waits a while for the paths in want to be asked for, and returns
// all paths asked for since the last take.
func (s *journeyImages) wait(want []string) []string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		h := slices.Clone(s.hits)
		s.mu.Unlock()
		if containsAll(h, want) || time.Now().After(deadline) {
			return s.take()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newTestJourneyApp serves popgate under /mail/ over an in-process POP3
// server holding msgs for alice (password pw), and returns the app's base
// URL and the server. Each of opts may change the configuration.
func newTestJourneyApp(tb testing.TB, msgs [][]byte, opts ...func(*web.Config)) (string, *pop3test.Server) {
	tb.Helper()
	srv := pop3test.NewServer(tb, nil)
	srv.AddMailbox("alice", "pw", msgs...)
	quiet := slog.New(slog.DiscardHandler)
	m := session.NewManager(session.Config{CookiePath: "/mail/", Logger: quiet, Envelope: web.ParseEnvelope})
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m.Close(ctx)
	})
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	cfg := web.Config{BasePath: "/mail/", Upstreams: []session.Upstream{up}, Logger: quiet}
	for _, o := range opts {
		o(&cfg)
	}
	ts := httptest.NewServer(web.NewServer(cfg, m))
	tb.Cleanup(ts.Close)
	return ts.URL + "/mail/", srv
}

// mustAttachment returns the decoded content of the attachment named
// filename in a multipart message.
func mustAttachment(tb testing.TB, raw []byte, filename string) []byte {
	tb.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		tb.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		tb.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			tb.Fatalf("no attachment %q: %v", filename, err)
		}
		if p.FileName() != filename {
			continue
		}
		var r io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func without(s, drop []string) []string {
	return slices.DeleteFunc(slices.Clone(s), func(x string) bool { return slices.Contains(drop, x) })
}

func containsAll(s, want []string) bool {
	for _, w := range want {
		if !slices.Contains(s, w) {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && containsAll(a, b)
}

// hostURL returns the scheme and host of an http URL: "http://host:port".
func hostURL(u string) string {
	return "http://" + hostOf(u)
}

// pathOf returns the path of an http URL.
func pathOf(u string) string {
	return strings.TrimPrefix(u, hostURL(u))
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return fmt.Sprintf("%q", s) // Go's quoting is valid JavaScript for the plain text used here
}
