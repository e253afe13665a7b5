package mailview

import (
	"os"
	"strings"
	"testing"
)

func TestDbg(t *testing.T) {
	for _, f := range strings.Fields(os.Getenv("DBG")) {
		m := mustParseFile(t, f, Options{})
		t.Logf("== %s\nsubject=%q from=%v to=%v date=%v id=%q\nTEXT=%q\nHTML=%.600q\nATT=%+v\nNESTED=%d PROBLEMS=%q", f, m.Subject, m.From, m.To, m.Date, m.MessageID, m.Text[:min(len(m.Text), 700)], m.HTML, m.Attachments[:min(len(m.Attachments), 6)], len(m.Nested), m.Problems)
		for _, n := range m.Nested {
			t.Logf("  nested subject=%q text=%.200q att=%+v", n.Subject, n.Text, n.Attachments)
		}
	}
}

func TestDbgTree(t *testing.T) {
	var dump func(m *Message, ind string)
	dump = func(m *Message, ind string) {
		for _, a := range m.Attachments {
			t.Logf("%s%s %s %q %d cid=%q", ind, a.Path, a.ContentType, a.Filename, a.Size, a.ContentID)
		}
		for _, n := range m.Nested {
			t.Logf("%snested %q text=%.60q", ind, n.Subject, n.Text)
			dump(n, ind+"  ")
		}
	}
	for _, f := range strings.Fields(os.Getenv("DBG")) {
		m := mustParseFile(t, f, Options{})
		t.Logf("== %s text=%.80q html=%d problems=%q", f, m.Text, len(m.HTML), m.Problems)
		dump(m, "  ")
	}
}
