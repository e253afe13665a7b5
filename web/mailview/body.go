package mailview

import (
	"bytes"
	"strings"
)

// decodeText converts a text body to UTF-8 with "\n" line ends (an HTML
// body keeps its own, which the HTML parser normalizes), undoing
// format=flowed for text/plain. unknown names the charset when it was not
// recognised, and is "" otherwise.
func decodeText(data []byte, p *partInfo) (text, unknown string) {
	cs := p.params["charset"]
	if p.mediaType == "text/html" && cs == "" {
		cs = sniffHTMLCharset(data)
	}
	text, known := decodeCharset(data, cs)
	if !known {
		unknown = cs
	}
	if p.mediaType != "text/html" {
		// The HTML parser does this itself, sparing a copy of a large body.
		text = strings.ReplaceAll(text, "\r\n", "\n")
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	if p.mediaType == "text/plain" && strings.EqualFold(p.params["format"], "flowed") {
		text = unflow(text, strings.EqualFold(p.params["delsp"], "yes"))
	}
	return text, unknown
}

// sniffHTMLCharset finds a <meta> charset declaration near the start of an
// HTML body that has no charset parameter.
func sniffHTMLCharset(data []byte) string {
	head := bytes.ToLower(data[:min(len(data), 4096)])
	i := bytes.Index(head, []byte("charset="))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(head[i+len("charset="):], `"' `)
	end := bytes.IndexFunc(rest, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r))
	})
	if end < 0 {
		end = len(rest)
	}
	return string(rest[:end])
}

// unflow undoes format=flowed (RFC 3676 section 4): a line ending in a space
// continues on the next line of the same quote depth. Quote markers are
// kept, written as ">" per level and a space; space-stuffing is removed;
// the signature separator "-- " is never joined.
func unflow(text string, delSp bool) string {
	var out strings.Builder
	open, openDepth := false, 0
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the final line end, restored below
	}
	for _, line := range lines {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := strings.TrimPrefix(line[depth:], " ")
		if open && depth != openDepth {
			out.WriteByte('\n') // a flowed line must not join another depth
			open = false
		}
		if !open && depth > 0 {
			out.WriteString(strings.Repeat(">", depth) + " ")
		}
		flowed := strings.HasSuffix(content, " ") && content != "-- "
		if flowed && delSp {
			content = content[:len(content)-1]
		}
		out.WriteString(content)
		if !flowed {
			out.WriteByte('\n')
		}
		open, openDepth = flowed, depth
	}
	if open {
		out.WriteByte('\n')
	}
	return out.String()
}
