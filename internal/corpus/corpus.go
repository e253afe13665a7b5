// Package corpus reads the repository's real-mail corpus, testdata/corpus:
// the messages its INDEX.tsv lists, and nothing else of the folder (its
// README.md and the licence files beside the mail are not messages).
//
// The tests and cmd/popgate-bench use it; the server does not.
package corpus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// IndexFile is the name of the index in the corpus folder: tab-separated,
// a header row first, one row per message.
const IndexFile = "INDEX.tsv"

// Message is one corpus message and its row of the index.
type Message struct {
	Path        string // relative to the corpus folder, slash-separated, as the index lists it
	Source      string // the project it was taken from
	Description string // what is special about it: structure, charsets, encodings, line ends
	GoMessage   string // how go-message fared on it: ok, SOFT, BODY-ERR or FAIL with a note
	Data        []byte // the file as it is
}

// Load reads the messages that dir's INDEX.tsv lists, sorted by path. A
// missing or unreadable folder, index or listed file, and an index that
// lists nothing, are errors.
func Load(dir string) ([]Message, error) {
	index, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		return nil, fmt.Errorf("corpus: no index in %s: %w", dir, err)
	}
	msgs, err := parseIndex(index)
	if err != nil {
		return nil, fmt.Errorf("corpus: %s: %w", filepath.Join(dir, IndexFile), err)
	}
	for i := range msgs {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(msgs[i].Path)))
		if err != nil {
			return nil, fmt.Errorf("corpus: %s lists %s: %w", IndexFile, msgs[i].Path, err)
		}
		msgs[i].Data = data
	}
	return msgs, nil
}

// parseIndex returns the rows of an index, without their data. Columns are
// found by the header's names; the go-message column's name carries the
// version it was run with (go_message_v0.18.2).
func parseIndex(index []byte) ([]Message, error) {
	lines := strings.Split(strings.TrimSuffix(string(index), "\n"), "\n")
	header := strings.Split(strings.TrimSuffix(lines[0], "\r"), "\t")
	col := map[string]int{}
	for i, name := range header {
		if strings.HasPrefix(name, "go_message") {
			name = "go_message"
		}
		col[name] = i
	}
	if p, ok := col["path"]; !ok || p != 0 {
		return nil, errors.New(`the header row does not start with "path"`)
	}
	field := func(cols []string, name string) string {
		if i, ok := col[name]; ok && i < len(cols) {
			return cols[i]
		}
		return ""
	}
	var msgs []Message
	seen := map[string]bool{}
	for n, line := range lines[1:] {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		p := cols[0]
		if !filepath.IsLocal(filepath.FromSlash(p)) || strings.Contains(p, `\`) {
			return nil, fmt.Errorf("line %d: path %q is not inside the corpus folder", n+2, p)
		}
		if seen[p] {
			return nil, fmt.Errorf("line %d: %s is listed twice", n+2, p)
		}
		seen[p] = true
		msgs = append(msgs, Message{
			Path:        p,
			Source:      field(cols, "source"),
			Description: field(cols, "description"),
			GoMessage:   field(cols, "go_message"),
		})
	}
	if len(msgs) == 0 {
		return nil, errors.New("lists no messages")
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].Path < msgs[j].Path })
	return msgs, nil
}
