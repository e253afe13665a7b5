package templates

import (
	"strings"
	"testing"
)

func TestSearchView(t *testing.T) {
	rows := []MessageRow{
		{UID: "u2", Href: "/mail/message/u2", From: "Jürgen", FromTitle: "Jürgen <j@example.de>", Subject: "Grüße", DateText: "Jan 2", SizeText: "2 KB", HasAttachment: true},
		{UID: "u1", Href: "/mail/message/u1", From: "bob@example.org", DateText: "Jan 1", SizeText: "1 KB"},
	}
	tests := []struct {
		name     string
		p        SearchPage
		results  int // rows, -1 for no results part at all
		progress string
		count    string
	}{
		{"form only", SearchPage{Meta: Meta{Base: "/mail/", User: "alice"}}, -1, "", ""},
		{"complete", SearchPage{Meta: Meta{Base: "/mail/", User: "alice"}, Form: SearchForm{Q: "grüße"}, Searched: true,
			Rows: rows, Matches: 2, Page: 1, Pages: 1, Indexed: 10000, Total: 10000, Complete: true}, 2, "", "2 messages found"},
		{"in progress", SearchPage{Meta: Meta{Base: "/mail/", User: "alice"}, Form: SearchForm{Q: "grüße"}, Searched: true,
			Rows: rows[:1], Matches: 1, Page: 1, Pages: 1, Indexed: 3200, Total: 10000, AgainHref: "/mail/search?q=gr%C3%BC%C3%9Fe"},
			1, "Searched 3,200 of 10,000 messages — the rest are still being indexed.", "1 message found"},
		{"full", SearchPage{Meta: Meta{Base: "/mail/", User: "alice"}, Form: SearchForm{From: "x"}, Advanced: true, Searched: true,
			Indexed: 40000, Total: 52000, Full: true},
			0, "Searched 40,000 of 52,000 messages — the older ones are too many to search in one session.", "No messages found"},
		{"rebuilding", SearchPage{Meta: Meta{Base: "/mail/", User: "alice"}, Form: SearchForm{Q: "grüße"}, Searched: true,
			Indexed: 0, Total: 10000, Rebuilding: true, AgainHref: "/mail/search?q=gr%C3%BC%C3%9Fe"},
			0, "Searched 0 of 10,000 messages — your search index was set aside to save memory while you were away, and is being rebuilt.", "No messages found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, html := mustRender(t, SearchView(tc.p))
			checkPage(t, doc, html, "/mail/")
			form := doc.Find(`[data-testid="search-form"]`)
			if form.Length() != 1 || form.AttrOr("action", "") != "/mail/search" || form.AttrOr("method", "") != "get" {
				t.Fatalf("search form = %d, action %q", form.Length(), form.AttrOr("action", ""))
			}
			if v := form.Find(`input[name="q"]`).AttrOr("value", ""); v != tc.p.Form.Q {
				t.Errorf("q = %q, want %q", v, tc.p.Form.Q)
			}
			if n := form.Find(`input[type="date"]`).Length(); n != 2 {
				t.Errorf("%d date fields, want 2", n)
			}
			if _, open := form.Find("details").Attr("open"); open != tc.p.Advanced {
				t.Errorf("advanced open = %t, want %t", open, tc.p.Advanced)
			}
			if got := strings.TrimSpace(doc.Find(`[data-testid="search-count"]`).Text()); got != tc.count {
				t.Errorf("search-count = %q, want %q", got, tc.count)
			}
			if got := strings.TrimSpace(doc.Find(`[data-testid="search-progress"] p`).Text()); got != tc.progress {
				t.Errorf("search-progress = %q, want %q", got, tc.progress)
			}
			if rebuilding := doc.Find(`[role="status"] [data-testid="search-rebuilding"]`).Length() == 1; rebuilding != tc.p.Rebuilding {
				t.Errorf("rebuilding notice in a status region = %t, want %t", rebuilding, tc.p.Rebuilding)
			}
			if tc.progress != "" && !tc.p.Full && doc.Find(`[data-testid="search-again"]`).AttrOr("href", "") != tc.p.AgainHref {
				t.Errorf("no search-again link to %q", tc.p.AgainHref)
			}
			results := doc.Find(`[data-testid="search-results"]`)
			got := doc.Find(`[data-testid="search-row"]`).Length()
			if tc.results <= 0 && results.Length() != 0 || tc.results > 0 && (results.Length() != 1 || got != tc.results) {
				t.Errorf("search-results = %d tables, %d rows; want %d rows", results.Length(), got, tc.results)
			}
			if tc.results > 0 {
				row := results.Find(`[data-testid="search-row"]`).First()
				if row.AttrOr("data-uid", "") != "u2" || row.Find("a").AttrOr("href", "") != "/mail/message/u2" ||
					row.Find(".c-from").Text() != "Jürgen" || row.Find(".icon-attachment").Length() != 1 {
					t.Errorf("first row = %q", row.Text())
				}
			}
		})
	}
}

func TestSearchViewXSS(t *testing.T) {
	p := SearchPage{Meta: Meta{Base: "/", User: xss}, Form: SearchForm{Q: xss, From: xss, To: xss, Subject: xss, After: xss, Before: xss},
		Error: xss, Searched: true, Matches: 1, Page: 1, Pages: 1, Indexed: 1, Total: 2, AgainHref: "javascript:alert(1)",
		Rows: []MessageRow{{UID: `"><script>alert(1)</script>`, Href: "javascript:alert(1)", From: xss, FromTitle: xss, Subject: xss, DateText: xss, DateTitle: xss, SizeText: xss}}}
	doc, html := mustRender(t, SearchView(p))
	checkPage(t, doc, html, "/")
	if got := doc.Find(`[data-testid="search-row"] .c-subject a`).Text(); got != xss {
		t.Errorf("subject = %q, want %q as text", got, xss)
	}
	if got := doc.Find(`#search-q`).AttrOr("value", ""); got != xss {
		t.Errorf("search box = %q, want %q as a value", got, xss)
	}
}

func TestInboxViewSearchBox(t *testing.T) {
	doc, _ := mustRender(t, InboxView(InboxPage{Meta: Meta{Base: "/mail/", User: "alice"}, Page: 1, Pages: 1}))
	form := doc.Find(`[data-testid="search-form"]`)
	if form.AttrOr("action", "") != "/mail/search" || form.AttrOr("role", "") != "search" {
		t.Fatalf("inbox search form action %q", form.AttrOr("action", ""))
	}
	if id := form.Find(`input[name="q"]`).AttrOr("id", ""); id == "" || form.Find(`label[for="`+id+`"]`).Length() != 1 {
		t.Errorf("inbox search box has no label")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 3200: "3,200", 1234567: "1,234,567", -1200: "-1,200"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
