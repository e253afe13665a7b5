package mailview

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Segment is a piece of plain text: a link when URL is set (Text is then
// what the link shows), plain text otherwise.
type Segment struct {
	Text, URL string
}

// linkSchemes are the only schemes that ever produce a link.
var linkSchemes = []string{"https://", "http://", "mailto:"}

// Linkify splits plain text into text and links: http, https and mailto
// URLs written out in full. Punctuation that ends a sentence or closes a
// bracket opened before the URL is not part of the link. Concatenating the
// Text of all segments gives back text. Linkify doesn't perform I/O and is
// safe for concurrent use.
func Linkify(text string) []Segment {
	var segs []Segment
	plainStart := 0
	for i := 0; i < len(text); {
		end := linkAt(text, i)
		if end <= i {
			i++
			continue
		}
		if plainStart < i {
			segs = append(segs, Segment{Text: text[plainStart:i]})
		}
		link := text[i:end]
		segs = append(segs, Segment{Text: link, URL: linkURL(link)})
		i, plainStart = end, end
	}
	if plainStart < len(text) {
		segs = append(segs, Segment{Text: text[plainStart:]})
	}
	return segs
}

// linkAt returns the end of a link starting at i, or i when there is none.
func linkAt(text string, i int) int {
	if i > 0 {
		if prev := text[i-1]; prev < 0x80 && (unicode.IsLetter(rune(prev)) || unicode.IsDigit(rune(prev))) {
			return i // inside a word, such as "xhttp://"
		}
	}
	scheme := ""
	for _, s := range linkSchemes {
		if len(text)-i >= len(s) && strings.EqualFold(text[i:i+len(s)], s) {
			scheme = s
			break
		}
	}
	if scheme == "" {
		return i
	}
	end := i + len(scheme)
	for end < len(text) {
		r := rune(text[end])
		if r >= 0x80 {
			r, size := utf8.DecodeRuneInString(text[end:])
			if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
				break
			}
			end += size
			continue
		}
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`<>"`+"`", r) {
			break
		}
		end++
	}
	end = i + trimLinkEnd(text[i:end])
	body := text[i+len(scheme) : end]
	if body == "" || scheme == "mailto:" && !strings.Contains(body, "@") {
		return i
	}
	if _, err := url.Parse(text[i:end]); err != nil {
		return i
	}
	return end
}

// trimLinkEnd drops trailing punctuation ("." or "。") and closing brackets
// that have no opening bracket inside the link.
func trimLinkEnd(link string) int {
	for len(link) > 0 {
		if r, size := utf8.DecodeLastRuneInString(link); r >= 0x80 {
			if !unicode.Is(unicode.Po, r) && !unicode.Is(unicode.Pe, r) && !unicode.Is(unicode.Pf, r) {
				return len(link)
			}
			link = link[:len(link)-size]
			continue
		}
		last := link[len(link)-1]
		switch {
		case strings.IndexByte(".,;:!?'*", last) >= 0:
		case last == ')' && strings.Count(link, "(") < strings.Count(link, ")"):
		case last == ']' && strings.Count(link, "[") < strings.Count(link, "]"):
		case last == '}' && strings.Count(link, "{") < strings.Count(link, "}"):
		default:
			return len(link)
		}
		link = link[:len(link)-1]
	}
	return 0
}

// linkURL returns the link with its scheme in lower case.
func linkURL(link string) string {
	i := strings.Index(link, ":")
	return strings.ToLower(link[:i]) + link[i:]
}
