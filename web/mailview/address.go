package mailview

import (
	"strings"
)

// parseAddressList reads an address list leniently. net/mail rejects whole
// lists for one bad entry (an unquoted dot or comma in a name, a missing
// domain, an encoded-word inside quotes); here each entry is read on its
// own and whatever looks like a name or an address is kept. Groups
// ("team: a@x, b@y;") contribute their members.
func parseAddressList(v, hint string) []Address {
	var list []Address
	for _, entry := range splitAddresses(v) {
		if a, ok := parseAddress(entry, hint); ok {
			list = append(list, a)
		}
	}
	return list
}

// splitAddresses splits at commas and semicolons outside quotes, comments
// and angle brackets, and drops group names.
func splitAddresses(v string) []string {
	var out []string
	var cur strings.Builder
	quoted, depth, angle := false, 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quoted:
			if c == '\\' && i+1 < len(v) {
				cur.WriteByte(c)
				i++
				c = v[i]
			} else if c == '"' {
				quoted = false
			}
		case c == '"':
			quoted = true
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case angle:
		case c == ',' || c == ';':
			out = append(out, cur.String())
			cur.Reset()
			continue
		case c == ':' && !strings.Contains(cur.String(), "@"):
			cur.Reset() // a group name
			continue
		}
		cur.WriteByte(c)
	}
	return append(out, cur.String())
}

// parseAddress reads `Name <addr>`, `addr (Name)` or a bare address.
func parseAddress(s, hint string) (Address, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Address{}, false
	}
	var a Address
	if lt := strings.LastIndexByte(s, '<'); lt >= 0 {
		rest := s[lt+1:]
		gt := strings.IndexByte(rest, '>')
		if gt < 0 {
			gt = len(rest)
		}
		a.Email = cleanEmail(rest[:gt], hint)
		name := s[:lt]
		if gt < len(rest) {
			name += " " + rest[gt+1:]
		}
		a.Name = displayName(name, hint)
	} else {
		addr, comment := stripComments(s)
		a.Email = cleanEmail(addr, hint)
		a.Name = displayName(comment, hint)
		if strings.ContainsAny(a.Email, " \t") || !strings.Contains(a.Email, "@") && a.Name == "" {
			// No address at all, only words: keep them as a name.
			a = Address{Name: displayName(addr, hint)}
		}
	}
	if a.Name == a.Email {
		a.Name = ""
	}
	return a, a.Name != "" || a.Email != ""
}

// cleanEmail trims an address and drops an obsolete source route
// ("@relay:user@host") and stray quotes around it.
func cleanEmail(s, hint string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "@") {
		if i := strings.IndexByte(s, ':'); i >= 0 {
			s = s[i+1:]
		}
	}
	return oneLine(rawHeaderText(strings.Trim(s, `"' `), hint))
}

// displayName unquotes and decodes a display name.
func displayName(s, hint string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
		default:
			b.WriteByte(c)
		}
	}
	name := strings.Join(strings.Fields(oneLine(decodeWords(b.String(), hint))), " ")
	return strings.Trim(name, `'`)
}

// stripComments removes (comments) and returns the text of the last one.
func stripComments(s string) (rest, comment string) {
	var out, com strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '(':
			if depth == 0 {
				com.Reset()
			} else {
				com.WriteByte(c)
			}
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth > 0 {
				com.WriteByte(c)
			}
		case depth > 0:
			com.WriteByte(c)
		default:
			out.WriteByte(c)
		}
	}
	return strings.TrimSpace(out.String()), com.String()
}
