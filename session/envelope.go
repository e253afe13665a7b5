package session

import "time"

// Envelope is what the header index keeps of one message: its header
// block (TOP n 0) decoded for the inbox row and for Search, by
// Config.Envelope. All strings are UTF-8 on one line.
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
