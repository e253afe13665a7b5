package mailview

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"popgate/internal/corpus"
)

// corpusDir holds the real-world messages described in its README.md: the
// repository's testdata/corpus, relative to this package's folder, where go
// test runs its tests.
const corpusDir = "../../testdata/corpus"

// mustCorpus returns the messages of the corpus's index. The corpus is part
// of the repository, so a missing one fails the test.
func mustCorpus(tb testing.TB) []corpus.Message {
	tb.Helper()
	msgs, err := corpus.Load(corpusDir)
	if err != nil {
		tb.Fatalf("corpus not readable (testdata/corpus in the repository): %v", err)
	}
	return msgs
}

// mustParseFile parses one corpus message with the given options.
func mustParseFile(tb testing.TB, name string, opts Options) *Message {
	tb.Helper()
	f, err := os.Open(filepath.Join(corpusDir, name))
	if err != nil {
		tb.Fatalf("open %s: %v", name, err)
	}
	defer f.Close()
	m, err := Parse(f, opts)
	if err != nil {
		tb.Fatalf("Parse(%s) error = %v, want nil", name, err)
	}
	return m
}

// allAttachments returns the attachments of m and of its nested messages.
func allAttachments(m *Message) []Part {
	parts := append([]Part(nil), m.Attachments...)
	for _, n := range m.Nested {
		parts = append(parts, allAttachments(n)...)
	}
	return parts
}

// TestParseCorpus parses every corpus message: no error, no panic, and a
// message that strict parsers reject still shows something or says why.
// Every listed attachment must open with OpenPart and have the size Parse
// reported, which checks that both walk the tree the same way.
func TestParseCorpus(t *testing.T) {
	withProblems := 0
	for _, e := range mustCorpus(t) {
		t.Run(e.Path, func(t *testing.T) {
			m, err := Parse(bytes.NewReader(e.Data), Options{})
			if err != nil {
				t.Fatalf("Parse() error = %v, want nil", err)
			}
			if len(m.Problems) > 0 {
				withProblems++
			}
			if strings.HasPrefix(e.GoMessage, "FAIL") && len(m.Problems) == 0 &&
				m.Subject == "" && m.Text == "" && m.HTML == "" {
				t.Errorf("Parse() of a message go-message rejects gave no Problems, Subject or body")
			}
			if testing.Verbose() {
				t.Logf("%s: subject=%q text=%d html=%d att=%d nested=%d problems=%q",
					e.GoMessage, m.Subject, len(m.Text), len(m.HTML), len(m.Attachments), len(m.Nested), m.Problems)
			}
			for _, p := range allAttachments(m) {
				checkOpenPart(t, e.Data, p)
			}
		})
	}
	t.Logf("%d corpus messages have Problems notes", withProblems)
}

func checkOpenPart(t *testing.T, data []byte, want Part) {
	t.Helper()
	got, body, err := OpenPart(bytes.NewReader(data), want.Path)
	if err != nil {
		t.Errorf("OpenPart(%q) error = %v, want nil", want.Path, err)
		return
	}
	n, err := io.Copy(io.Discard, body)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Errorf("OpenPart(%q) read error = %v", want.Path, err)
	}
	if n != want.Size || got.Filename != want.Filename || got.ContentType != want.ContentType {
		t.Errorf("OpenPart(%q) = %q %s %d bytes, want %q %s %d bytes",
			want.Path, got.Filename, got.ContentType, n, want.Filename, want.ContentType, want.Size)
	}
}
