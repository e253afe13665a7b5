package corpus

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// dir is the repository's corpus, relative to this package's folder, where
// go test runs its tests.
const dir = "../../testdata/corpus"

// TestLoad: the repository's corpus gives the 260 listed messages, sorted
// by path, each with its data and index columns, and no licence or readme
// from beside the mail.
func TestLoad(t *testing.T) {
	msgs, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%q) = %v (testdata/corpus in the repository)", dir, err)
	}
	if len(msgs) != 260 {
		t.Errorf("Load(%q) = %d messages, want 260", dir, len(msgs))
	}
	for i, m := range msgs {
		base := strings.ToUpper(path.Base(m.Path))
		if strings.Contains(base, "LICENSE") || strings.HasPrefix(base, "NOTICE") || strings.HasPrefix(base, "README") {
			t.Errorf("Load() returned %s, which is not a message", m.Path)
		}
		if len(m.Data) == 0 || m.Source == "" || m.Description == "" || m.GoMessage == "" {
			t.Errorf("%s: %d octets, source %q, description %q, go-message %q; want all set",
				m.Path, len(m.Data), m.Source, m.Description, m.GoMessage)
		}
		if i > 0 && msgs[i-1].Path >= m.Path {
			t.Errorf("%s comes after %s, want sorted by path", m.Path, msgs[i-1].Path)
		}
	}
}

// TestLoadMissing: a missing folder, or a listed file that is not there,
// is an error naming what is missing.
func TestLoadMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "testdata", "corpus")
	_, err := Load(missing)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(missing folder) = %v, want a not-exist error naming %s", err, missing)
	}

	d := t.TempDir()
	writeIndex(t, d, "path\tsource\ndir/a.eml\tx\n")
	if _, err := Load(d); err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "dir/a.eml") {
		t.Errorf("Load(index with a missing file) = %v, want a not-exist error naming dir/a.eml", err)
	}
}

// TestLoadIndex: only listed files load, columns are found by name, and an
// index that lists nothing, a path out of the folder or one listed twice
// is refused.
func TestLoadIndex(t *testing.T) {
	d := t.TempDir()
	for name, data := range map[string]string{"b/m.eml": "Subject: b\r\n\r\n", "a.eml": "Subject: a\n\n", "LICENSE": "not mail"} {
		if err := os.MkdirAll(filepath.Join(d, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeIndex(t, d, "path\tsource\tdescription\tsize_bytes\tgo_message_v9\r\nb/m.eml\tsb\tdb\t14\tok\r\na.eml\tsa\tda\t12\tFAIL (x)\r\n")
	msgs, err := Load(d)
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	want := []Message{
		{Path: "a.eml", Source: "sa", Description: "da", GoMessage: "FAIL (x)", Data: []byte("Subject: a\n\n")},
		{Path: "b/m.eml", Source: "sb", Description: "db", GoMessage: "ok", Data: []byte("Subject: b\r\n\r\n")},
	}
	if len(msgs) != len(want) {
		t.Fatalf("Load() = %d messages, want %d", len(msgs), len(want))
	}
	for i := range want {
		g, w := msgs[i], want[i]
		if g.Path != w.Path || g.Source != w.Source || g.Description != w.Description || g.GoMessage != w.GoMessage || string(g.Data) != string(w.Data) {
			t.Errorf("message %d = %+v, want %+v", i, g, w)
		}
	}

	for _, tc := range []struct{ name, index, want string }{
		{"empty", "path\tsource\n", "lists no messages"},
		{"no header", "a.eml\tsa\n", `"path"`},
		{"outside", "path\n../a.eml\n", "not inside"},
		{"absolute", "path\n/etc/passwd\n", "not inside"},
		{"twice", "path\na.eml\na.eml\n", "listed twice"},
	} {
		writeIndex(t, d, tc.index)
		if _, err := Load(d); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Load() = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func writeIndex(t *testing.T, dir, index string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, IndexFile), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
}
