package templates

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"popgate/static"
)

// appName is appended to every page title.
const appName = "popgate"

// root returns m.Base with a trailing slash, "/" when it is empty.
func (m Meta) root() string {
	if m.Base == "" {
		return "/"
	}
	if !strings.HasSuffix(m.Base, "/") {
		return m.Base + "/"
	}
	return m.Base
}

// link returns the URL of the application path p (without a leading
// slash, e.g. "logout") under m's base path.
func (m Meta) link(p string) templ.SafeURL {
	return templ.URL(m.root() + p)
}

// asset returns the URL of the embedded static file name under m's base
// path. static.Path starts with "/", so the base's slash is dropped.
func (m Meta) asset(name string) string {
	return strings.TrimSuffix(m.root(), "/") + static.Path(name)
}

// title returns the text of the <title> element.
func (m Meta) title() string {
	if m.Title == "" {
		return appName
	}
	return m.Title + " — " + appName
}

// href sanitizes a URL the web layer built; every href and src goes through
// it so that nothing but http(s), mailto, tel, ftp and relative URLs can
// appear in them.
func href(s string) templ.SafeURL {
	return templ.URL(s)
}

// mailLink returns the sanitized URL of a link found in mail, and false when
// it is empty or the sanitizer rejects it, so that the text is shown
// without a link.
func mailLink(s string) (templ.SafeURL, bool) {
	if strings.TrimSpace(s) == "" {
		return "", false
	}
	u := templ.URL(s)
	if u == templ.FailedSanitizationURL {
		return "", false
	}
	return u, true
}

// subject returns s, or "(no subject)" when it is blank.
func subject(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(no subject)"
	}
	return s
}

// plural returns "1 message" or "n messages".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// deletedText returns the sign-out page's sentence about deletions.
func (p LogoutPage) deletedText() string {
	switch p.Deleted {
	case 0:
		return "No messages were deleted."
	case 1:
		return "1 message was deleted."
	default:
		return strconv.Itoa(p.Deleted) + " messages were deleted."
	}
}

// attachmentName returns a's file name, or a stand-in when it has none.
func attachmentName(a Attachment) string {
	if strings.TrimSpace(a.Name) == "" {
		return "Unnamed attachment"
	}
	return a.Name
}

// attachmentMeta returns the type and size line under an attachment's name.
func attachmentMeta(a Attachment) string {
	switch {
	case a.Type != "" && a.SizeText != "":
		return a.Type + ", " + a.SizeText
	case a.Type != "":
		return a.Type
	}
	return a.SizeText
}
