package mailview

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

// decodeCharset converts b from the named character set to UTF-8. known is
// false when the set is not recognised; the bytes are then read as UTF-8 if
// they are valid, else as windows-1252, which never fails.
func decodeCharset(b []byte, name string) (s string, known bool) {
	switch name = normalizeCharset(name); name {
	case "", "us-ascii", "ascii", "us", "ansi_x3.4-1968", "iso646-us", "7bit", "8bit":
		// Mislabelled 8-bit text is common; UTF-8 is the likeliest.
		return utf8OrLatin1(b), true
	case "utf-8", "utf8":
		if utf8.Valid(b) {
			return string(b), true
		}
		return strings.ToValidUTF8(string(b), "\uFFFD"), true
	case "utf-7", "unicode-1-1-utf-7", "x-unicode-2-0-utf-7":
		return decodeUTF7(b), true
	case "iso-8859-1":
		// The commonest legacy set is one code point per byte, as in the
		// table charset.Reader would use; decoding it here spares
		// x/text's reader and its 8 KiB of buffers per encoded word,
		// which dominated the cost of reading a header.
		return isoLatin1(b), true
	case "utf-16", "utf16", "ucs-2":
		name = utf16Order(b)
	}
	r, err := charset.Reader(name, bytes.NewReader(b))
	if err != nil {
		return utf8OrLatin1(b), false
	}
	out, err := io.ReadAll(r)
	if err != nil && len(out) == 0 {
		return utf8OrLatin1(b), false
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), true
}

// normalizeCharset lower-cases a charset name and removes the quotes,
// spaces and RFC 2231 language suffix that real mail adds.
func normalizeCharset(name string) string {
	name = strings.ToLower(strings.Trim(name, " \t\"'"))
	if i := strings.IndexByte(name, '*'); i >= 0 {
		name = name[:i]
	}
	return name
}

// charsetLabel makes an untrusted charset name safe and short enough to
// quote in a note to the user.
func charsetLabel(name string) string {
	var b strings.Builder
	for _, c := range normalizeCharset(name) {
		if b.Len() >= 40 {
			break
		}
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.:+", c)) {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "unnamed"
	}
	return b.String()
}

// utf16Order picks the byte order of UTF-16 text: from its byte order mark,
// else by where the zero octets of ASCII characters fall. Mail labelled
// plain "utf-16" is usually little-endian despite RFC 2781's default.
func utf16Order(b []byte) string {
	if len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF {
		return "utf-16be"
	}
	if len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE {
		return "utf-16le"
	}
	even, odd := 0, 0
	for i, c := range b[:min(len(b), 4096)] {
		if c == 0 && i%2 == 0 {
			even++
		} else if c == 0 {
			odd++
		}
	}
	if even > odd {
		return "utf-16be"
	}
	return "utf-16le"
}

func utf8OrLatin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return decodeWindows1252(b)
}

// cp1252 maps 0x80-0x9F; the rest of windows-1252 is ISO 8859-1. Unused
// positions map to the C1 control of the same value, as WHATWG does.
var cp1252 = [32]rune{
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
}

func decodeWindows1252(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			sb.WriteRune(cp1252[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// decodeUTF7 decodes RFC 2152 UTF-7, which Outlook once sent and
// golang.org/x/text does not cover. Malformed input decodes as far as it
// goes.
func decodeUTF7(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); {
		c := b[i]
		i++
		if c != '+' {
			sb.WriteByte(c)
			continue
		}
		if i < len(b) && b[i] == '-' {
			sb.WriteByte('+')
			i++
			continue
		}
		var units []uint16
		var bits uint32
		nbits := 0
		for ; i < len(b); i++ {
			v := b64Value(b[i])
			if v < 0 || b[i] == '=' {
				break
			}
			bits = bits<<6 | uint32(v)
			if nbits += 6; nbits >= 16 {
				nbits -= 16
				units = append(units, uint16(bits>>nbits))
			}
		}
		sb.WriteString(string(utf16.Decode(units)))
		if i < len(b) && b[i] == '-' {
			i++
		}
	}
	return strings.ToValidUTF8(sb.String(), "\uFFFD")
}

// isoLatin1 decodes ISO-8859-1: each byte is the code point of its value.
func isoLatin1(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}
