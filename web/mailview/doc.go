// Package mailview turns a raw RFC 5322 message into what the mail reader
// shows: decoded headers, the plain-text body, a sanitized HTML document for
// a sandboxed frame, the list of attachments and any attached messages.
//
// Real mail is often broken: about a third of the real messages in the
// repository's testdata/corpus (whose README.md gives their sources) are
// rejected by strict MIME parsers (invalid header lines, multiparts that
// never close, boundaries longer than a parser's buffer, undecodable
// encoded-words, raw 8-bit headers). Because a message the user cannot open
// is worse than one shown imperfectly, this package reads MIME with its own
// lenient, streaming reader (RFC 2045-2047, RFC 2183, RFC 2231, RFC 3676) and
// records what it had to guess in Message.Problems, in words meant for the
// user. Character sets are decoded with github.com/emersion/go-message/charset.
//
// # Part paths
//
// A part is addressed by a path of 1-based indexes into the multipart tree,
// joined by dots, as in IMAP (RFC 3501 section 6.4.5): in a multipart
// message the top-level parts are "1", "2", ..., the parts of a multipart
// child "2" are "2.1", "2.2", .... The body of a message that is not
// multipart is "1" (OpenPart also accepts "" for it). An attached
// message/rfc822 part "3" is itself a downloadable part; the parts inside it
// continue the numbering: "3.1" is its body when it is single-part, or
// "3.1", "3.2", ... are its parts when it is multipart. Paths depend only on
// the message bytes, so Parse and OpenPart agree on them.
//
// # HTML safety
//
// HTML mail is untrusted. Sanitize keeps an allow-list of elements,
// attributes, URL schemes and CSS properties, and blocks remote images,
// CSS background images included, unless the user asked for them; its
// output then goes through a bluemonday policy built for mail. Style
// sheets are kept: each <style> element is read by a CSS parser
// (github.com/tdewolff/parse) and written anew from the rules whose
// selectors pass and whose declarations pass the one declaration policy
// that style attributes pass too, in a grammar that sheetSafe checks once
// more; @import, @font-face, @keyframes and the other at-rules but
// @media, attribute selectors, :visited, and remote url()s in rules that
// apply only for some readers (media queries, :hover) are dropped. The
// result is still meant to be served from its own URL under a deny-all
// Content-Security-Policy, in an iframe sandbox without allow-scripts or
// allow-same-origin: sanitizing and sandboxing each cover for a failure of
// the other. Links carry target="_blank", so the frame's sandbox needs
// allow-popups (and allow-popups-to-escape-sandbox) for them to open.
package mailview
