package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"popgate/internal/corpus"
)

// defaultCorpus is the -corpus default: the repository's real-mail corpus,
// relative to the module root.
const defaultCorpus = "testdata/corpus"

// findCorpus returns dir when it is a folder. A relative dir that is not is
// looked for below the root of the popgate module around the working
// directory, so that the default also works from a sub-folder of the
// checkout.
func findCorpus(dir string) (string, error) {
	fi, err := os.Stat(dir)
	if err == nil && fi.IsDir() {
		return dir, nil
	}
	if !filepath.IsAbs(dir) {
		if root, rootErr := moduleRoot(); rootErr == nil {
			p := filepath.Join(root, dir)
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				return p, nil
			}
		}
	}
	if err == nil {
		err = errors.New("not a folder")
	}
	return "", fmt.Errorf("corpus folder %s not found in the working directory or the popgate module's root; give the folder with -corpus: %v", dir, err)
}

// loadCorpus reads the messages that the corpus folder's INDEX.tsv lists,
// sorted by path, with an mbox "From " line dropped.
func loadCorpus(dir string) ([][]byte, error) {
	dir, err := findCorpus(dir)
	if err != nil {
		return nil, err
	}
	msgs, err := corpus.Load(dir)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, m := range msgs {
		data := m.Data
		if bytes.HasPrefix(data, []byte("From ")) {
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				data = data[i+1:]
			}
		}
		if len(data) > 0 {
			out = append(out, data)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("corpus folder %s holds no messages", dir)
	}
	return out, nil
}

// distinct returns msg with its Subject and Message-ID replaced by ones
// unique to number i, the rest byte for byte: the sizes keep the corpus's
// spread and a search index gets 10,000 different entries. Line ends
// follow the message's own.
func distinct(msg []byte, i int) []byte {
	eol := "\n"
	if bytes.Contains(msg[:min(len(msg), 2048)], []byte("\r\n")) {
		eol = "\r\n"
	}
	head, body := msg, []byte(nil)
	if j := bytes.Index(msg, []byte(eol+eol)); j >= 0 {
		head, body = msg[:j+len(eol)], msg[j+len(eol):]
	}
	var subject string
	var kept bytes.Buffer
	skip := "" // the header being dropped, with its continuation lines
	for _, line := range bytes.SplitAfter(head, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && skip != "" {
			if skip == "subject" {
				subject += " " + strings.TrimSpace(string(line))
			}
			continue
		}
		name, value, _ := strings.Cut(string(line), ":")
		switch h := strings.ToLower(strings.TrimSpace(name)); h {
		case "subject", "message-id":
			if h == "subject" && subject == "" {
				subject = strings.TrimSpace(value)
			}
			skip = h
			continue
		}
		skip = ""
		kept.Write(line)
	}
	subject = strings.TrimSpace(subject)
	if subject == "" {
		subject = "Corpus message"
	}
	var b bytes.Buffer
	b.Grow(len(msg) + 80)
	fmt.Fprintf(&b, "Message-ID: <bench.%d@popgate.test>%sSubject: %s (#%d)%s", i, eol, subject, i, eol)
	b.Write(kept.Bytes())
	b.Write(body)
	return b.Bytes()
}

