package templates

import (
	"context"
	"strings"
	"testing"
)

// TestText: @text(s) writes s escaped exactly as { s } does, and an inbox
// row with markup in every text cell shows it as text.
func TestText(t *testing.T) {
	var b strings.Builder
	if err := text(`<b a="1">'&'</b>`).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "&lt;b a=&#34;1&#34;&gt;&#39;&amp;&#39;&lt;/b&gt;"; got != want {
		t.Errorf("text.Render() = %q, want %q", got, want)
	}

	p := sampleInbox()
	p.Rows[0].From, p.Rows[0].Subject, p.Rows[0].DateText, p.Rows[0].SizeText = xss, xss, xss, xss
	doc, html := mustRender(t, InboxView(p))
	checkPage(t, doc, html, "/mail/")
	row := doc.Find(`[data-testid="message-row"]`).First()
	for _, sel := range []string{".c-from", ".c-subject a", ".c-date", ".c-size", ".vh"} {
		if got := row.Find(sel).First().Text(); !strings.Contains(got, xss) {
			t.Errorf("row cell %s text = %q, want it to show %q", sel, got, xss)
		}
	}
}
