package session

import "testing"

// TestSearchKey checks that the key Search builds from an entry is the
// fields folded by fold, for ASCII, other scripts, invalid UTF-8 and NUL.
func TestSearchKey(t *testing.T) {
	for _, env := range []Envelope{
		{FromName: "Jürgen MÜLLER", FromAddr: "J.Mueller@Example.DE", Subject: "Grüße aus BERLIN", To: "Anna <ANNA@example.org>"},
		{FromName: "ΑΘΗΝΑ", FromAddr: "athina@example.gr", Subject: "İstanbul ẞ", To: ""},
		{FromText: "Plain Text <X@Y>", Subject: "NO ADDRESS"},
		{FromName: "Bad \xc3", FromAddr: "\xa9x@EXAMPLE.org", Subject: "\xff\xfeHi", To: "a\x00B"},
		{FromName: "Nul\x00Name", FromAddr: "A@B", Subject: "S\xc3\x00\xa9", To: "T"},
	} {
		var x index
		fillIndex(&x, nil, 1, func(int) Envelope { return env })
		name, addr := env.FromName, env.FromAddr
		if name == "" && addr == "" {
			name = env.FromText
		}
		want := fold(name+" "+addr) + "\x00" + fold(env.To) + "\x00" + fold(env.Subject)
		if got := string(x.searchKey(nil, &x.entries[0])); got != want {
			t.Errorf("searchKey(%+v) = %q, want %q", env, got, want)
		}
	}
}
