package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser harness drives a real headless Chromium through chromedp.
// One browser process serves the whole test binary; every test gets its own
// browser context (an incognito-like profile: no shared cookies, cache or
// storage) and one tab in it. The tab records what a hostile page could
// make the browser do: JavaScript dialogs (dismissed at once), console
// calls and uncaught exceptions (proof that script ran), every network
// request with its frame and initiator, the browser's own log (CSP and
// sandbox refusals) and popups; it gives the final address, title and DOM
// of the page and of each frame.

// browserExecPath is where the Debian package "chromium" installs the
// browser.
const browserExecPath = "/usr/bin/chromium"

const (
	// browserTimeout bounds one navigation or one evaluation.
	browserTimeout = 20 * time.Second
	// browserSettle is how long a page is left alone after it loaded, so
	// that late effects (a refresh, an animation, a delayed request) show.
	browserSettle = 100 * time.Millisecond
)

// browserShared is the browser process shared by the tests of this binary.
// It starts on first use and stops when the last test that announced it
// with requireBrowser has finished.
var browserShared struct {
	mu    sync.Mutex
	users int
	ctx   context.Context // the browser's first tab; nil while stopped
	stop  func()
}

// requireBrowser skips tb when Chromium is not installed, or fails it when
// POPGATE_REQUIRE_REAL=1, and keeps the shared browser running until tb and
// its subtests are done. Call it before t.Parallel.
func requireBrowser(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat(browserExecPath); err != nil {
		if os.Getenv("POPGATE_REQUIRE_REAL") == "1" {
			tb.Fatalf("POPGATE_REQUIRE_REAL=1 but Chromium is missing (apt-get install chromium): %v", err)
		}
		tb.Skipf("Chromium not installed at %s (apt-get install chromium); skipping (set POPGATE_REQUIRE_REAL=1 to fail instead)", browserExecPath)
	}
	browserShared.mu.Lock()
	browserShared.users++
	browserShared.mu.Unlock()
	tb.Cleanup(func() {
		browserShared.mu.Lock()
		defer browserShared.mu.Unlock()
		browserShared.users--
		if browserShared.users == 0 && browserShared.stop != nil {
			browserShared.stop()
			browserShared.ctx, browserShared.stop = nil, nil
		}
	})
}

// sharedBrowser returns the context of the running browser, starting it if
// needed.
func sharedBrowser(tb testing.TB) context.Context {
	tb.Helper()
	browserShared.mu.Lock()
	defer browserShared.mu.Unlock()
	if browserShared.users == 0 {
		tb.Fatal("sharedBrowser called without requireBrowser")
	}
	if browserShared.ctx != nil {
		return browserShared.ctx
	}
	dir, err := os.MkdirTemp("", "popgate-chromium-")
	if err != nil {
		tb.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserExecPath),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1024, 768),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		// Nothing but the tests' own servers on loopback can be reached.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"),
		// A sandboxed frame stays in its page's renderer process, so that
		// the page's Network domain reports the frame's requests too. The
		// sandbox itself (opaque origin, no script, no forms, no top
		// navigation) is enforced the same way in either process model.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateSandboxedIframes"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop := func() {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(dir)
	}
	if err := chromedp.Do(ctx); err != nil {
		stop()
		tb.Fatalf("starting Chromium: %v", err)
	}
	browserShared.ctx, browserShared.stop = ctx, stop
	return ctx
}

// browserRequest is one request the tab's pages made or tried to make.
type browserRequest struct {
	ID        network.RequestID
	URL       string
	Type      network.ResourceType
	Frame     cdp.FrameID
	Initiator string
}

// browserTab is one tab in a fresh browser context, with a record of what
// its pages did. Its methods are meant for one test goroutine; the record
// is filled by the tab's event loop.
type browserTab struct {
	ctx context.Context

	mu        sync.Mutex
	requests  []browserRequest
	blocked   map[network.RequestID]string // why the browser refused a request
	responses map[string]*network.Response // last response per URL
	dialogs   []string
	scripts   []string // console calls and uncaught exceptions
	logs      []string // the browser's own messages (CSP, sandbox)
	popups    []string
}

