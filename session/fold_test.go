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
		e := newEntry("uid", 1, env)
		n, a := int(e.nameLen), int(e.nameLen)+int(e.addrLen)
		j := a + int(e.subjLen)
		want := fold(e.text[:n]+" "+e.text[n:a]) + "\x00" + fold(e.text[j:]) + "\x00" + fold(e.text[a:j])
		if got := string(e.searchKey(nil)); got != want {
			t.Errorf("searchKey(%+v) = %q, want %q", env, got, want)
		}
	}
}
