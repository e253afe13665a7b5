package web_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"popgate/cmd/popgate/demo"
)

// TestKeyboard reads mail with the keyboard alone: Tab reaches the skip
// link first and it leads to the content; the optional single-key
// shortcuts move, select, open, go back, delete and show their help; and
// keys typed into the search box stay text.
func TestKeyboard(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	base, srv := newTestJourneyApp(t, demo.Messages())
	uids := srv.UIDs("alice") // oldest first; the inbox lists newest first
	newest := func(i int) string { return uids[len(uids)-1-i] }
	tab := newTestBrowserTab(t)
	j := &journey{t: t, tab: tab, base: base, shots: artifactDir(t, "keyboard")}
	mustNavigate(t, tab, base)
	j.do("signing in",
		chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "pw"))
	j.click(`form[action$="/login"] button[type="submit"]`)
	j.expectAt(base)

	focused := func() (f struct {
		Text, Href, UID string
		Dialog          bool
	}) {
		t.Helper()
		if err := tab.eval(`(() => { const a = document.activeElement; const tr = a && a.closest('tr[data-uid]');
			const d = document.getElementById('keys-help');
			return {Text: a ? a.textContent.trim() : '', Href: a && a.href || '', UID: tr ? tr.dataset.uid : '', Dialog: !!(d && d.open)}; })()`, &f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	keys := func(k string) {
		t.Helper()
		j.do("typing "+k, chromedp.KeyEvent(k))
		if err := tab.settle(); err != nil {
			t.Fatal(err)
		}
	}
	// waitAt waits for a navigation a key started.
	waitAt := func(prefix string) {
		t.Helper()
		deadline := time.Now().Add(browserTimeout)
		for {
			loc, err := tab.location()
			if err == nil && strings.HasPrefix(loc, prefix) {
				if err := tab.settle(); err != nil {
					t.Fatal(err)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("address = %q (%v), want it to start with %q", loc, err, prefix)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	keys(kb.Tab)
	if f := focused(); f.Text != "Skip to content" {
		t.Errorf("the first Tab stop is %q, want the skip link", f.Text)
	}
	keys(kb.Enter)
	if loc, _ := tab.location(); !strings.HasSuffix(loc, "#main") {
		t.Errorf("the skip link led to %q, want #main", loc)
	}

	keys("j")
	keys("j")
	if f := focused(); f.UID != newest(1) {
		t.Errorf("j j focuses the row of %q, want the second newest %q", f.UID, newest(1))
	}
	keys("k")
	if f := focused(); f.UID != newest(0) {
		t.Errorf("k focuses the row of %q, want the newest %q", f.UID, newest(0))
	}
	keys("x")
	keys("j")
	keys("x")
	var ticked []string
	if err := tab.eval(`[...document.querySelectorAll('input[name="uid"]:checked')].map(e => e.value)`, &ticked); err != nil {
		t.Fatal(err)
	}
	if want := []string{newest(0), newest(1)}; !slices.Equal(ticked, want) {
		t.Errorf("x on two rows ticked %q, want %q", ticked, want)
	}
	j.shot("selected")
	keys("x") // untick the second again
	keys("o")
	waitAt(base + "message/" + newest(1))
	keys("j")
	waitAt(base + "message/" + newest(2))
	keys("u")
	waitAt(base)

	keys("?")
	if f := focused(); !f.Dialog {
		t.Errorf("? did not open the shortcut help")
	}
	j.shot("help")
	keys(kb.Escape)
	if f := focused(); f.Dialog {
		t.Errorf("Escape left the shortcut help open")
	}

	// In the search box, letters are text, not shortcuts.
	j.do("typing into the search box", chromedp.Click(chromedp.CSS(`input[name="q"]`)), chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "jokes"))
	if loc, _ := tab.location(); !strings.HasPrefix(loc, base) || strings.Contains(loc, "message/") {
		t.Errorf("typing in the search box navigated to %q", loc)
	}
	var typed string
	if err := tab.eval(`document.querySelector('input[name="q"]').value`, &typed); err != nil || typed != "jokes" {
		t.Errorf("search box holds %q (%v), want jokes", typed, err)
	}

	// # deletes the ticked message; the inbox says so and offers Undo.
	mustNavigate(t, tab, base)
	keys("j")
	keys("x")
	keys("#")
	waitAt(base + "?done=deleted")
	if s := j.state(); !slices.Contains(s.Status, "Message deleted. Undo") || s.Total != "29 messages" {
		t.Errorf("after # the inbox says %q and %q, want Message deleted. and 29 messages", s.Status, s.Total)
	}
	if v := tab.violations(browserPolicy{Hosts: []string{hostOf(base)}}); len(v) != 0 {
		t.Errorf("the keyboard made the browser do:\n%s", strings.Join(v, "\n"))
	}
}
