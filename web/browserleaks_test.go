package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"popgate/web/mailview"
)

// The other browser tests prove that nothing leaks; these prove that what
// they check for would leak without popgate's defences, so that their
// silence means the defence worked and not that the attack never could.

// TestBrowserHostileLeaksFire shows each message whose header names a
// leak (X-Leak) as a plain page, its HTML as sent, with no sanitizer, no
// CSP and no sandbox: the attacker's server must see every request the
// header names, and the harness must report them.
func TestBrowserHostileLeaksFire(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	attacker := newTestAttacker(t)
	msgs := mustLoadHostileMails(t, attacker.host())
	ts := newTestMailPages(t, msgs)
	tab := newTestBrowserTab(t)
	fired := 0
	for i, m := range msgs {
		if len(m.Leak) == 0 {
			continue
		}
		fired++
		t.Run(m.Name, func(t *testing.T) {
			tab.reset()
			attacker.take()
			for j := range m.Docs {
				mustNavigate(t, tab, ts.URL+ts.rawPath(i, j))
			}
			if missing := waitForHits(attacker, m.Leak); len(missing) > 0 {
				t.Errorf("%s (%s) shown with no defence: the attacker's server never saw %q", m.Name, m.Technique, missing)
			}
			v := strings.Join(tab.violations(browserPolicy{Hosts: []string{hostOf(ts.URL)}}), "\n")
			for _, p := range m.Leak {
				if !strings.Contains(v, attacker.URL+p) {
					t.Errorf("%s shown with no defence: the harness reports %q, want a request to %s", m.Name, v, attacker.URL+p)
				}
			}
		})
	}
	if fired < 6 {
		t.Errorf("%d messages name a leak (X-Leak), want at least 6", fired)
	}
}

