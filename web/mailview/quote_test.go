package mailview

import (
	"strings"
	"testing"
)

// blockString writes blocks compactly: a line as its text, a quote as
// "[...]", a fold as "{Summary: ...}", separated by "|".
func blockString(blocks []Block) string {
	var parts []string
	for _, b := range blocks {
		switch b.Kind {
		case BlockQuote:
			parts = append(parts, "["+blockString(b.Blocks)+"]")
		case BlockFold:
			parts = append(parts, "{"+b.Text+": "+blockString(b.Blocks)+"}")
		default:
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "|")
}

func TestTextBlocks(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "a\n\nb\n", "a||b"},
		{"quote", "Yes.\n> Coming?\n> > When?\n> Saturday.\nBye", "Yes.|[Coming?|[When?]|Saturday.]|Bye"},
		{"markers without spaces", ">>deep\n>flat", "[[deep]|flat]"},
		{"empty quoted line", "> a\n>\n> b", "[a||b]"},
		{"indented text is not a quote", "code:\n        > not a quote", "code:|        > not a quote"},
		{"greater-than inside a line", "3 > 2 and 2 < 3", "3 > 2 and 2 < 3"},
		{"signature", "Hi\n\n-- \nAnn\nhttps://ann.example/", "Hi||{Signature: -- |Ann|https://ann.example/}"},
		{"signature without its space", "Hi\n--\nAnn", "Hi|{Signature: --|Ann}"},
		{"last separator wins", "a\n-- \nb\n-- \nc", "a|-- |b|{Signature: -- |c}"},
		{"quoted separator is no signature", "a\n> -- \n> b", "a|[-- |b]"},
		{"separator at the end", "a\n-- \n", "a|-- "},
		{"short quoted tail stays", "Fine.\n\nOn Monday, Bo wrote:\n> one\n> two", "Fine.||On Monday, Bo wrote:|[one|two]"},
		{"long quoted tail folds", "Fine.\n\nOn Monday, Bo wrote:\n> 1\n> 2\n>\n> > 3\n> > 4\n> 5\n\n",
			"Fine.||{Quoted text: On Monday, Bo wrote:|[1|2||[3|4]|5]}"},
		{"tail and signature", "Ok\n> 1\n> 2\n> 3\n> 4\n> 5\n> 6\n-- \nAnn", "Ok|{Quoted text: [1|2|3|4|5|6]}|{Signature: -- |Ann}"},
		{"all quote stays", "> 1\n> 2\n> 3\n> 4\n> 5\n> 6", "[1|2|3|4|5|6]"},
		{"interleaved reply stays", "> q1\n> q1\na1\n> q2\n> q2\n> q2\n> q2\na2", "[q1|q1]|a1|[q2|q2|q2|q2]|a2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := blockString(TextBlocks(tc.in)); got != tc.want {
				t.Errorf("TextBlocks(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestTextBlocksDeep: quote markers beyond the nesting bound stay text.
func TestTextBlocksDeep(t *testing.T) {
	got := TextBlocks(strings.Repeat(">", maxQuoteDepth+3) + " x")
	depth := 0
	for len(got) == 1 && got[0].Kind == BlockQuote {
		depth++
		got = got[0].Blocks
	}
	if depth != maxQuoteDepth || len(got) != 1 || got[0].Text != ">>> x" {
		t.Errorf("a line quoted %d deep gives %d levels and %q, want %d and %q", maxQuoteDepth+3, depth, blockString(got), maxQuoteDepth, ">>> x")
	}
}
