package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"popgate/session"
	"popgate/templates"
	"popgate/web/mailview"
)

// uidParam returns the {uid} of the route, decoded: UIDs may hold any
// printable ASCII, "/" and "%" included. It undoes uidSegment; the route
// parameters are still percent-encoded (see routeOnEscapedPath).
func uidParam(r *http.Request) string {
	seg := chi.URLParam(r, "uid")
	if dots, ok := strings.CutPrefix(seg, ","); ok && isDotSegment(dots) {
		return dots
	}
	uid, err := url.PathUnescape(seg)
	if err != nil {
		return seg
	}
	return uid
}

// uidSegment is uid as one path segment. It is percent-encoded, except that
// a UID "." or ".." gets a leading ",": a browser would resolve the segment
// away, and it would do the same with "%2E" (the URL standard treats it as a
// dot). url.PathEscape always encodes ",", so no other UID starts so.
func uidSegment(uid string) string {
	if isDotSegment(uid) {
		return "," + uid
	}
	return url.PathEscape(uid)
}

func isDotSegment(s string) bool { return s == "." || s == ".." }

// messageURL is the address of a message page or of one of its
// sub-resources (suffix such as "/body" or "?remote=1").
func (s *Server) messageURL(uid, suffix string) string {
	return s.url("message/" + uidSegment(uid) + suffix)
}

// readMessage fetches and parses one message.
func readMessage(r *http.Request, sess *session.Session, uid string, opts mailview.Options) (*mailview.Message, error) {
	var msg *mailview.Message
	err := sess.Retr(r.Context(), uid, func(body io.Reader) error {
		var err error
		msg, err = mailview.Parse(body, opts)
		return err
	})
	return msg, err
}

// handleMessage handles GET /message/{uid}: headers, body, attachments.
func (s *Server) handleMessage(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r)
	uid := uidParam(r)
	if size, ok := messageSize(r, sess, uid); ok && size > maxRenderSize {
		s.renderTooLarge(w, r, sess, uid, size)
		return
	}
	msg, err := readMessage(r, sess, uid, mailview.Options{})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.markRead(r, sess, uid)
	q := r.URL.Query()
	remote := q.Get("remote") == "1"
	p := templates.MessagePage{
		Meta:         s.meta(r, msg.Subject),
		UID:          uid,
		Subject:      msg.Subject,
		From:         addressList(msg.From),
		To:           addressList(msg.To),
		Cc:           addressList(msg.Cc),
		DateText:     fullDate(msg.Date),
		DateISO:      isoDate(msg.Date),
		Text:         paragraphs(msg.Text),
		Attachments:  s.attachments(uid, msg.Attachments),
		Problems:     msg.Problems,
		RawHref:      s.messageURL(uid, "/raw"),
		DeleteAction: s.messageURL(uid, "/delete"),
		UnreadAction: s.messageURL(uid, "/unread"),
		BackHref:     s.url(""),
	}
	if p.Meta.Title == "" {
		p.Meta.Title = "(no subject)"
	}
	if msg.HTML != "" && (q.Get("view") != "text" || msg.Text == "") {
		p.ShowingHTML = true
		p.HTMLFrameSrc = s.messageURL(uid, "/body")
		if remote {
			p.HTMLFrameSrc += "?remote=1"
		}
		p.Text = nil
		s.bodies.put(sess.ID(), uid, msg.HTML, time.Now())
		if sess.Ended() {
			s.bodies.drop(sess.ID()) // sessionEnded may have come already
		}
		if msg.RemoteBlocked && !remote {
			p.RemoteBlocked = true
			p.RemoteHref = s.messageURL(uid, "?remote=1")
		}
	}
	if msg.HTML != "" && msg.Text != "" {
		p.TextHref = s.messageURL(uid, "?view=text")
		p.HTMLHref = s.messageURL(uid, "")
	}
	for _, n := range msg.Nested {
		p.Nested = append(p.Nested, s.nested(uid, n))
	}
	s.neighbours(r, sess, uid, &p)
	s.render(w, r, http.StatusOK, templates.MessageView(p))
}

