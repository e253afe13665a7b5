package web

import (
	"context"
	"strings"
	"time"

	"popgate/session"
	"popgate/templates"
	"popgate/web/mailview"
)

// ParseEnvelope reads a header block (TOP n 0) the way the inbox shows it,
// with mailview, for session.Config.Envelope: the header index then holds
// exactly what Summarize would show, and rows built from index entries look
// as they did when the inbox parsed headers itself. It never fails, doesn't
// perform I/O and is safe for concurrent use.
func ParseEnvelope(header []byte) session.Envelope {
	sum, to := mailview.SummarizeWithRecipients(header)
	var rcpt strings.Builder
	for i, a := range to {
		if i > 0 {
			rcpt.WriteString(", ")
		}
		rcpt.WriteString(a.Name)
		rcpt.WriteByte(' ')
		rcpt.WriteString(a.Email)
	}
	return session.Envelope{
		FromName:      sum.From.Name,
		FromAddr:      sum.From.Email,
		FromText:      sum.FromText,
		To:            rcpt.String(),
		Subject:       sum.Subject,
		Date:          sum.Date,
		HasAttachment: sum.HasAttachment,
	}
}

// summaryOf turns an index entry back into the Summary the inbox row is
// built from.
func summaryOf(e session.Envelope) mailview.Summary {
	return mailview.Summary{
		From:          mailview.Address{Name: e.FromName, Email: e.FromAddr},
		FromText:      e.FromText,
		Subject:       e.Subject,
		Date:          e.Date,
		HasAttachment: e.HasAttachment,
	}
}

// pageEnvelopes returns the envelope of each message of one inbox page,
// in page's order, from the session's header index: headers already
// indexed cost neither a POP3 round trip nor parsing, and the others are
// fetched with one pipelined TOP and indexed.
func pageEnvelopes(ctx context.Context, sess *session.Session, page []session.Message) ([]session.Envelope, error) {
	uids := make([]string, len(page))
	for i, m := range page {
		uids[i] = m.UID
	}
	return sess.Envelopes(ctx, uids)
}

// messageRow is the inbox's and the search's row of one message.
func (s *Server) messageRow(uid string, size int64, e session.Envelope, unread bool, now time.Time) templates.MessageRow {
	sum := summaryOf(e)
	return templates.MessageRow{
		UID:           uid,
		Href:          s.messageURL(uid, ""),
		From:          displayName(sum),
		FromTitle:     sum.From.String(),
		Subject:       sum.Subject,
		DateText:      shortDate(sum.Date, now),
		DateTitle:     fullDate(sum.Date),
		DateISO:       isoDate(sum.Date),
		Unread:        unread,
		SizeText:      humanSize(size),
		HasAttachment: sum.HasAttachment,
	}
}
