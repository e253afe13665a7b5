package mailview

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// maxParts bounds how many parts of one message are looked at; the
// 300-attachment messages of real life stay far below it.
const maxParts = 5000

// Parse reads a whole message from r and returns what the reader shows.
// Malformed mail never makes it fail: it reads what it can and says what it
// guessed in Message.Problems. The error is only for a failure of r (and
// wraps it). Text and HTML bodies are held in memory up to
// Options.MaxPartSize and cid: images up to Options.MaxInlineImage; other
// parts are streamed through to learn their size. Parse is safe for
// concurrent use.
func Parse(r io.Reader, opts Options) (*Message, error) {
	src := &errReader{r: r}
	opts = opts.withDefaults()
	b := &builder{opts: opts, inlineLeft: max(4*opts.MaxInlineImage, 8<<20)}
	err := walk(src, b, int(opts.MaxPartSize))
	if src.err != nil {
		return nil, fmt.Errorf("mailview: reading message: %w", src.err)
	}
	if err != nil {
		return nil, fmt.Errorf("mailview: %w", err)
	}
	return b.root, nil
}

// fillEnvelope sets the header fields of m. hint is the charset for raw
// 8-bit header text: the top-level one, else that of the first part that
// names one.
func fillEnvelope(m *Message, h header, hint string) {
	if _, ct := parseMediaHeader(h.get("content-type")); ct["charset"] != "" {
		hint = ct["charset"]
	}
	m.Subject = oneLine(decodeWords(h.get("subject"), hint))
	m.From = parseAddressList(h.get("from"), hint)
	m.To = parseAddressList(h.get("to"), hint)
	m.Cc = parseAddressList(h.get("cc"), hint)
	m.ReplyTo = parseAddressList(h.get("reply-to"), hint)
	m.Date = parseDate(h.get("date"))
	m.MessageID = strings.TrimSpace(strings.Trim(strings.TrimSpace(h.get("message-id")), "<>"))
}

// oneLine turns control characters (a decoded word may hold a line end)
// into spaces and trims the result.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// errReader remembers the first error of r other than io.EOF, so that Parse
// can tell a failing reader from a malformed message.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// readUpTo reads r to the end, keeping the data only when it is at most
// limit octets long (fits). size is the full length.
func readUpTo(r io.Reader, limit int64) (data []byte, size int64, fits bool, err error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if err != nil || n <= limit {
		return buf.Bytes(), n, true, err
	}
	rest, err := io.Copy(io.Discard, r)
	return nil, n + rest, false, err
}
