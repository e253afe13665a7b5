package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"popgate/cmd/popgate/demo"
	"popgate/pop3/pop3test"
	"popgate/web"
)

// The accessibility test runs axe-core, the rules engine browsers' own
// accessibility tools use, inside Chromium on popgate's pages, in light and
// dark, on a desktop and a phone screen, and fails on any violation of
// WCAG 2.1 level A or AA. axe-core comes from the npm registry: .ci/run
// installs a pinned version and sets POPGATE_AXE to its axe.min.js.

// axeDefaultPath is where .ci/run installs axe-core, from the module root.
const axeDefaultPath = ".ci/node/node_modules/axe-core/axe.min.js"

// axeInstallHint says how to get axe-core where requireAxe looks; .ci/run
// pins the version.
const axeInstallHint = "npm install --prefix .ci/node axe-core in the repository root (apt-get install npm first), or set POPGATE_AXE to an axe.min.js"

// axeViews are the screens and colour schemes every page is checked in.
var axeViews = []browserView{
	{Width: 1280, Height: 800},
	{Width: 1280, Height: 800, Dark: true},
	{Width: 390, Height: 844, Mobile: true},
	{Width: 390, Height: 844, Mobile: true, Dark: true},
}

// axeRun runs the WCAG 2.1 A and AA rules on the page. The mail body's
// frame is left out (iframes: false): it is sandboxed without script or
// same origin, so axe could not run inside it and would wait for it in
// vain; its content is the sender's, not popgate's. The frame element
// itself (its title, its place in the page) is checked with the page.
// Besides the violations it returns the rules axe could not decide (such
// as contrast over an image), for a person to review.
const axeRun = `axe.run(document, {
	runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
	iframes: false,
	resultTypes: ['violations', 'incomplete'],
}).then(r => {
	const list = vs => vs.map(v => ({
		id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({target: n.target.map(String), html: n.html, summary: n.failureSummary})),
	}));
	return {violations: list(r.violations), incomplete: list(r.incomplete), passes: r.passes.length};
})`

// axeResult is what axeRun returns.
type axeResult struct {
	Violations []axeViolation `json:"violations"`
	Incomplete []axeViolation `json:"incomplete"`
	Passes     int            `json:"passes"` // rules that passed
}

