package mailview

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// rawHeaderText reads raw 8-bit header text: as UTF-8 when it is valid,
// else in the hinted charset (the message's body charset, which senders
// that put raw 8-bit in headers usually use), else as windows-1252.
func rawHeaderText(v, hint string) string {
	if utf8.ValidString(v) {
		return v
	}
	switch normalizeCharset(hint) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		// Not UTF-8 after all: Latin-1 is the usual culprit.
		return decodeWindows1252([]byte(v))
	}
	s, _ := decodeCharset([]byte(v), hint)
	return s
}

// decodeWords decodes RFC 2047 encoded-words leniently: a word that does not
// parse is kept as written, white space between adjacent words is dropped,
// and adjacent words in the same charset are joined before conversion
// because senders split multi-byte characters across words. Raw 8-bit
// octets inside a word belong to the word's charset; outside words they
// are read with rawHeaderText. Unknown charsets fall back as in
// decodeCharset.
func decodeWords(s, hint string) string {
	if !strings.Contains(s, "=?") {
		return rawHeaderText(s, hint)
	}
	var out strings.Builder
	var pend []byte
	pendCS, inWords := "", false
	flush := func() {
		if inWords {
			text, _ := decodeCharset(pend, pendCS)
			out.WriteString(text)
		}
		pend, inWords = pend[:0], false
	}
	for {
		i := strings.Index(s, "=?")
		if i < 0 {
			break
		}
		cs, data, n, ok := parseWord(s[i:])
		if !ok {
			flush()
			out.WriteString(rawHeaderText(s[:i+2], hint))
			s = s[i+2:]
			continue
		}
		if !inWords || strings.TrimSpace(s[:i]) != "" {
			flush()
			out.WriteString(rawHeaderText(s[:i], hint))
		} else if cs != pendCS {
			flush()
		}
		pend, pendCS, inWords = append(pend, data...), cs, true
		s = s[i+n:]
	}
	flush()
	out.WriteString(rawHeaderText(s, hint))
	return out.String()
}

// parseWord parses the encoded-word at the start of s and returns its
// charset, decoded octets and length.
func parseWord(s string) (cs string, data []byte, n int, ok bool) {
	rest := s[2:]
	q := strings.IndexByte(rest, '?')
	if q <= 0 || q > 60 || strings.ContainsAny(rest[:q], " \t\r\n") || len(rest) < q+3 || rest[q+2] != '?' {
		return "", nil, 0, false
	}
	cs, enc, text := rest[:q], rest[q+1]|0x20, rest[q+3:]
	end := strings.Index(text, "?=")
	if end < 0 || end > 4096 || strings.ContainsAny(text[:end], "\r\n") {
		return "", nil, 0, false
	}
	text = text[:end]
	switch enc {
	case 'b':
		text = strings.TrimRight(strings.Join(strings.Fields(text), ""), "=")
		if len(text)%4 == 1 {
			text = text[:len(text)-1]
		}
		data, _ = base64.RawStdEncoding.DecodeString(text)
	case 'q':
		data = decodeQWord(text)
	default:
		return "", nil, 0, false
	}
	return normalizeCharset(cs), data, 2 + q + 3 + end + 2, true
}

func decodeQWord(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			b = append(b, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return b
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