// newTestBrowserTab opens a tab in a new browser context of the shared
// browser; downloads are refused in that context, so an attachment never
// lands on disk. The tab closes when tb ends.
func newTestBrowserTab(tb testing.TB) *browserTab {
	tb.Helper()
	return openBrowserTab(tb, chromedp.WithNewBrowserContext())
}

// newTestBrowserTabWithHistory opens a tab in the browser's default
// context, the only one in which Chromium keeps the history that colours
// visited links; one test at a time may use it. Downloads are refused.
func newTestBrowserTabWithHistory(tb testing.TB) *browserTab {
	tb.Helper()
	browserHistory.Lock()
	tb.Cleanup(browserHistory.Unlock)
	return openBrowserTab(tb)
}

// browserHistory is held by the test using the default context.
var browserHistory sync.Mutex

func openBrowserTab(tb testing.TB, opts ...chromedp.ContextOption) *browserTab {
	tb.Helper()
	tab := &browserTab{}
	tab.reset()
	ctx, cancel := chromedp.NewContext(sharedBrowser(tb), append(opts, chromedp.WithListener(tab.record))...)
	tb.Cleanup(cancel)
	tab.ctx = ctx
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("opening a tab: %v", err)
	}
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorDeny,
		BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
	})
	if err != nil {
		tb.Fatalf("Browser.setDownloadBehavior: %v", err)
	}
	// A dialog blocks the page until it is closed; close each at once. The
	// listener has already recorded it.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return tab
}

// record runs on the tab's event loop, in the order events arrive. It must
// return fast and send no command.
func (b *browserTab) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r := browserRequest{ID: ev.RequestID, URL: ev.Request.URL, Type: ev.Type, Frame: ev.FrameID}
		if ev.Initiator != nil {
			r.Initiator = string(ev.Initiator.Type)
			if ev.Initiator.URL != "" {
				r.Initiator += " " + ev.Initiator.URL
			}
		}
		b.requests = append(b.requests, r)
	case *network.EventLoadingFailed:
		if ev.BlockedReason != "" {
			b.blocked[ev.RequestID] = string(ev.BlockedReason)
		}
	case *network.EventResponseReceived:
		b.responses[ev.Response.URL] = ev.Response
	case *page.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, fmt.Sprintf("%s %q from %s", ev.Type, ev.Message, ev.URL))
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			args = append(args, string(a.Value)+a.Description)
		}
		b.scripts = append(b.scripts, fmt.Sprintf("console.%s(%s)", ev.Type, strings.Join(args, ", ")))
	case *runtime.EventExceptionThrown:
		b.scripts = append(b.scripts, "uncaught exception: "+ev.ExceptionDetails.Text)
	case *log.EventEntryAdded:
		b.logs = append(b.logs, fmt.Sprintf("%s %s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text))
	case *page.EventWindowOpen:
		b.popups = append(b.popups, ev.URL)
	}
}

// reset forgets everything recorded so far.
func (b *browserTab) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests, b.dialogs, b.scripts, b.logs, b.popups = nil, nil, nil, nil, nil
	b.blocked = make(map[network.RequestID]string)
	b.responses = make(map[string]*network.Response)
}

// navigate loads u in the tab and waits for it (and its frames) to load,
// then lets it settle.
func (b *browserTab) navigate(u string) error {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		return fmt.Errorf("navigate to %s: %w", u, err)
	}
	return b.settle()
}

// download navigates to u, which must be served as an attachment: with
// downloads refused, the navigation ends without a new document.
func (b *browserTab) download(u string) error {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: u}); err != nil {
		return fmt.Errorf("navigate to %s: %w", u, err)
	}
	return b.settle()
}

// settle gives late effects time to happen, then makes one round trip so
// that the events sent before it have been recorded.
func (b *browserTab) settle() error {
	time.Sleep(browserSettle)
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Evaluate[int]("1"))
	return err
}

