// Package demo holds the sample mailbox that popgate serves in its --demo
// mode: thirty invented messages, delivered over a few weeks, that between
// them show what the webmail has to handle. There are plain-text notes
// (one format=flowed, one with quoted replies and links), a long thread,
// HTML newsletters with remote and with inline images, attachments (PDF,
// CSV, PNG, a forwarded message, non-ASCII file names in RFC 2231 and
// RFC 2047 form), letters in several languages and legacy charsets, a
// calendar invitation, a delivery-status report, lines that begin with a
// dot, a very long subject and a message with no subject at all.
//
// All names and addresses are invented; every domain is example.com,
// example.org or example.net. The messages live as .eml files in mail/,
// named so that they sort oldest first.
package demo

import (
	"bytes"
	"embed"
	"io/fs"
)

//go:embed mail/*.eml
var files embed.FS

// Messages returns the demo mailbox, oldest first, each a complete RFC 5322 message with CRLF line ends.
//
// Every call returns fresh slices, which the caller may keep or modify.
func Messages() [][]byte {
	entries, err := fs.ReadDir(files, "mail") // sorted by file name
	if err != nil {
		panic("demo: " + err.Error()) // the directory is embedded at build time
	}
	msgs := make([][]byte, 0, len(entries))
	for _, e := range entries {
		b, err := fs.ReadFile(files, "mail/"+e.Name())
		if err != nil {
			panic("demo: " + err.Error())
		}
		msgs = append(msgs, crlf(b))
	}
	return msgs
}

// crlf returns a copy of b in which every line ends in CRLF, whatever a
// checkout may have done to the files' line ends.
func crlf(b []byte) []byte {
	out := make([]byte, 0, len(b)+bytes.Count(b, []byte("\n")))
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			out = append(out, b...)
			break
		}
		out = append(out, b[:i]...)
		out = append(out, '\r', '\n')
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			i++
		}
		b = b[i+1:]
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\r', '\n')
	}
	return out
}