// waitForHits waits until the attacker's server has seen a request for
// each of paths, for up to browserTimeout (a late request, such as an
// animation's, is waited for rather than raced), and returns those it
// never saw.
func waitForHits(attacker *browserAttacker, paths []string) []string {
	seen := make(map[string]bool)
	deadline := time.Now().Add(browserTimeout)
	for {
		for _, h := range attacker.take() {
			seen[h.Path] = true
		}
		var missing []string
		for _, p := range paths {
			if !seen[p] {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			return missing
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBrowserHostileVisited shows each message that sniffs history
// (X-Leak-Visited) in two browser contexts, one that has visited the path
// the header names and one that has not, and compares the pictures: with
// no defence they differ, which proves the probe works; sanitized, and
// through popgate's message frame, they are the same.
func TestBrowserHostileVisited(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	attacker := newTestAttacker(t)
	var msgs []hostileMail
	for _, m := range mustLoadHostileMails(t, attacker.host()) {
		if m.LeakVisited != "" {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		t.Fatal("no message names a visited path (X-Leak-Visited)")
	}
	ts := newTestMailPages(t, msgs)
	base, uids := newTestBrowserApp(t, msgs)
	for i, m := range msgs {
		t.Run(m.Name, func(t *testing.T) {
			visited, fresh := newTestBrowserTabWithHistory(t), newTestBrowserTab(t)
			target := attacker.URL + m.LeakVisited
			for j := range m.Docs {
				// Browsers keep :visited apart by site and frame (Chromium
				// since version 136): the page itself follows the link.
				mustVisitFrom(t, visited, ts.URL+ts.rawPath(i, j), target)
				mustVisitFrom(t, visited, ts.URL+ts.sanitizedPath(i, j), target)
				if !picturesDiffer(t, visited, fresh, ts.URL+ts.rawPath(i, j), "") {
					t.Errorf("%s (%s), part %d shown with no defence looks the same whether %s was visited or not: the probe does not work",
						m.Name, m.Technique, j, m.LeakVisited)
				}
				if picturesDiffer(t, visited, fresh, ts.URL+ts.sanitizedPath(i, j), "") {
					t.Errorf("%s, part %d sanitized looks different once %s was visited", m.Name, j, m.LeakVisited)
				}
			}
			// Each tab signs in in turn: the second sign-in ends the
			// first session, once its picture is taken.
			msgURL := base + "message/" + url.PathEscape(uids[i])
			var shots []image.Image
			for _, tab := range []*browserTab{visited, fresh} {
				mustSignInBrowser(t, tab, base)
				if tab == visited {
					mustVisitFrom(t, tab, msgURL, target)
				}
				mustNavigate(t, tab, msgURL)
				img, err := tab.picture(`iframe[data-testid="message-body"]`)
				if err != nil {
					t.Fatal(err)
				}
				shots = append(shots, img)
			}
			if !samePixels(shots[0], shots[1]) {
				t.Errorf("%s through popgate looks different once %s was visited", m.Name, m.LeakVisited)
			}
			attacker.take()
		})
	}
}

// mustVisitFrom opens from in tab and has that page go to target, as a
// reader following a link from it would.
func mustVisitFrom(t *testing.T, tab *browserTab, from, target string) {
	t.Helper()
	mustNavigate(t, tab, from)
	var assigned string
	if err := tab.eval(fmt.Sprintf("location.href = %q", target), &assigned); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(browserTimeout)
	for {
		loc, err := tab.location()
		if err == nil && loc == target {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("following %s from %s: the address is %q (%v)", target, from, loc, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// picturesDiffer shows u in tab a, then in tab b, and reports whether
// the two pictures differ, of the viewport or of the element that sel
// names.
func picturesDiffer(t *testing.T, a, b *browserTab, u, sel string) bool {
	t.Helper()
	var shots [2]image.Image
	for k, tab := range []*browserTab{a, b} {
		mustNavigate(t, tab, u)
		img, err := tab.picture(sel)
		if err != nil {
			t.Fatalf("picture of %s: %v", u, err)
		}
		shots[k] = img
	}
	return !samePixels(shots[0], shots[1])
}

// picture takes a picture of the viewport, or of the element sel names.
func (b *browserTab) picture(sel string) (image.Image, error) {
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	p := page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng}
	if sel != "" {
		var box struct{ X, Y, W, H float64 }
		expr := fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect();
			return {x: r.left, y: r.top, w: r.width, h: r.height}; })()`, sel)
		if err := b.eval(expr, &box); err != nil {
			return nil, err
		}
		p.Clip = &page.Viewport{X: box.X, Y: box.Y, Width: box.W, Height: box.H, Scale: 1}
	}
	shot, err := chromedp.Call(ctx, page.CaptureScreenshot, p)
	if err != nil {
		return nil, fmt.Errorf("Page.captureScreenshot: %w", err)
	}
	return png.Decode(bytes.NewReader(shot.Data))
}

// samePixels reports whether two pictures are the same, pixel for pixel,
// give or take the smallest shades that anti-aliasing of rounded borders
// varies by from one rendering to the next.
func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	const slack = 8 << 8 // per channel, of 0xffff
	near := func(x, y uint32) bool { return x-y < slack || y-x < slack }
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if !near(r1, r2) || !near(g1, g2) || !near(b1, b2) || !near(a1, a2) {
				return false
			}
		}
	}
	return true
}

// mailPages serves the renderable parts of hostile messages as pages of
// their own: raw, as sent, with no CSP, and sanitized by mailview with no
// CSP either.
type mailPages struct {
	*httptest.Server
}

func (mailPages) rawPath(i, j int) string       { return fmt.Sprintf("/raw/%d/%d", i, j) }
func (mailPages) sanitizedPath(i, j int) string { return fmt.Sprintf("/sanitized/%d/%d", i, j) }

func newTestMailPages(tb testing.TB, msgs []hostileMail) mailPages {
	tb.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var kind string
		var i, j int
		if n, _ := fmt.Sscanf(strings.ReplaceAll(r.URL.Path, "/", " "), "%s %d %d", &kind, &i, &j); n != 3 ||
			i >= len(msgs) || j >= len(msgs[i].Docs) || !slices.Contains([]string{"raw", "sanitized"}, kind) {
			http.NotFound(w, r)
			return
		}
		d := msgs[i].Docs[j]
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if kind == "raw" {
			w.Write(d.Body)
			return
		}
		// The page's own rule takes the browser's own colour for visited
		// links away, which the mail cannot change and which the message
		// frame, of an opaque origin, never shows: what is left to differ
		// is what the mail's style made of the history.
		clean, _ := mailview.Sanitize(string(d.Body), false)
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>sanitized</title>`+
			`<style>:where(:link, :visited){color:#0000ee}</style></head><body>%s</body></html>`, clean)
	}))
	tb.Cleanup(ts.Close)
	return mailPages{ts}
}
