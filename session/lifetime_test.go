package session

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// TestLogoutOutlivesTheRequest: the browser that asked to sign out went
// away (the tab closed, a proxy gave up) before the commit. The sign-out
// must still commit the deletions: the request's context is already
// cancelled when Logout is called, the worst case of a cancel mid-way.
func TestLogoutOutlivesTheRequest(t *testing.T) {
	srv := newTestServer(t, nil, 4, "alice")
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	msgs := mustMessages(t, s)
	if err := s.Delete(context.Background(), msgs[1].UID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	deleted, err := m.Logout(ctx, s)
	if err != nil || deleted != 1 {
		t.Fatalf("Logout() with the browser gone = %d, %v; want 1, nil", deleted, err)
	}
	checkMailbox(t, srv, "alice", 1, 3, 4)
}

// TestLogoutFailureKeepsSession: a sign-out whose commit fails (the server
// refuses QUIT for now) leaves the user signed in with their deletions
// pending, and trying again commits them.
func TestLogoutFailureKeepsSession(t *testing.T) {
	srv := newTestServer(t, nil, 4, "alice")
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	msgs := mustMessages(t, s)
	if err := s.Delete(context.Background(), msgs[0].UID, msgs[2].UID); err != nil {
		t.Fatal(err)
	}
	srv.AddFault(pop3test.Fault{Command: "QUIT", Action: pop3test.FaultTempError})
	if _, err := m.Logout(context.Background(), s); err == nil {
		t.Fatal("Logout() with QUIT refused = nil error, want the failure")
	}
	if n := srv.PendingFaults(); n != 0 {
		t.Fatalf("%d faults did not fire", n)
	}
	checkMailbox(t, srv, "alice", 1, 2, 3, 4)
	if got := mustView(t, s).Pending; len(got) != 2 {
		t.Errorf("Pending() after the failed sign-out = %q, want the 2 deletions kept", got)
	}
	if _, err := s.Messages(context.Background()); err != nil {
		t.Errorf("Messages() after the failed sign-out = %v, want the session still signed in", err)
	}
	deleted, err := m.Logout(context.Background(), s)
	if err != nil || deleted != 2 {
		t.Fatalf("second Logout() = %d, %v; want 2, nil", deleted, err)
	}
	checkMailbox(t, srv, "alice", 2, 4)
	if _, err := m.Logout(context.Background(), s); !errors.Is(err, ErrNoSession) {
		t.Errorf("third Logout() = %v, want ErrNoSession", err)
	}
}

// holdSession starts a request on s that holds the session's turn, as a
// long download does, until release is closed; it returns once the
// request holds it. done closes when the request has ended.
func holdSession(t *testing.T, s *Session, uid string) (release, done chan struct{}) {
	t.Helper()
	release = make(chan struct{})
	holding := make(chan struct{})
	done = make(chan struct{})
	go func() {
		defer close(done)
		s.Retr(context.Background(), uid, func(r io.Reader) error {
			close(holding)
			<-release
			_, err := io.Copy(io.Discard, r)
			return err
		})
	}()
	<-holding
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
		<-done
	})
	return release, done
}

// TestLockWaitHonoursContext: a request that waits for a session busy
// with a download gives up when its own context ends, with ErrBusy.
func TestLockWaitHonoursContext(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice")
	m, _ := newTestManager(t, Config{NoIndex: true})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	msgs := mustMessages(t, s)
	holdSession(t, s, msgs[0].UID)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Messages(ctx); !errors.Is(err, ErrBusy) || !errors.Is(err, context.Canceled) {
		t.Errorf("Messages() while the session is busy, context ended = %v, want ErrBusy and context.Canceled", err)
	}
	if _, err := m.Logout(ctx, s); !errors.Is(err, ErrBusy) {
		t.Errorf("Logout() while the session is busy, context ended = %v, want ErrBusy", err)
	}
}

