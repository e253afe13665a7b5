package mailview

import (
	"reflect"
	"testing"
)

func TestLinkify(t *testing.T) {
	link := func(s string) Segment { return Segment{Text: s, URL: s} }
	text := func(s string) Segment { return Segment{Text: s} }
	tests := []struct {
		in   string
		want []Segment
	}{
		{"", nil},
		{"no links here", []Segment{text("no links here")}},
		{"see https://example.com/a?b=c#d.", []Segment{text("see "), link("https://example.com/a?b=c#d"), text(".")}},
		{"(http://example.com/x)", []Segment{text("("), link("http://example.com/x"), text(")")}},
		{"http://en.wikipedia.org/wiki/Go_(language), ok", []Segment{link("http://en.wikipedia.org/wiki/Go_(language)"), text(", ok")}},
		{"<https://example.com/>", []Segment{text("<"), link("https://example.com/"), text(">")}},
		{`"http://example.com/q"`, []Segment{text(`"`), link("http://example.com/q"), text(`"`)}},
		{"mail mailto:a@example.com!", []Segment{text("mail "), link("mailto:a@example.com"), text("!")}},
		{"HTTPS://EXAMPLE.COM", []Segment{{Text: "HTTPS://EXAMPLE.COM", URL: "https://EXAMPLE.COM"}}},
		{"javascript:alert(1)", []Segment{text("javascript:alert(1)")}},
		{"data:text/html,x ftp://example.com file:///etc/passwd", []Segment{text("data:text/html,x ftp://example.com file:///etc/passwd")}},
		{"xhttp://example.com", []Segment{text("xhttp://example.com")}},
		{"http:// alone", []Segment{text("http:// alone")}},
		{"mailto:nobody", []Segment{text("mailto:nobody")}},
		{"two http://a.example and https://b.example/", []Segment{text("two "), link("http://a.example"), text(" and "), link("https://b.example/")}},
		{"unicode https://例え.jp/パス。", []Segment{text("unicode "), link("https://例え.jp/パス"), text("。")}},
		{"line\nhttp://a.example\nnext", []Segment{text("line\n"), link("http://a.example"), text("\nnext")}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got := Linkify(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Linkify(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
