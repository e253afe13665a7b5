package session

import (
	"bufio"
	"bytes"
	"cmp"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
)

// testEnvelope is the session tests' Config.Envelope: only as much
// parsing as the test mailboxes need (encoded words in UTF-8 and Latin-1,
// plain addresses and dates), all from the standard library. popgate's
// one header parser is the web layer's; the session tests check what the
// index does with envelopes, not how headers are read.
func testEnvelope(header []byte) Envelope {
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(header))).ReadMIMEHeader()
	mh := mail.Header(h)
	var dec mime.WordDecoder
	var e Envelope
	e.Subject, _ = dec.DecodeHeader(mh.Get("Subject"))
	e.Date, _ = mh.Date()
	if from, err := mh.AddressList("From"); err == nil && len(from) > 0 {
		e.FromName, e.FromAddr = from[0].Name, from[0].Address
	}
	e.FromText = cmp.Or(e.FromName, e.FromAddr)
	var to []string
	for _, field := range []string{"To", "Cc"} {
		list, _ := mh.AddressList(field)
		for _, a := range list {
			to = append(to, strings.TrimSpace(a.Name+" "+a.Address))
		}
	}
	e.To = strings.Join(to, ", ")
	return e
}
