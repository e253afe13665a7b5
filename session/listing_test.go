package session

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
)

// TestLoginFloods: a server whose CAPA, UIDL or LIST is over the budget
// fails the sign-in with KindListTooLarge, and leaves no connection open.
func TestLoginFloods(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts pop3test.Options
	}{
		{"CAPA", pop3test.Options{CAPAFlood: pop3test.Flood{Lines: 5000}}},
		{"UIDL", pop3test.Options{UIDLFlood: pop3test.Flood{Lines: 5000}}},
		{"LIST", pop3test.Options{LISTFlood: pop3test.Flood{Lines: 5000}}},
		{"UIDL of long lines", pop3test.Options{UIDLFlood: pop3test.Flood{Lines: 500, LineLength: 1000}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, &tc.opts, 2, "alice")
			m, _ := newTestManager(t, Config{})
			up := testUpstream(srv.Addr())
			up.Options.MaxListLines = 1000 // and so 80,000 octets
			_, err := m.Login(context.Background(), up, "alice", testPassword)
			if !errors.Is(err, pop3.ErrListTooLarge) || KindOf(err) != KindListTooLarge {
				t.Fatalf("Login() = %v (kind %v), want ErrListTooLarge of KindListTooLarge", err, KindOf(err))
			}
			if got := m.Stats(); got != (Stats{}) {
				t.Errorf("Stats() = %+v, want no session and no connection", got)
			}
			eventually(t, "the server to see the connection closed", func() bool { return srv.ActiveConns() == 0 })
		})
	}
}

// TestLoginFloodMemory signs in to a server that answers CAPA with 15,000
// lines of 65,000 octets (975 MB, each line under the line cap), with the
// default budgets. The sign-in must fail having allocated no more than
// maxAlloc in all (the server's side included) and keep nothing.
func TestLoginFloodMemory(t *testing.T) {
	const maxAlloc = 8 << 20
	srv := newTestServer(t, &pop3test.Options{CAPAFlood: pop3test.Flood{Lines: 15000, LineLength: 65000}}, 2, "alice")
	m, _ := newTestManager(t, Config{})
	up := testUpstream(srv.Addr())
	up.Options.Timeout = time.Minute

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := m.Login(context.Background(), up, "alice", testPassword)
	runtime.ReadMemStats(&after)
	if KindOf(err) != KindListTooLarge {
		t.Fatalf("Login() = %v (kind %v), want KindListTooLarge", err, KindOf(err))
	}
	eventually(t, "the server to see the connection closed", func() bool { return srv.ActiveConns() == 0 })
	allocated := after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("sign-in against a 975 MB CAPA: %d KiB allocated, %d KiB kept", allocated>>10, kept>>10)
	if allocated > maxAlloc {
		t.Errorf("the sign-in allocated %d bytes, want at most %d", allocated, maxAlloc)
	}
	if kept > maxAlloc {
		t.Errorf("the failed sign-in kept %d bytes, want at most %d", kept, maxAlloc)
	}
}

// TestLoginDeadlineMidListing: a server that stops in the middle of its
// UIDL listing holds the sign-in only until ctx's deadline, not for the
// connection's much longer timeout.
func TestLoginDeadlineMidListing(t *testing.T) {
	srv := newTestServer(t, &pop3test.Options{UIDLFlood: pop3test.Flood{Lines: 3, Unterminated: true}}, 2, "alice")
	m, _ := newTestManager(t, Config{})
	up := testUpstream(srv.Addr())
	up.Options.Timeout = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := m.Login(ctx, up, "alice", testPassword)
		done <- err
	}()
	eventually(t, "the server to get UIDL", func() bool { return countCommands(srv, "UIDL") == 1 })
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) || KindOf(err) != KindServerDown {
			t.Fatalf("Login() = %v (kind %v), want context.DeadlineExceeded of KindServerDown", err, KindOf(err))
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Login() still waiting 30s after its 300ms deadline")
	}
	if got := m.Stats(); got != (Stats{}) {
		t.Errorf("Stats() = %+v, want no session and no connection", got)
	}
	eventually(t, "the server to see the connection closed", func() bool { return srv.ActiveConns() == 0 })
}