// TestCloseHonoursItsBudget: a session busy with a request that never ends
// must not hold shutdown beyond its budget, and the other sessions are
// still signed out with their deletions committed.
func TestCloseHonoursItsBudget(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice", "bob")
	m := NewManager(Config{NoIndex: true, Envelope: testEnvelope})
	up := testUpstream(srv.Addr())
	alice := mustLogin(t, m, up, "alice")
	bob := mustLogin(t, m, up, "bob")
	holdSession(t, alice, mustMessages(t, alice)[0].UID)
	if err := bob.Delete(context.Background(), mustMessages(t, bob)[1].UID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	closed := make(chan error, 1)
	go func() { closed <- m.Close(ctx) }()
	// bob's sign-out is the event to wait for; alice's stays blocked.
	eventually(t, "bob's deletion committed", func() bool { return len(srv.Mailbox("bob")) == 2 })
	cancel()
	select {
	case err := <-closed:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Close() = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close() still waits for the busy session 10s after its context ended")
	}
	if _, err := bob.Messages(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Messages() of a session shutdown ended = %v, want ErrClosed", err)
	}
}

// TestTakeoverCarriesDeletions: signing in from a second browser ends the
// first browser's session; deletions that session could not commit (its
// connection is gone, and without that browser's cookie it cannot sign in
// again) are carried over to the new session instead of being lost.
func TestTakeoverCarriesDeletions(t *testing.T) {
	srv := newTestServer(t, nil, 4, "alice")
	m, _ := newTestManager(t, Config{NoIndex: true})
	up := testUpstream(srv.Addr())
	first := mustLogin(t, m, up, "alice")
	msgs := mustMessages(t, first)
	if err := first.Delete(context.Background(), msgs[3].UID); err != nil {
		t.Fatal(err)
	}
	// The first session's connection dies mid-sign-out: its commit fails.
	srv.AddFault(pop3test.Fault{Command: "QUIT", Action: pop3test.FaultDrop})
	second := mustLogin(t, m, up, "alice")
	if n := srv.PendingFaults(); n != 0 {
		t.Fatalf("%d faults did not fire", n)
	}
	if got := mustView(t, second).Pending; len(got) != 1 || got[0] != msgs[3].UID {
		t.Fatalf("Pending() of the new session = %q, want [%s] carried over", got, msgs[3].UID)
	}
	if _, err := first.Messages(context.Background()); !errors.Is(err, ErrNoSession) {
		t.Errorf("first session after the takeover: Messages() = %v, want ErrNoSession", err)
	}
	if _, err := m.Logout(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	checkMailbox(t, srv, "alice", 1, 2, 3)
}

// TestIndexerStepsAsideForBusySession: one user's long download must not
// stop every other user's header index: the indexer of the busy session
// gives back the turn it shares with the others.
func TestIndexerStepsAsideForBusySession(t *testing.T) {
	srv := newTestServer(t, nil, 300, "alice", "bob")
	m, _ := newTestManager(t, Config{IndexAfter: time.Hour}) // indexers start on a search
	up := testUpstream(srv.Addr())
	alice := mustLogin(t, m, up, "alice")
	holdSession(t, alice, mustMessages(t, alice)[0].UID)
	if _, err := alice.Search(SearchQuery{Text: "message"}); err != nil { // her indexer starts, and meets the download
		t.Fatal(err)
	}
	bob := mustLogin(t, m, up, "bob")
	for deadline := time.Now().Add(10 * time.Second); ; {
		r, err := bob.Search(SearchQuery{Text: "message"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Indexed == r.Total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob's index stands at %d of %d while alice downloads", r.Indexed, r.Total)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConcurrentTakeovers signs in to one account from several browsers at
// once: each takeover reads the sessions another sign-in just published,
// which the race detector checks.
func TestConcurrentTakeovers(t *testing.T) {
	srv := newTestServer(t, nil, 2, "alice")
	m, _ := newTestManager(t, Config{NoIndex: true})
	up := testUpstream(srv.Addr())
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := m.Login(context.Background(), up, "alice", testPassword)
			errs <- err
		}()
	}
	ok := 0
	for range 4 {
		err := <-errs
		if err == nil {
			ok++
		} else if !strings.Contains(err.Error(), "IN-USE") {
			t.Errorf("Login() = %v, want success or IN-USE", err)
		}
	}
	if ok == 0 {
		t.Error("no sign-in succeeded")
	}
}

// TestReaperPassesBusySession: a session past its lifetime but busy with a
// download must not hold up the reaper, which the other sessions need; it
// is signed out, its deletions committed, on a round after the download.
func TestReaperPassesBusySession(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice", "bob")
	clock := newFakeClock()
	m, _ := newTestManager(t, Config{Now: clock.Now, MaxLifetime: time.Hour, NoIndex: true})
	up := testUpstream(srv.Addr())
	alice, bob := mustLogin(t, m, up, "alice"), mustLogin(t, m, up, "bob")
	for _, s := range []*Session{alice, bob} {
		if err := s.Delete(context.Background(), mustMessages(t, s)[0].UID); err != nil {
			t.Fatal(err)
		}
	}
	release, done := holdSession(t, alice, mustMessages(t, alice)[1].UID)
	clock.Advance(2 * time.Hour)
	reaped := make(chan struct{})
	go func() { m.reap(); close(reaped) }()
	select {
	case <-reaped:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("reap() still waits for the busy session after 10s")
	}
	checkMailbox(t, srv, "bob", 2, 3)
	checkMailbox(t, srv, "alice", 1, 2, 3)
	close(release)
	<-done
	m.reap()
	checkMailbox(t, srv, "alice", 2, 3)
}
