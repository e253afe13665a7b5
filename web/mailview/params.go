package mailview

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// parseMediaHeader parses a Content-Type or Content-Disposition value
// leniently: a missing ";", an empty parameter (";;"), a duplicate name or an
// unterminated quote does not lose the rest, as it does with
// mime.ParseMediaType. value is lower-case; parameter names are lower-case;
// RFC 2231 continuations and charsets are decoded. Values are otherwise
// raw: a caller displaying one decodes encoded-words itself.
func parseMediaHeader(v string) (value string, params map[string]string) {
	v = strings.TrimSpace(v)
	end := strings.IndexAny(v, "; \t")
	if end < 0 {
		end = len(v)
	}
	value, v = strings.ToLower(v[:end]), v[end:]
	params = map[string]string{}
	ext := map[string]map[int]string{} // RFC 2231 sections, by name and index
	for v != "" {
		v = strings.TrimLeft(v, "; \t\r\n")
		eq := strings.IndexAny(v, "=;")
		if eq < 0 {
			break
		}
		name := strings.ToLower(strings.TrimSpace(v[:eq]))
		if v[eq] == ';' {
			v = v[eq:]
			continue
		}
		var val string
		val, v = paramValue(strings.TrimLeft(v[eq+1:], " \t"))
		if base, idx, ok := extendedName(name); ok {
			if ext[base] == nil {
				ext[base] = map[int]string{}
			}
			if _, dup := ext[base][idx]; !dup {
				ext[base][idx] = val
			}
		} else if _, dup := params[name]; !dup && name != "" {
			params[name] = val
		}
	}
	for name, sections := range ext {
		params[name] = joinExtended(sections)
	}
	return value, params
}

// paramValue reads a token or quoted string and returns it with the rest.
func paramValue(v string) (val, rest string) {
	if !strings.HasPrefix(v, `"`) {
		end := strings.IndexByte(v, ';')
		if end < 0 {
			end = len(v)
		}
		return strings.TrimSpace(v[:end]), v[end:]
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			}
		case '"':
			return b.String(), v[i+1:]
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String(), "" // unterminated: take the rest
}

// extendedName splits an RFC 2231 name: "title*" is section 0 encoded,
// "title*1" section 1, "title*1*" section 1 encoded. Encoded sections get
// idx+1<<16 so that joinExtended knows to percent-decode them.
func extendedName(name string) (base string, idx int, ok bool) {
	star := strings.IndexByte(name, '*')
	if star <= 0 {
		return "", 0, false
	}
	base, rest := name[:star], name[star+1:]
	encoded := strings.HasSuffix(rest, "*") || rest == ""
	rest = strings.TrimSuffix(rest, "*")
	if rest != "" {
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || n > 999 {
			return "", 0, false
		}
		idx = n
	}
	if encoded {
		idx |= 1 << 16
	}
	return base, idx, true
}

// joinExtended concatenates RFC 2231 sections in order and converts the
// result from the charset named in the first encoded section.
func joinExtended(sections map[int]string) string {
	keys := make([]int, 0, len(sections))
	for k := range sections {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i]&0xffff < keys[j]&0xffff })
	var raw []byte
	cs := ""
	for i, k := range keys {
		s := sections[k]
		if k&(1<<16) == 0 {
			raw = append(raw, s...)
			continue
		}
		if i == 0 {
			// charset'language'text
			if parts := strings.SplitN(s, "'", 3); len(parts) == 3 {
				cs, s = parts[0], parts[2]
			}
		}
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		raw = append(raw, s...)
	}
	text, _ := decodeCharset(raw, cs)
	return text
}
