package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"

	"popgate/web/mailview"
)

// TestBrowserSanitizerAlone loads the sanitizer's output for every hostile
// document as a page of its own, with no CSP and no sandbox: the
// sanitizer alone must keep script, requests and overlays out.
func TestBrowserSanitizerAlone(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	attacker := newTestAttacker(t)
	msgs := mustLoadHostileMails(t, attacker.host())
	const title = "sanitized mail"
	pages := make(map[string]string)
	path := func(i, j int, remote bool) string { return fmt.Sprintf("/sanitized/%d/%d/%v", i, j, remote) }
	for i, m := range msgs {
		for j, d := range m.Docs {
			for _, remote := range []bool{false, true} {
				clean, _ := mailview.Sanitize(string(d.Body), remote)
				pages[path(i, j, remote)] = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + title + `</title></head><body>` + clean + `</body></html>`
			}
		}
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	t.Cleanup(ts.Close)
	tab := newTestBrowserTab(t)
	for i, m := range msgs {
		if len(m.Docs) == 0 {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			var hits []attackerHit
			for j := range m.Docs {
				for _, remote := range []bool{false, true} {
					if remote && len(m.ExpectRemote) == 0 {
						continue
					}
					u := ts.URL + path(i, j, remote)
					tab.reset()
					attacker.take()
					mustNavigate(t, tab, u)
					top := mustTopFrame(t, tab)
					var problems []string
					if frames, err := tab.frames(); err != nil || len(frames) != 1 {
						problems = append(problems, fmt.Sprintf("frames = %+v (%v), want only the page", frames, err))
					}
					dom, err := tab.checkMailDOM(top, remote)
					if err != nil {
						t.Fatal(err)
					}
					problems = append(problems, dom.Problems...)
					if clicked, err := tab.activate(top); err != nil {
						t.Fatal(err)
					} else if len(clicked) > 0 {
						problems = append(problems, fmt.Sprintf("clickable controls left: %q", clicked))
						if err := tab.settle(); err != nil {
							t.Fatal(err)
						}
					}
					problems = append(problems, tab.violations(browserPolicy{Hosts: []string{hostOf(ts.URL)}, Images: remote, URL: u, Title: title})...)
					h := attacker.take()
					for k := range h {
						h[k].Referer = "" // the referrer policy is the page's business, not the sanitizer's
					}
					if !remote {
						problems = append(problems, unexpectedHits(h, nil)...)
					}
					hits = append(hits, h...)
					if len(problems) > 0 {
						t.Errorf("%s (%s), part %d, remote %v:\n  %s\nDOM:\n%s\nbrowser log:\n%s", m.Name, m.Technique, j, remote,
							strings.Join(problems, "\n  "), tab.domOf(top), tab.logText())
					}
				}
			}
			if len(m.ExpectRemote) > 0 {
				if p := unexpectedHits(hits, m.ExpectRemote); len(p) > 0 {
					t.Errorf("%s with remote content allowed:\n  %s", m.Name, strings.Join(p, "\n  "))
				}
			}
		})
	}
}

// browserFrameCSP is the policy popgate serves the message frame with.
const browserFrameCSP = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"

// TestBrowserFrameCSPAlone serves every hostile document raw, unsanitized,
// with the mail frame's CSP, inside the same sandboxed iframe: the frame
// alone must keep script from running, requests from leaving and the
// parent page untouched.
func TestBrowserFrameCSPAlone(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	attacker := newTestAttacker(t)
	msgs := mustLoadHostileMails(t, attacker.host())
	const title = "frame host"
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i, j int
		var frame string
		n, _ := fmt.Sscanf(r.URL.Path, "/raw/%d/%d/%s", &i, &j, &frame)
		if n < 2 || i >= len(msgs) || j >= len(msgs[i].Docs) {
			http.NotFound(w, r)
			return
		}
		if frame == "frame" {
			d := msgs[i].Docs[j]
			w.Header().Set("Content-Security-Policy", browserFrameCSP)
			w.Header().Set("Content-Type", d.Type) // no charset: the browser may sniff one
			w.Write(d.Body)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title></head><body><p id="sentinel">parent page</p>`+
			`<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" src="/raw/%d/%d/frame" style="width:1000px;height:700px"></iframe></body></html>`, title, i, j)
	}))
	t.Cleanup(ts.Close)
	tab := newTestBrowserTab(t)
	for i, m := range msgs {
		if len(m.Docs) == 0 {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			for j := range m.Docs {
				u := fmt.Sprintf("%s/raw/%d/%d/", ts.URL, i, j)
				tab.reset()
				attacker.take()
				mustNavigate(t, tab, u)
				var problems []string
				frames, err := tab.frames()
				if err != nil {
					t.Fatal(err)
				}
				var frame cdp.FrameID
				for _, f := range frames {
					if f.Parent == frames[0].ID {
						frame = f.ID
						if want := fmt.Sprintf("%s/raw/%d/%d/frame", ts.URL, i, j); f.URL != want {
							problems = append(problems, fmt.Sprintf("frame address = %q, want %q", f.URL, want))
						}
					}
				}
				if frame == "" {
					t.Fatalf("no frame in %+v", frames)
				}
				if clicked, err := tab.activate(frame); err != nil {
					t.Fatal(err)
				} else if len(clicked) > 0 {
					if err := tab.settle(); err != nil {
						t.Fatal(err)
					}
				}
				var parentOK bool
				if err := tab.eval(`document.getElementById('sentinel')?.textContent === 'parent page' && document.body.children.length === 2`, &parentOK); err != nil {
					t.Fatal(err)
				}
				if !parentOK {
					problems = append(problems, "the parent page changed")
				}
				problems = append(problems, tab.violations(browserPolicy{Hosts: []string{hostOf(ts.URL)}, BlockedOK: true, HandOffOK: true, URL: u, Title: title})...)
				problems = append(problems, unexpectedHits(attacker.take(), nil)...)
				if len(problems) > 0 {
					t.Errorf("%s (%s), part %d served raw:\n  %s\nframe DOM:\n%s\nbrowser log:\n%s", m.Name, m.Technique, j,
						strings.Join(problems, "\n  "), tab.domOf(frame), tab.logText())
				}
			}
		})
	}
}
