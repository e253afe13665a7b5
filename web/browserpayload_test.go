package web_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileDir holds the hostile messages, one .eml file each; see its
// README.md for the conventions.
const hostileDir = "testdata/hostile"

// hostileAttackerHost is the host name in the messages that stands for
// the attacker's local test server; the tests replace it with its
// host:port so that a request to it can be observed.
const hostileAttackerHost = "attacker.test"

// hostileMail is one message of the payload suite.
type hostileMail struct {
	Name      string // file name without .eml
	Technique string // the X-Payload header: the CVE or technique followed
	Raw       []byte // the message, attacker host filled in, CRLF line ends
	// ExpectRemote lists the paths on the attacker's server that must be
	// requested once the reader allows remote content (X-Expect-Remote).
	ExpectRemote []string
	// Leak lists the paths on the attacker's server that the message's
	// HTML requests when a browser shows it with no defence at all (no
	// sanitizer, no CSP, no sandbox) (X-Leak): proof that the attack
	// works, so that the suite's silence means something.
	Leak []string
	// LeakVisited is a path on the attacker's server which, once visited,
	// changes how the undefended message looks (X-Leak-Visited): history
	// sniffing.
	LeakVisited string
	// Docs are the parts a browser could render as a document (HTML, SVG,
	// XML), transfer encoding undone, charset left as sent.
	Docs []hostileDoc
}

// hostileDoc is one renderable part of a hostile message.
type hostileDoc struct {
	Type string // media type, such as "text/html"
	Body []byte
}

// mustLoadHostileMails reads every message of the suite, with attackerHost
// (host:port) in place of the attacker's placeholder host.
func mustLoadHostileMails(tb testing.TB, attackerHost string) []hostileMail {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(hostileDir, "*.eml"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no messages in %s: %v", hostileDir, err)
	}
	var out []hostileMail
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		m, err := parseHostileMail(strings.TrimSuffix(filepath.Base(p), ".eml"), b, attackerHost)
		if err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		out = append(out, m)
	}
	return out
}

func parseHostileMail(name string, b []byte, attackerHost string) (hostileMail, error) {
	b = bytes.ReplaceAll(b, []byte(hostileAttackerHost), []byte(attackerHost))
	b = toCRLF(b)
	m := hostileMail{Name: name, Raw: b}
	first, _, _ := bytes.Cut(b, []byte("\r\n"))
	if !bytes.HasPrefix(first, []byte("X-Payload:")) {
		return m, fmt.Errorf("the first header line must be X-Payload, not %q", first)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return m, err
	}
	m.Technique = msg.Header.Get("X-Payload")
	m.ExpectRemote = append(m.ExpectRemote, strings.Fields(msg.Header.Get("X-Expect-Remote"))...)
	m.Leak = strings.Fields(msg.Header.Get("X-Leak"))
	m.LeakVisited = strings.TrimSpace(msg.Header.Get("X-Leak-Visited"))
	m.Docs = renderableParts(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	return m, nil
}

// renderableParts walks a MIME entity and returns its HTML, SVG and XML
// parts. A part it cannot read is skipped: the suite also holds broken
// structures on purpose.
func renderableParts(h textproto.MIMEHeader, body io.Reader, depth int) []hostileDoc {
	if depth > 8 {
		return nil
	}
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType = "text/plain"
	}
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		var out []hostileDoc
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return out
			}
			out = append(out, renderableParts(p.Header, p, depth+1)...)
		}
	case mediaType == "message/rfc822":
		inner, err := mail.ReadMessage(bufio.NewReader(decodeTransfer(h, body)))
		if err != nil {
			return nil
		}
		return renderableParts(textproto.MIMEHeader(inner.Header), inner.Body, depth+1)
	case mediaType == "text/html", mediaType == "image/svg+xml", mediaType == "text/xml",
		mediaType == "application/xml", mediaType == "application/xhtml+xml":
		data, err := io.ReadAll(decodeTransfer(h, body))
		if err != nil {
			return nil
		}
		return []hostileDoc{{Type: mediaType, Body: data}}
	}
	return nil
}

func decodeTransfer(h textproto.MIMEHeader, body io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, body) // it skips line breaks itself
	case "quoted-printable":
		return quotedprintable.NewReader(body)
	}
	return body
}

// toCRLF turns bare LF line ends into CRLF, as a POP3 server sends them.
func toCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}