// eval evaluates expr in the top document's own world and decodes its
// JSON result into out. DevTools evaluation is not subject to the page's
// CSP.
func (b *browserTab) eval(expr string, out any) error {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr, ReturnByValue: new(true)})
	return evalResult(res, err, out)
}

// evalIn evaluates expr in an isolated world of frame: it sees the frame's
// DOM even where the frame's own scripts are disabled by a sandbox.
func (b *browserTab) evalIn(frame cdp.FrameID, expr string, out any) error {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	w, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frame, WorldName: "popgate-test"})
	if err != nil {
		return fmt.Errorf("isolated world in frame %s: %w", frame, err)
	}
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr, ContextID: w.ExecutionContextID, ReturnByValue: new(true)})
	return evalResult(res, err, out)
}

func evalResult(res runtime.EvaluateResult, err error, out any) error {
	switch {
	case err != nil:
		return err
	case res.ExceptionDetails != nil:
		return fmt.Errorf("evaluation failed: %s %s", res.ExceptionDetails.Text, describe(res.ExceptionDetails.Exception))
	case res.Result == nil || len(res.Result.Value) == 0:
		return errors.New("evaluation returned no value")
	}
	return json.Unmarshal(res.Result.Value, out)
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	return o.Description
}

// browserFrame is one frame of the tab's page.
type browserFrame struct {
	ID, Parent cdp.FrameID
	URL        string
}

// frames returns the tab's frames, the top one first.
func (b *browserTab) frames() ([]browserFrame, error) {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return nil, err
	}
	var out []browserFrame
	var walk func(*page.FrameTree)
	walk = func(n *page.FrameTree) {
		if n == nil || n.Frame == nil {
			return
		}
		out = append(out, browserFrame{ID: n.Frame.ID, Parent: n.Frame.ParentID, URL: n.Frame.URL + n.Frame.URLFragment})
		for _, c := range n.ChildFrames {
			walk(c)
		}
	}
	walk(res.FrameTree)
	return out, nil
}

// requestsTo returns the URLs of the requests that frame made or tried to
// make to host (host:port), refused ones included.
func (b *browserTab) requestsTo(frame cdp.FrameID, host string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, r := range b.requests {
		if u, err := url.Parse(r.URL); err == nil && r.Frame == frame && u.Host == host {
			out = append(out, r.URL)
		}
	}
	return out
}

// response returns the last response recorded for u, or nil.
func (b *browserTab) response(u string) *network.Response {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.responses[u]
}

// browserPolicy is what a page may make the browser do.
type browserPolicy struct {
	// Hosts are the host:port pairs the page may request.
	Hosts []string
	// Images lets image requests go anywhere: remote content allowed.
	Images bool
	// BlockedOK accepts requests that the browser refused before they left
	// (CSP, sandbox): they prove a defence worked, not a leak.
	BlockedOK bool
	// HandOffOK accepts attempts to hand a URL of a non-network scheme
	// (vbscript:, ms-word:, ...) to another program, which no CSP or
	// sandbox governs once a reader clicks such a link.
	HandOffOK bool
	// URL and Title are what the top document's address and title must
	// still be; NoTitle requires an empty title.
	URL, Title string
	NoTitle    bool
}

