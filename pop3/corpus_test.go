package pop3_test

import (
	"bytes"
	"fmt"
	"testing"

	"popgate/internal/corpus"
)

// corpusDir is the repository's real-mail corpus, relative to this
// package's folder, where go test runs its tests.
const corpusDir = "../testdata/corpus"

// loadCorpus returns the messages of the corpus's index, sorted by path.
// The corpus is part of the repository, so a missing one fails the test.
func loadCorpus(tb testing.TB) []corpus.Message {
	tb.Helper()
	msgs, err := corpus.Load(corpusDir)
	if err != nil {
		tb.Fatalf("corpus not readable (testdata/corpus in the repository): %v", err)
	}
	return msgs
}

// onTheWire is what a POP3 server sends for a stored message, un-stuffed:
// the mbox "From " line dropped, every bare LF made CRLF, and a final CRLF
// added when the message lacks one. Nothing else may change.
func onTheWire(data []byte) []byte {
	if bytes.HasPrefix(data, []byte("From ")) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		} else {
			data = nil
		}
	}
	var b bytes.Buffer
	b.Grow(len(data) + len(data)/32)
	for i, ch := range data {
		if ch == '\n' && (i == 0 || data[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(ch)
	}
	if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// firstDifference describes where got and want part, for a readable failure.
func firstDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-20)
	return fmt.Sprintf("got %d octets, want %d; first difference at %d: got %q, want %q",
		len(got), len(want), i, got[lo:min(len(got), i+20)], want[lo:min(len(want), i+20)])
}
