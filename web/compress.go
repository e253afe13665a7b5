package web

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
)

// compressedTypes are the responses compress may compress: popgate's
// pages (and the mail frame), its stylesheet and its script. Anything
// else, icons and already-compressed formats included, goes out as it is.
var compressedTypes = []string{"text/html", "text/css", "text/javascript"}

// compressLevel is gzip's fastest level: an inbox page shrinks to about a
// tenth at roughly the cost of rendering it, where the default level costs
// two and a half times that for 7% fewer octets. zstd, which browsers that
// offer it get instead, stays at gzhttp's fastest level.
const compressLevel = gzip.BestSpeed

// compress sends the responses of next compressed when the browser accepts
// zstd or gzip and the response is one of compressedTypes, of 1 KiB or
// more; each carries Vary: Accept-Encoding. HEAD requests and ranges are
// answered uncompressed. Downloads (attachments, message source) are not
// routed through it at all, so they keep their streaming, their length
// and their write deadline (see routes).
//
// BREACH: a compressed body's length tells an eavesdropper whether text
// an attacker got into the page repeats text beside it, so no secret may
// travel in a compressed body. None does. The session and device cookies
// travel in headers only, and no page carries their values or the session
// id; there is no CSRF token (http.CrossOriginProtection reads headers);
// the password is never written back into a form. The CSP nonce is in
// every signed-in page, but it is new in each response and worthless
// after it, so there is nothing for repeated requests to home in on.
// What pages do carry beside text from others (the search words, mail a
// stranger sent) is the user's own mail, which is the page's content, not
// a credential: loading a page signed in over and over takes top-level
// navigations the user sees, since the session cookie is SameSite=Lax and
// framing is refused, and search results show by their number what
// matched, compressed or not. TestCompressedPagesCarryNoSecret holds every
// page to this.
func compress() func(http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(compressLevel), gzhttp.ContentTypes(compressedTypes))
	if err != nil {
		panic("web: compression options: " + err.Error()) // they are constants
	}
	return func(next http.Handler) http.Handler { return wrap(next) }
}