// violations returns what the tab's pages did since the last reset that
// the policy does not allow: dialogs, script, popups, requests, and a
// changed address or title.
func (b *browserTab) violations(p browserPolicy) []string {
	var out []string
	loc, locErr := b.location()
	title, titleErr := b.title()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.dialogs {
		out = append(out, "dialog: "+d)
	}
	for _, s := range b.scripts {
		out = append(out, "script ran: "+s)
	}
	for _, u := range b.popups {
		out = append(out, "popup: "+u)
	}
	for _, r := range b.requests {
		scheme, host := "", ""
		if u, err := url.Parse(r.URL); err == nil {
			scheme, host = strings.ToLower(u.Scheme), u.Host
		}
		web := scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss" || scheme == "ftp"
		switch {
		case web && slices.Contains(p.Hosts, host):
			continue
		case scheme == "data":
			continue // data: URIs stay inside the browser
		case p.Images && r.Type == network.ResourceTypeImage:
			continue
		case !web && p.HandOffOK:
			continue
		case !web:
			out = append(out, fmt.Sprintf("hand-off to another program attempted: %s %s from frame %s (%s)", r.Type, r.URL, r.Frame, r.Initiator))
			continue
		}
		if reason, ok := b.blocked[r.ID]; ok {
			if p.BlockedOK {
				continue
			}
			out = append(out, fmt.Sprintf("request attempted (the browser blocked it: %s): %s %s from frame %s (%s)", reason, r.Type, r.URL, r.Frame, r.Initiator))
			continue
		}
		out = append(out, fmt.Sprintf("request out: %s %s from frame %s (%s)", r.Type, r.URL, r.Frame, r.Initiator))
	}
	switch {
	case locErr != nil:
		out = append(out, "reading the address: "+locErr.Error())
	case p.URL != "" && loc != p.URL:
		out = append(out, fmt.Sprintf("address = %q, want %q", loc, p.URL))
	}
	switch {
	case titleErr != nil:
		out = append(out, "reading the title: "+titleErr.Error())
	case (p.Title != "" || p.NoTitle) && collapseSpace(title) != collapseSpace(p.Title):
		out = append(out, fmt.Sprintf("title = %q, want %q", title, p.Title))
	}
	return out
}

// logText returns the browser's own messages, for failure reports.
func (b *browserTab) logText() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.logs, "\n")
}

func (b *browserTab) location() (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Location())
}

func (b *browserTab) title() (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Title())
}

// domOf returns the serialized DOM of a frame, shortened, for reports.
func (b *browserTab) domOf(frame cdp.FrameID) string {
	var html string
	if err := b.evalIn(frame, `document.documentElement ? document.documentElement.outerHTML : ""`, &html); err != nil {
		return "(DOM unavailable: " + err.Error() + ")"
	}
	return shorten(html, 4000)
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// browserAttacker is the attacker's web server: every request a hostile
// message manages to send to it is recorded. It answers with a small GIF,
// or 404 for paths containing "missing".
type browserAttacker struct {
	*httptest.Server
	mu   sync.Mutex
	hits []attackerHit
}

// attackerHit is one request the attacker's server received.
type attackerHit struct {
	Method, Path string
	Referer      string // what the browser told the attacker about the reader
}

func (h attackerHit) String() string {
	s := h.Method + " " + h.Path
	if h.Referer != "" {
		s += " (Referer: " + h.Referer + ")"
	}
	return s
}

// browserGIF is a 1x1 transparent GIF.
var browserGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

func newTestAttacker(tb testing.TB) *browserAttacker {
	tb.Helper()
	a := &browserAttacker{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.hits = append(a.hits, attackerHit{Method: r.Method, Path: r.URL.Path, Referer: r.Referer()})
		a.mu.Unlock()
		if strings.Contains(r.URL.Path, "missing") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/gif")
		w.Write(browserGIF)
	}))
	tb.Cleanup(a.Close)
	return a
}

// host is the attacker's host:port.
func (a *browserAttacker) host() string { return strings.TrimPrefix(a.URL, "http://") }

// take returns the requests seen since the last call and forgets them.
func (a *browserAttacker) take() []attackerHit {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := a.hits
	a.hits = nil
	return h
}

// unexpectedHits compares the attacker's log with the paths that had to
// be requested (by GET, without a Referer that would tell the attacker
// where the reader read the message) and returns what is wrong.
func unexpectedHits(hits []attackerHit, want []string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, h := range hits {
		if h.Method == "GET" && h.Referer == "" && slices.Contains(want, h.Path) {
			seen[h.Path] = true
			continue
		}
		out = append(out, "the attacker's server saw "+h.String())
	}
	for _, w := range want {
		if !seen[w] {
			out = append(out, "the attacker's server never saw GET "+w+" (remote content was allowed)")
		}
	}
	return out
}

