package mailview

import (
	"errors"
	"time"
)

// Default limits, used where Options leaves a field at zero.
const (
	DefaultMaxInlineImage = 2 << 20
	DefaultMaxPartSize    = 4 << 20
)

// maxMessageDepth bounds how many levels of attached messages are parsed
// below the top one; deeper ones are only listed as attachments.
const maxMessageDepth = 5

// ErrPartNotFound is returned by OpenPart when the message has no part at
// the requested path.
var ErrPartNotFound = errors.New("mailview: part not found")

// Options tunes Parse. The zero value is ready to use: remote content is
// blocked and the size limits take their defaults.
type Options struct {
	// AllowRemote keeps remote (http and https) images in the HTML, and
	// remote background images in its CSS, except in rules that apply
	// only for some readers (media queries, :hover). The user asks for it
	// per message.
	AllowRemote bool
	// MaxInlineImage is the largest cid: image, in decoded octets, that is
	// put into the HTML as a data: URI (default DefaultMaxInlineImage).
	// Larger ones are listed as attachments.
	MaxInlineImage int64
	// MaxPartSize is the largest text or HTML body, in decoded octets, that
	// is decoded into memory for display (default DefaultMaxPartSize).
	// Larger ones are listed as attachments.
	MaxPartSize int64
}

func (o Options) withDefaults() Options {
	if o.MaxInlineImage <= 0 {
		o.MaxInlineImage = DefaultMaxInlineImage
	}
	if o.MaxPartSize <= 0 {
		o.MaxPartSize = DefaultMaxPartSize
	}
	return o
}

// Address is a decoded mailbox: RFC 2047 words in the display name are
// decoded to UTF-8. Name may be empty; Email may be empty when the header
// held only a name.
type Address struct {
	Name, Email string
}

// String returns "Name <email>", or just the address when there is no name
// (or just the name when there is no address). The result is for display,
// not for a header: the name is not quoted.
func (a Address) String() string {
	switch {
	case a.Name == "":
		return a.Email
	case a.Email == "":
		return a.Name
	}
	return a.Name + " <" + a.Email + ">"
}

// Message is what the reader shows for one message. All strings are UTF-8.
type Message struct {
	Subject string
	From    []Address
	To      []Address
	Cc      []Address
	ReplyTo []Address
	// Date is the Date header; zero when it is missing or unreadable.
	Date time.Time
	// MessageID is the Message-ID without its angle brackets.
	MessageID string

	// Text is the plain-text body with line ends normalised to "\n" and
	// format=flowed (RFC 3676) undone: soft breaks joined, quote markers
	// kept. Additional inline text parts (a mailing list footer) follow it
	// after a blank line. It is "" when the message has no plain-text body.
	Text string
	// HTML is a complete, sanitized HTML document for the sandboxed frame,
	// or "" when the message has no HTML body. cid: images are inlined as
	// data: URIs (within Options.MaxInlineImage); remote images are removed
	// unless Options.AllowRemote; links open in a new tab with no referrer.
	HTML string
	// RemoteBlocked reports that the HTML referred to remote images that
	// were removed; showing them needs Options.AllowRemote.
	RemoteBlocked bool

	// Attachments lists, in message order, every part that is neither the
	// displayed text or HTML body nor an inlined cid: image. An attached
	// message is listed here and also parsed into Nested.
	Attachments []Part
	// Nested holds attached messages (message/rfc822), parsed recursively
	// up to a depth of 5. Their part paths are paths in the outer message.
	Nested []*Message
	// Problems holds notes for the user, in plain English, about what could
	// not be read as intended (malformed structure, unknown character sets,
	// damaged encodings). Each note appears once.
	Problems []string
}

// Part describes one downloadable part of a message.
type Part struct {
	// Path addresses the part inside the message; see the package
	// documentation.
	Path string
	// Filename is the decoded file name (RFC 2047 or RFC 2231) without
	// directory components, or a name such as "attachment-2.pdf" built from
	// the path and the media type when the message gives none.
	Filename string
	// ContentType is the lower-case media type without parameters.
	ContentType string
	// Size is the decoded size in octets (transfer encoding undone). Parse
	// always knows it; OpenPart, which streams, sets it to -1.
	Size int64
	// Inline reports Content-Disposition: inline.
	Inline bool
	// ContentID is the Content-ID without its angle brackets, or "".
	ContentID string
}
