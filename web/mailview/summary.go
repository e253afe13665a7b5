package mailview

import "time"

// Summary is what an inbox row shows for a message.
type Summary struct {
	// From is the first sender address; zero when there is none.
	From Address
	// FromText is the sender as shown: the name, else the address, else
	// whatever the From header holds, decoded.
	FromText string
	Subject  string
	// Date is zero when the Date header is missing or unreadable.
	Date time.Time
	// HasAttachment is a guess from the top-level header alone:
	// multipart/mixed, or Content-Disposition: attachment.
	HasAttachment bool
}

// Summarize reads a raw header block (the output of POP3 "TOP n 0", with
// or without the blank line and body after it). It never fails: missing or
// broken fields give zero values, raw 8-bit text is read as UTF-8 when
// valid and otherwise in the message's charset or Latin-1. Summarize
// doesn't perform I/O and is safe for concurrent use.
func Summarize(header []byte) Summary {
	s, _ := summarize(header, false)
	return s
}

// SummarizeWithRecipients is Summarize plus the To and Cc addresses,
// decoded as From is, from one reading of the header block: what the
// search index keeps. It never fails, doesn't perform I/O and is safe for
// concurrent use.
func SummarizeWithRecipients(header []byte) (Summary, []Address) {
	return summarize(header, true)
}

func summarize(header []byte, recipients bool) (Summary, []Address) {
	h, _ := readHeaderBytes(header)
	ct, params := parseMediaHeader(h.get("content-type"))
	disposition, _ := parseMediaHeader(h.get("content-disposition"))
	hint := params["charset"]
	s := Summary{
		Subject:       oneLine(decodeWords(h.get("subject"), hint)),
		Date:          parseDate(h.get("date")),
		HasAttachment: ct == "multipart/mixed" || disposition == "attachment",
	}
	if from := parseAddressList(h.get("from"), hint); len(from) > 0 {
		s.From = from[0]
		s.FromText = s.From.Name
		if s.FromText == "" {
			s.FromText = s.From.Email
		}
	} else {
		s.FromText = oneLine(decodeWords(h.get("from"), hint))
	}
	if !recipients {
		return s, nil
	}
	var to []Address
	for _, f := range h {
		if f.key == "to" || f.key == "cc" {
			to = append(to, parseAddressList(f.value, hint)...)
		}
	}
	return s, to
}