// browserView is how a tab presents pages: the size of its viewport (a
// phone's is mobile: the page's viewport meta counts), whether script may
// run, and the colour scheme the reader prefers.
type browserView struct {
	Width, Height int64
	Mobile        bool
	NoScript      bool
	Dark          bool
}

// String names the view for subtests and artifact folders, such as
// "390x844-js-off" or "1280x800-dark".
func (v browserView) String() string {
	s := fmt.Sprintf("%dx%d", v.Width, v.Height)
	if v.NoScript {
		s += "-js-off"
	}
	if v.Dark {
		s += "-dark"
	}
	return s
}

// emulate makes the tab present its pages as v says, from now on and
// across navigations; it applies to the page shown at once.
func (b *browserTab) emulate(v browserView) error {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: v.Width, Height: v.Height, DeviceScaleFactor: 1, Mobile: v.Mobile,
	}); err != nil {
		return fmt.Errorf("Emulation.setDeviceMetricsOverride: %w", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: v.NoScript}); err != nil {
		return fmt.Errorf("Emulation.setScriptExecutionDisabled: %w", err)
	}
	scheme := "light"
	if v.Dark {
		scheme = "dark"
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		return fmt.Errorf("Emulation.setEmulatedMedia: %w", err)
	}
	return nil
}

// screenshot saves the whole page, beyond the viewport, as a PNG file at
// path, creating its folder.
func (b *browserTab) screenshot(path string) error {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	m, err := chromedp.Call(ctx, page.GetLayoutMetrics, cdp.Empty{})
	if err != nil {
		return fmt.Errorf("Page.getLayoutMetrics: %w", err)
	}
	if m.CSSContentSize == nil {
		return errors.New("Page.getLayoutMetrics gave no content size")
	}
	shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		Clip:                  &page.Viewport{Width: m.CSSContentSize.Width, Height: m.CSSContentSize.Height, Scale: 1},
		CaptureBeyondViewport: new(true),
		FromSurface:           new(true),
	})
	if err != nil {
		return fmt.Errorf("Page.captureScreenshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, shot.Data, 0o644)
}

// allowDownloads lets the tab's browser context save downloads into dir,
// under the names the server suggests.
func (b *browserTab) allowDownloads(dir string) error {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorAllow,
		BrowserContextID: chromedp.FromContext(b.ctx).BrowserContextID,
		DownloadPath:     dir,
	})
	return err
}

// waitDownload waits until dir holds one finished download and returns
// its name. It watches the folder rather than the browser's download
// events: whether those are sent is one setting of the whole browser,
// which every new tab resets.
func waitDownload(dir string) (string, error) {
	deadline := time.Now().Add(2 * browserTimeout)
	for {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "", err
		}
		var names, done []string
		for _, e := range entries {
			names = append(names, e.Name())
			if !strings.HasSuffix(e.Name(), ".crdownload") {
				done = append(done, e.Name())
			}
		}
		switch {
		case len(done) == 1 && len(names) == 1:
			return done[0], nil
		case len(done) > 1:
			return "", fmt.Errorf("more than one download: %q", done)
		case time.Now().After(deadline):
			return "", fmt.Errorf("no download finished in %s (%q)", dir, names)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// artifactDir returns the folder for test artifacts (screenshots) named by
// the parts, emptied: under $POPGATE_ARTIFACTS when set (.ci/run sets it
// and prints it), else under the system's temporary folder.
func artifactDir(tb testing.TB, parts ...string) string {
	tb.Helper()
	root := os.Getenv("POPGATE_ARTIFACTS")
	if root == "" {
		root = filepath.Join(os.TempDir(), "popgate-artifacts")
	}
	dir := filepath.Join(append([]string{root}, parts...)...)
	if err := os.RemoveAll(dir); err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}