// nested shows an attached message below the one that carries it.
func (s *Server) nested(uid string, n *mailview.Message) templates.NestedMessage {
	text := n.Text
	if text == "" && n.HTML != "" {
		text = "(This attached message is in HTML; download it to read it.)"
	}
	return templates.NestedMessage{
		Subject:     n.Subject,
		From:        addressList(n.From),
		DateText:    fullDate(n.Date),
		Text:        paragraphs(text),
		Attachments: s.attachments(uid, n.Attachments),
	}
}

// neighbours links the older and newer messages of the snapshot, across
// inbox pages, and leads back to the inbox page that lists the message.
func (s *Server) neighbours(r *http.Request, sess *session.Session, uid string, p *templates.MessagePage) {
	msgs, err := sess.Messages(r.Context())
	if err != nil {
		return
	}
	for i, m := range msgs {
		if m.UID != uid {
			continue
		}
		p.BackHref = s.inboxURL(pageOf(msgs, uid), "")
		if i > 0 {
			p.OlderHref = s.messageURL(msgs[i-1].UID, "")
		}
		if i+1 < len(msgs) {
			p.NewerHref = s.messageURL(msgs[i+1].UID, "")
		}
		return
	}
}

func (s *Server) attachments(uid string, parts []mailview.Part) []templates.Attachment {
	var out []templates.Attachment
	for _, part := range parts {
		out = append(out, templates.Attachment{
			Name:     part.Filename,
			Type:     part.ContentType,
			SizeText: humanSize(part.Size),
			Href:     s.messageURL(uid, "/part/"+url.PathEscape(part.Path)),
		})
	}
	return out
}

// paragraphs lays a plain-text body out for reading (see
// mailview.TextBlocks), with the links in its lines.
func paragraphs(text string) []templates.Paragraph {
	return textParagraphs(mailview.TextBlocks(text))
}

func textParagraphs(blocks []mailview.Block) []templates.Paragraph {
	out := make([]templates.Paragraph, len(blocks))
	for i, b := range blocks {
		switch b.Kind {
		case mailview.BlockQuote:
			out[i].Quote = textParagraphs(b.Blocks)
		case mailview.BlockFold:
			out[i].Fold, out[i].Summary = textParagraphs(b.Blocks), b.Text
		default:
			for _, seg := range mailview.Linkify(b.Text) {
				out[i].Segments = append(out[i].Segments, templates.Segment{Text: seg.Text, Link: seg.URL})
			}
		}
	}
	return out
}

// maxRenderSize is the largest message shown as a page; a larger one (a
// big attachment, most likely) is offered as a download instead, so one
// request cannot make the server parse hundreds of megabytes.
const maxRenderSize = 32 << 20

// messageSize returns the size the server listed for uid.
func messageSize(r *http.Request, sess *session.Session, uid string) (int64, bool) {
	msgs, err := sess.Messages(r.Context())
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.UID == uid {
			return m.Size, true
		}
	}
	return 0, false
}

// renderTooLarge shows a message's headers and a download link only.
func (s *Server) renderTooLarge(w http.ResponseWriter, r *http.Request, sess *session.Session, uid string, size int64) {
	envs, err := sess.Envelopes(r.Context(), []string{uid})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.markRead(r, sess, uid)
	sum := summaryOf(envs[0])
	p := templates.MessagePage{
		Meta:         s.meta(r, sum.Subject),
		UID:          uid,
		Subject:      sum.Subject,
		From:         sum.From.String(),
		DateText:     fullDate(sum.Date),
		Problems:     []string{"This message is too large to show here (" + humanSize(size) + "). Download it with \"View source\" and open it in a mail program."},
		RawHref:      s.messageURL(uid, "/raw"),
		DeleteAction: s.messageURL(uid, "/delete"),
		UnreadAction: s.messageURL(uid, "/unread"),
		BackHref:     s.url(""),
	}
	if p.Meta.Title == "" {
		p.Meta.Title = "(no subject)"
	}
	s.neighbours(r, sess, uid, &p)
	s.render(w, r, http.StatusOK, templates.MessageView(p))
}
