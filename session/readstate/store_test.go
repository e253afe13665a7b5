package readstate

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

var (
	alice = Account{Server: "pop.example-isp.test:995", User: "alice.liddell"}
	bob   = Account{Server: "pop.example-isp.test:995", User: "bob"}
)

// newTestBolt opens a Bolt store in a temporary directory.
func newTestBolt(tb testing.TB) (*Bolt, string) {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "data")
	s, err := Open(dir)
	if err != nil {
		tb.Fatalf("Open() = %v, want nil", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, dir
}

func mustRead(tb testing.TB, s Store, a Account) []string {
	tb.Helper()
	set, err := s.Read(a)
	if err != nil {
		tb.Fatalf("Read() = %v, want nil", err)
	}
	return slices.Sorted(maps.Keys(set))
}

// TestStores runs the same expectations against both implementations.
func TestStores(t *testing.T) {
	for name, newStore := range map[string]func(t *testing.T) Store{
		"memory": func(*testing.T) Store { return NewMemory() },
		"bolt":   func(t *testing.T) Store { s, _ := newTestBolt(t); return s },
	} {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			if got := mustRead(t, s, alice); len(got) != 0 {
				t.Errorf("Read() of a new account = %v, want none", got)
			}
			if err := s.MarkRead(alice, "u1", "u2", "u3"); err != nil {
				t.Fatalf("MarkRead() = %v", err)
			}
			if err := s.MarkRead(alice, "u2"); err != nil {
				t.Fatalf("MarkRead() again = %v", err)
			}
			if got, want := mustRead(t, s, alice), []string{"u1", "u2", "u3"}; !slices.Equal(got, want) {
				t.Errorf("Read() = %v, want %v", got, want)
			}
			if got := mustRead(t, s, bob); len(got) != 0 {
				t.Errorf("Read() of another user = %v, want none", got)
			}
			if got := mustRead(t, s, Account{Server: "other.test:995", User: alice.User}); len(got) != 0 {
				t.Errorf("Read() of the same user on another server = %v, want none", got)
			}
			if got := mustRead(t, s, Account{Server: "POP.Example-ISP.test:995", User: alice.User}); len(got) != 3 {
				t.Errorf("Read() with the host in capitals = %v, want the same account", got)
			}
			if err := s.MarkUnread(alice, "u2", "nope"); err != nil {
				t.Fatalf("MarkUnread() = %v", err)
			}
			if got, want := mustRead(t, s, alice), []string{"u1", "u3"}; !slices.Equal(got, want) {
				t.Errorf("Read() after MarkUnread = %v, want %v", got, want)
			}
			if err := s.MarkUnread(bob, "u1"); err != nil {
				t.Errorf("MarkUnread() of an unknown account = %v, want nil", err)
			}
			if err := s.Prune(alice, []string{"u3", "u9"}); err != nil {
				t.Fatalf("Prune() = %v", err)
			}
			if got, want := mustRead(t, s, alice), []string{"u3"}; !slices.Equal(got, want) {
				t.Errorf("Read() after Prune = %v, want %v", got, want)
			}
			if err := s.Prune(alice, nil); err != nil {
				t.Fatalf("Prune(nil) = %v", err)
			}
			if got := mustRead(t, s, alice); len(got) != 0 {
				t.Errorf("Read() after pruning everything = %v, want none", got)
			}
			if err := s.Prune(bob, nil); err != nil {
				t.Errorf("Prune() of an unknown account = %v, want nil", err)
			}
		})
	}
}

// TestBoltReopen: marks survive closing and opening the store again, the
// key file is reused, and files are private to the user.
func TestBoltReopen(t *testing.T) {
	s, dir := newTestBolt(t)
	if err := s.MarkRead(alice, "1234.abcd", "1235.abce"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatalf("Open() again = %v", err)
	}
	defer s2.Close()
	if got, want := mustRead(t, s2, alice), []string{"1234.abcd", "1235.abce"}; !slices.Equal(got, want) {
		t.Errorf("Read() after reopening = %v, want %v", got, want)
	}
	for name, want := range map[string]os.FileMode{".": 0o700, keyFile: 0o600, dbFile: 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got&^want != 0 {
			t.Errorf("mode of %s = %v, want at most %v", name, got, want)
		}
	}
}

// TestBoltNewKey: with the key file gone, the old marks cannot be found:
// the key is what ties an account to its entry.
func TestBoltNewKey(t *testing.T) {
	s, dir := newTestBolt(t)
	s.MarkRead(alice, "u1")
	s.Close()
	os.Remove(filepath.Join(dir, keyFile))
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := mustRead(t, s2, alice); len(got) != 0 {
		t.Errorf("Read() under a new key = %v, want none", got)
	}
}

// TestBoltBadKeyFile: a damaged key file is an error, not a silent new key.
func TestBoltBadKeyFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, keyFile), []byte("short"), 0o600)
	if s, err := Open(dir); err == nil {
		s.Close()
		t.Fatalf("Open() with a 5-byte key file = nil, want an error")
	}
}

// TestBoltFileHoldsNoNames: the database holds the UIDs but neither the
// user name nor the server in clear.
func TestBoltFileHoldsNoNames(t *testing.T) {
	s, dir := newTestBolt(t)
	if err := s.MarkRead(alice, "UIDL-0001"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := os.ReadFile(filepath.Join(dir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(db, []byte("UIDL-0001")) {
		t.Fatalf("database does not contain the UID; the test reads the wrong file")
	}
	for _, secret := range []string{"alice", "liddell", "example-isp", "pop.", ":995"} {
		if bytes.Contains(bytes.ToLower(db), []byte(secret)) {
			t.Errorf("database contains %q in clear", secret)
		}
	}
}

// TestConcurrentUse: many goroutines marking, reading and pruning at once
// (run with -race) leave every account with exactly its own marks.
func TestConcurrentUse(t *testing.T) {
	for name, s := range map[string]Store{"memory": NewMemory(), "bolt": func() Store { s, _ := newTestBolt(t); return s }()} {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					a := Account{Server: "pop.test:995", User: fmt.Sprint("user", g)}
					for i := range 20 {
						uid := fmt.Sprint("m", i)
						if err := s.MarkRead(a, uid); err != nil {
							t.Errorf("MarkRead() = %v", err)
							return
						}
						if _, err := s.Read(a); err != nil {
							t.Errorf("Read() = %v", err)
						}
						if i%5 == 4 {
							s.MarkUnread(a, uid)
						}
					}
					s.Prune(a, []string{"m0", "m1", "m4", "m19"})
				})
			}
			wg.Wait()
			for g := range 8 {
				a := Account{Server: "pop.test:995", User: fmt.Sprint("user", g)}
				if got, want := mustRead(t, s, a), []string{"m0", "m1"}; !slices.Equal(got, want) {
					t.Errorf("Read(user%d) = %v, want %v", g, got, want)
				}
			}
		})
	}
}
