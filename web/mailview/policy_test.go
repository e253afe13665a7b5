package mailview

import (
	"strings"
	"testing"
)

// TestPolicyStyles checks the bluemonday layer on its own, as if the tree
// pass had let a style through: only the grammar cleanStyle writes passes,
// and nothing that loads, runs or escapes.
func TestPolicyStyles(t *testing.T) {
	kept := []string{
		"color: #333; font-size: 18px",
		"margin: 0 0 6px 0; line-height: 1.4",
		"background-color: rgba(0, 0, 0, 0.5)",
		"font-family: 'Helvetica Neue', Arial, sans-serif",
		"border: 1px solid RGB(1,2,3)",
	}
	dropped := []string{
		"background: url(https://evil.test/x.png)",
		"background-image: URL(x)",
		"width: expression(alert(1))",
		"color: red; behavior: url(x.htc)",
		"-moz-binding: url(x)",
		`color: \72 ed`,
		"color: red /* */",
		"color: red;",
		"color:red",
		"color: red; @import x",
		"color: var(--x)",
		"background: image-set(x 1x)",
		"color: red</style><script>",
		"color: red\nx: y",
		"COLOR: red",
	}
	for _, remote := range []bool{false, true} {
		p := policyFor(remote)
		for _, style := range kept {
			in := `<p style="` + strings.ReplaceAll(style, `"`, "&#34;") + `">x</p>`
			if got := p.Sanitize(in); !strings.Contains(got, "style=") {
				t.Errorf("policy(%v).Sanitize(%q) = %q, want the style kept", remote, in, got)
			}
		}
		for _, style := range dropped {
			in := `<p style="` + strings.ReplaceAll(style, `"`, "&#34;") + `">x</p>`
			if got := p.Sanitize(in); strings.Contains(got, "style=") {
				t.Errorf("policy(%v).Sanitize(%q) = %q, want the style dropped", remote, in, got)
			}
		}
	}
}

// TestCleanStyleMatchesPolicy: whatever the declaration policy keeps in
// a style attribute, the bluemonday layer keeps too, so the second pass
// never changes the look of a message.
func TestCleanStyleMatchesPolicy(t *testing.T) {
	for _, style := range []string{
		"COLOR: Red !important; font-family: \"Segoe UI\", Arial; Margin:0 auto",
		"border:1px solid rgb(1, 2, 3); background: #fff; display: table-cell",
		"width: 100%; max-width: 600px; padding: 0 10px 0 10px; text-align: center",
	} {
		clean := (&cleaner{}).style(style)
		if clean == "" || !reStyleLocal.MatchString(clean) {
			t.Errorf("style(%q) = %q, which reStyleLocal does not match", style, clean)
		}
	}
}
