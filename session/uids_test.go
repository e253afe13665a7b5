package session

import "testing"

func TestUIDIndex(t *testing.T) {
	msgs := []Message{{UID: "c"}, {UID: "a"}, {UID: "b2"}, {UID: "b"}}
	x := newUIDIndex(msgs)
	for want, m := range msgs {
		if got, ok := x.lookup(m.UID); !ok || got != want {
			t.Errorf("lookup(%q) = %d, %v, want %d, true", m.UID, got, ok, want)
		}
	}
	for _, uid := range []string{"", "0", "b1", "d"} {
		if x.has(uid) {
			t.Errorf("has(%q) = true, want false", uid)
		}
	}
	if (uidIndex{}).has("a") {
		t.Error("uidIndex{}.has(\"a\") = true, want false")
	}
}
