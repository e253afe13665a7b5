package session

import (
	"bufio"
	"bytes"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-message/charset"
)

// Envelope is what the header index keeps of one message: its header
// block (TOP n 0) decoded for the inbox row and for Search. All strings are
// UTF-8 on one line.
type Envelope struct {
	// FromName and FromAddr are the first From address: the decoded
	// display name (may be empty) and the address.
	FromName, FromAddr string
	// FromText is the sender as the inbox names it: FromName, else
	// FromAddr, else the From field decoded as text when it holds no
	// readable address.
	FromText string
	// To is the recipients (To and Cc), names and addresses, as one line
	// of text. The parser fills it in for Search; the index keeps it for
	// Search only, so Envelopes returns it empty.
	To string
	// Subject is decoded; "" when missing.
	Subject string
	// Date keeps the instant and the sender's UTC offset; zero when the
	// Date field is missing or unreadable.
	Date time.Time
	// HasAttachment is a guess from the top-level header alone:
	// multipart/mixed, or Content-Disposition: attachment.
	HasAttachment bool
}

// ParseEnvelope is the header parser a Manager uses when Config.Envelope
// is nil. Encoded words are decoded in every character set go-message
// knows (the same tables the web layer uses), and addresses that net/mail
// rejects are kept as text. The web layer's parser (web.ParseEnvelope),
// which popgate's binary configures, adds the web layer's leniency for
// damaged headers, so that index entries read exactly like an opened
// message. ParseEnvelope never fails, doesn't perform I/O and is safe for
// concurrent use.
func ParseEnvelope(header []byte) Envelope {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(header)))
	h, _ := tp.ReadMIMEHeader() // what was read before an error is kept
	dec := mime.WordDecoder{CharsetReader: charset.Reader}
	decode := func(v string) string {
		if d, err := dec.DecodeHeader(v); err == nil {
			v = d
		}
		return strings.Join(strings.Fields(v), " ")
	}
	var e Envelope
	e.Subject = decode(h.Get("Subject"))
	if t, err := mail.ParseDate(h.Get("Date")); err == nil {
		e.Date = t
	}
	ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	disp, _, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	e.HasAttachment = ct == "multipart/mixed" || disp == "attachment"
	parser := mail.AddressParser{WordDecoder: &dec}
	if from, err := parser.ParseList(h.Get("From")); err == nil && len(from) > 0 {
		e.FromName, e.FromAddr = from[0].Name, from[0].Address
		e.FromText = e.FromName
		if e.FromText == "" {
			e.FromText = e.FromAddr
		}
	} else {
		e.FromText = decode(h.Get("From"))
	}
	var to []string
	for _, field := range []string{"To", "Cc"} {
		for _, v := range h.Values(field) {
			if list, err := parser.ParseList(v); err == nil {
				for _, a := range list {
					to = append(to, strings.TrimSpace(a.Name+" "+a.Address))
				}
			} else {
				to = append(to, decode(v))
			}
		}
	}
	e.To = strings.Join(to, ", ")
	return e
}