// axeViolation is one rule a page breaks, with the elements that break it.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []string `json:"target"`
		HTML    string   `json:"html"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

func (v axeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s <%s>", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n      %s  %s\n        %s", strings.Join(n.Target, " "), shorten(n.HTML, 200),
			strings.ReplaceAll(n.Summary, "\n", "\n        "))
	}
	return b.String()
}

// requireAxe returns the source of axe-core, from $POPGATE_AXE or where
// .ci/run installs it; without it the test is skipped, or fails when
// POPGATE_REQUIRE_REAL=1.
func requireAxe(tb testing.TB) string {
	tb.Helper()
	path := os.Getenv("POPGATE_AXE")
	if path == "" {
		path = filepath.Join("..", filepath.FromSlash(axeDefaultPath)) // tests run in web/
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("POPGATE_REQUIRE_REAL") == "1" {
			tb.Fatalf("POPGATE_REQUIRE_REAL=1 but axe-core is missing: %v; %s", err, axeInstallHint)
		}
		tb.Skipf("axe-core not installed: %v; %s; skipping (set POPGATE_REQUIRE_REAL=1 to fail instead)", err, axeInstallHint)
	}
	return string(src)
}

// runAxe runs axe-core (src) on the page the tab shows, injecting it
// first when the page has none. DevTools evaluation is not subject to the
// page's CSP, which allows no script at all, so the page is checked with
// its real policy (no Page.setBypassCSP).
func (b *browserTab) runAxe(src string) (axeResult, error) {
	var loaded bool
	if err := b.eval(`typeof axe === "object"`, &loaded); err != nil {
		return axeResult{}, err
	}
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	if !loaded {
		res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: src})
		if err == nil && res.ExceptionDetails != nil {
			err = fmt.Errorf("%s %s", res.ExceptionDetails.Text, describe(res.ExceptionDetails.Exception))
		}
		if err != nil {
			return axeResult{}, fmt.Errorf("injecting axe-core: %w", err)
		}
	}
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: axeRun, AwaitPromise: new(true), ReturnByValue: new(true)})
	var r axeResult
	if err := evalResult(res, err, &r); err != nil {
		return axeResult{}, fmt.Errorf("running axe: %w", err)
	}
	return r, nil
}

// axeCheck runs axe on the page the tab shows in every view, saving a
// screenshot of each under shots, and reports the violations as errors.
func axeCheck(t *testing.T, tab *browserTab, axe, name, shots string) {
	t.Helper()
	for _, v := range axeViews {
		if err := tab.emulate(v); err != nil {
			t.Fatal(err)
		}
		r, err := tab.runAxe(axe)
		if err != nil {
			t.Fatalf("%s in %s: %v", name, v, err)
		}
		if err := tab.screenshot(filepath.Join(shots, v.String(), name+".png")); err != nil {
			t.Errorf("screenshot: %v", err)
		}
		if r.Passes == 0 {
			t.Errorf("%s in %s: axe passed no rule at all", name, v)
		}
		if v.Mobile {
			var small []string
			if err := tab.eval(smallTapTargets, &small); err != nil {
				t.Fatal(err)
			}
			if len(small) > 0 {
				t.Errorf("%s in %s: tap targets smaller than 44 by 44 px:\n  %s", name, v, strings.Join(small, "\n  "))
			}
		}
		var b strings.Builder
		for _, x := range r.Violations {
			b.WriteString("\n  " + x.String())
		}
		if b.Len() > 0 {
			t.Errorf("%s in %s breaks WCAG 2.1 A/AA:%s", name, v, b.String())
		}
		for _, x := range r.Incomplete {
			var targets []string
			for _, n := range x.Nodes {
				targets = append(targets, strings.Join(n.Target, " "))
			}
			t.Logf("%s in %s: axe could not decide %s, review by eye: %s", name, v, x.ID, strings.Join(targets, ", "))
		}
	}
}

// smallTapTargets lists the controls a finger has to hit that are smaller
// than 44 by 44 CSS pixels: buttons, links styled as buttons, form fields,
// checkboxes (by the label or cell that takes their taps) and the skip link
// once focused. Links inside running text are exempt, as WCAG's target
// size rule exempts them.
const smallTapTargets = `(() => {
	const out = [];
	const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
	const sel = 'button, .btn, input:not([type=hidden]), select, textarea, summary, header a, nav a';
	for (const el of document.querySelectorAll(sel)) {
		if (!visible(el) || el.closest('dialog:not([open])')) continue;
		let box = el.getBoundingClientRect();
		if (el.type === 'checkbox' || el.type === 'radio') {
			const taker = el.closest('label, td') || el;
			box = taker.getBoundingClientRect();
		}
		if (box.width < 44 - 0.5 || box.height < 44 - 0.5) out.push(el.outerHTML.slice(0, 100) + ' is ' + Math.round(box.width) + 'x' + Math.round(box.height));
	}
	return out;
})()`

// TestAccessibilityAxeSees shows that the check finds what it must: a
// page with an image without text, unreadable text, a nameless button, no
// language and no title; and the tap target check finds buttons and a
// checkbox too small for a finger.
func TestAccessibilityAxeSees(t *testing.T) {
	requireBrowser(t)
	axe := requireAxe(t)
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		io.WriteString(w, `<!DOCTYPE html><html><body><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
			<p style="color:#999;background:#aaa">faint</p><button></button>
			<button style="height:30px">small</button> <input type="checkbox" aria-label="tiny"></main></body></html>`)
	}))
	t.Cleanup(ts.Close)
	tab := newTestBrowserTab(t)
	mustNavigate(t, tab, ts.URL)
	r, err := tab.runAxe(axe)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range r.Violations {
		got = append(got, v.ID)
	}
	for _, want := range []string{"image-alt", "color-contrast", "button-name", "html-has-lang", "document-title"} {
		if !slices.Contains(got, want) {
			t.Errorf("axe found %q on a broken page, want %s among them", got, want)
		}
	}
	var small []string
	if err := tab.eval(smallTapTargets, &small); err != nil {
		t.Fatal(err)
	}
	if len(small) != 3 || !strings.Contains(small[1], "small") || !strings.Contains(small[2], "checkbox") {
		t.Errorf("small tap targets on a page with three = %q", small)
	}
}

// TestAccessibility checks the sign-in page (of a demo with a choice of
// servers, also with an error), the inbox (also with a deletion pending,
// and empty), messages in HTML, as plain text and with attachments and an
// attached message, the error pages (not found, server failing), the
// sign-out page, and the sign-in page of a signed-in browser.
func TestAccessibility(t *testing.T) {
	requireBrowser(t)
	axe := requireAxe(t)
	t.Parallel()
	base, srv := newTestJourneyApp(t, demo.Messages(), func(c *web.Config) {
		c.Demo = true
		second := c.Upstreams[0]
		second.ID, second.Label = "1", "Second server"
		c.Upstreams = append(c.Upstreams, second)
	})
	srv.AddMailbox("bob", "pw")
	uids := srv.UIDs("alice")
	shots := artifactDir(t, "a11y")
	t.Logf("screenshots in %s", shots)
	tab := newTestBrowserTab(t)
	j := &journey{t: t, tab: tab, base: base}
	check := func(name string) { t.Helper(); axeCheck(t, tab, axe, name, shots) }
	signIn := func(user, password string) {
		t.Helper()
		var cleared bool // the form keeps the user name after an error
		if err := tab.eval(`(document.getElementById("username").value = "") === ""`, &cleared); err != nil {
			t.Fatal(err)
		}
		j.do("filling in the sign-in form",
			chromedp.SendKeys(chromedp.ID("username"), user),
			chromedp.SendKeys(chromedp.ID("password"), password))
		ctx, cancel := context.WithTimeout(tab.ctx, browserTimeout)
		defer cancel()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action$="/login"] button[type="submit"]`))); err != nil {
			t.Fatalf("signing in: %v", err)
		}
		if err := tab.settle(); err != nil {
			t.Fatal(err)
		}
	}

	mustNavigate(t, tab, base+"login")
	check("sign-in")
	signIn("alice", "wrong")
	if s := j.state(); len(s.Alerts) == 0 {
		t.Fatalf("no error after a wrong password: %q", s.Main)
	}
	check("sign-in-error")
	signIn("alice", "pw")
	j.expectAt(base)
	check("inbox")
	mustNavigate(t, tab, base+"?select=all")
	check("inbox-all-selected")
	mustNavigate(t, tab, base+"search?q=cabin")
	j.expectAt(base + "search")
	check("search")
	mustNavigate(t, tab, base+"server")
	j.expectAt(base + "server")
	check("server")
	for _, m := range []struct{ name, path string }{
		{"message-html", uids[journeyNewsletter]},
		{"message-html-as-text", uids[journeyNewsletter] + "?view=text"},
		{"message-text", uids[12]},      // 13-choir-budget.eml: a CSV attachment
		{"message-forwarded", uids[21]}, // 22-fwd-library-books.eml: an attached message
		{"message-bounce", uids[27]},    // 28-undelivered-mail.eml: a delivery report
	} {
		mustNavigate(t, tab, base+"message/"+m.path)
		j.expectAt(base + "message/" + m.path)
		check(m.name)
	}
	j.click(`main form[action$="/delete"] button[type="submit"]`)
	check("inbox-deleted")
	mustNavigate(t, tab, base+"nowhere")
	check("not-found")
	mustNavigate(t, tab, base+"message/nope")
	check("message-not-found")
	srv.AddFault(pop3test.Fault{Command: "RETR", Action: pop3test.FaultTempError})
	mustNavigate(t, tab, base+"message/"+uids[0])
	if s := j.state(); !strings.Contains(s.Main, "Try again") {
		t.Errorf("a failing server shows %q, want an error with Try again", s.Main)
	}
	check("server-error")
	j.click(`form[action$="/logout"] button[type="submit"]`)
	check("signed-out")
	mustNavigate(t, tab, base+"login")
	signIn("bob", "pw")
	j.expectAt(base)
	check("inbox-empty")
	mustNavigate(t, tab, base+"login")
	j.expectAt(base + "login")
	check("signed-in")
	j.click(`form[action$="/login/switch"] button[type="submit"]`)
	j.expectAt(base + "login?done=signedout")
	check("signed-out-to-sign-in")
}