// htmlMessage returns a newsletter-like HTML message of about size octets:
// tables, inline styles, links and remote images for the sanitizer to work
// through, quoted-printable as such mail usually is.
func htmlMessage(size int) []byte {
	var html strings.Builder
	html.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>td{padding:4px}.h{font-weight:bold}</style></head><body>\n")
	rng := rand.New(rand.NewPCG(7, 7))
	words := strings.Fields("the quick brown fox jumps over a lazy dog while popgate reads mail from many servers and shows every message safely in the browser with its images blocked until asked")
	for i := 0; html.Len() < size*9/10; i++ {
		fmt.Fprintf(&html, "<table width=\"100%%\" style=\"border:1px solid #ccc;margin:8px 0\"><tr><td class=\"h\" style=\"color:#333;font-size:18px\">Article %d</td></tr><tr><td>", i)
		fmt.Fprintf(&html, "<img src=\"https://news.example.test/img/%d.png\" width=\"120\" height=\"80\" alt=\"picture %d\" style=\"float:right\">", i, i)
		for p := 0; p < 3; p++ {
			html.WriteString("<p style=\"margin:0 0 6px 0;line-height:1.4\">")
			for w := 0; w < 40; w++ {
				html.WriteString(words[rng.IntN(len(words))])
				html.WriteByte(' ')
			}
			fmt.Fprintf(&html, "<a href=\"https://news.example.test/story/%d/%d?utm_source=mail\">read more</a></p>\n", i, p)
		}
		html.WriteString("</td></tr></table>\n")
	}
	html.WriteString("</body></html>\n")
	var b bytes.Buffer
	b.WriteString("From: Newsletter <news@example.test>\r\nTo: bench@example.test\r\nSubject: The big HTML newsletter\r\n" +
		"Date: Mon, 02 Mar 2026 09:00:00 +0000\r\nMessage-ID: <bench.html@popgate.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	writeQP(&b, html.String())
	return b.Bytes()
}

// writeQP writes s quoted-printable with soft line breaks at 76 columns.
func writeQP(b *bytes.Buffer, s string) {
	col := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var tok string
		switch {
		case c == '\n':
			b.WriteString("\r\n")
			col = 0
			continue
		case c == '=' || c > 126 || (c < 32 && c != '\t'):
			tok = fmt.Sprintf("=%02X", c)
		default:
			tok = string(c)
		}
		if col+len(tok) > 75 {
			b.WriteString("=\r\n")
			col = 0
		}
		b.WriteString(tok)
		col += len(tok)
	}
	b.WriteString("\r\n")
}

// attachmentPart is the path (in web/mailview's numbering) of the
// attachment in attachmentMessage.
const attachmentPart = "2"

// attachmentMessage returns a message with a short text and an attachment
// of size octets of random data, base64-encoded.
func attachmentMessage(size int) []byte {
	var b bytes.Buffer
	b.Grow(size*4/3 + size/30 + 1024)
	b.WriteString("From: Archive <archive@example.test>\r\nTo: bench@example.test\r\nSubject: The quarterly archive\r\n" +
		"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\nMessage-ID: <bench.attachment@popgate.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"=_bench_boundary\"\r\n\r\n" +
		"--=_bench_boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe archive is attached.\r\n" +
		"--=_bench_boundary\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename=\"archive.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	rng := rand.New(rand.NewPCG(1, 2))
	raw := make([]byte, 57*1000)
	line := make([]byte, 76)
	for left := size; left > 0; {
		chunk := raw[:min(len(raw), left)]
		for j := range chunk {
			chunk[j] = byte(rng.Uint32())
		}
		left -= len(chunk)
		for len(chunk) > 0 {
			n := min(57, len(chunk))
			base64.StdEncoding.Encode(line, chunk[:n])
			b.Write(line[:base64.StdEncoding.EncodedLen(n)])
			b.WriteString("\r\n")
			chunk = chunk[n:]
		}
	}
	b.WriteString("--=_bench_boundary--\r\n")
	return b.Bytes()
}

// mailbox describes the benchmark mailbox: messages 1..n-2 cycle through
// the corpus, n-1 is the HTML message and n the attachment.
type mailbox struct {
	corpus     [][]byte
	n          int
	html       []byte
	attachment []byte
}

func newMailbox(corpus [][]byte, n, htmlSize, attachmentSize int) *mailbox {
	return &mailbox{corpus: corpus, n: n, html: htmlMessage(htmlSize), attachment: attachmentMessage(attachmentSize)}
}

// message returns message i, 1-based.
func (m *mailbox) message(i int) []byte {
	switch i {
	case m.n - 1:
		return m.html
	case m.n:
		return m.attachment
	}
	return distinct(m.corpus[(i-1)%len(m.corpus)], i)
}
