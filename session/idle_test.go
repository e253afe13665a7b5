package session

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
)

// TestIdleExpiryCommits leaves a session with a pending deletion alone:
// idle expiry must do what sign-out does.
func TestIdleExpiryCommits(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice")
	clock := newFakeClock()
	m, _ := newTestManager(t, Config{Now: clock.Now})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	if err := s.Delete(context.Background(), srv.UIDs("alice")[2]); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	clock.Advance(29 * time.Minute)
	m.reap() // connection idle for longer than ConnIdleTimeout: kept alive
	if got := m.Stats(); got != (Stats{Sessions: 1, Conns: 1}) {
		t.Fatalf("Stats() = %+v, want the session and its connection kept", got)
	}
	if countCommands(srv, "NOOP") == 0 {
		t.Errorf("the idle connection was not kept alive with NOOP")
	}
	clock.Advance(2 * time.Minute)
	m.reap()
	checkMailbox(t, srv, "alice", 1, 2)
	if got := m.Stats(); got != (Stats{}) {
		t.Errorf("Stats() after expiry = %+v, want zero", got)
	}
	if _, err := s.Messages(context.Background()); !errors.Is(err, ErrNoSession) {
		t.Errorf("Messages() after expiry = %v, want ErrNoSession", err)
	}
}

func TestMaxLifetime(t *testing.T) {
	srv := newTestServer(t, nil, 2, "alice")
	clock := newFakeClock()
	m, _ := newTestManager(t, Config{Now: clock.Now, MaxLifetime: time.Hour})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	w := httptest.NewRecorder()
	if err := m.SetCookie(w, s, false); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(w.Result().Cookies()[0])
	for range 3 {
		clock.Advance(20 * time.Minute)
		if _, err := m.FromRequest(req, false); err != nil {
			t.Fatalf("FromRequest() = %v, want the session", err)
		}
	}
	clock.Advance(time.Minute)
	m.reap()
	if _, err := m.FromRequest(req, false); !errors.Is(err, ErrNoSession) {
		t.Fatalf("FromRequest() after MaxLifetime = %v, want ErrNoSession", err)
	}
	if got := m.Stats(); got != (Stats{}) {
		t.Errorf("Stats() = %+v, want zero", got)
	}
}

// TestExpiryWithoutConnection: when the connection is lost, only a request
// (which brings the key) can commit; the reaper can only log the loss.
func TestExpiryWithoutConnection(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice", "bob")
	clock := newFakeClock()
	m, logs := newTestManager(t, Config{Now: clock.Now})
	up := testUpstream(srv.Addr())
	alice, bob := mustLogin(t, m, up, "alice"), mustLogin(t, m, up, "bob")
	w := httptest.NewRecorder()
	if err := m.SetCookie(w, alice, false); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Session{alice, bob} {
		if err := s.Delete(context.Background(), srv.UIDs(s.Username())[0]); err != nil {
			t.Fatalf("Delete() = %v, want nil", err)
		}
		cutConn(t, s)
	}
	clock.Advance(31 * time.Minute)

	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(w.Result().Cookies()[0])
	if _, err := m.FromRequest(req, false); !errors.Is(err, ErrNoSession) {
		t.Fatalf("FromRequest() after IdleTimeout = %v, want ErrNoSession", err)
	}
	m.reap()
	m.wg.Wait() // the sign-out FromRequest started
	checkMailbox(t, srv, "alice", 2, 3)
	checkMailbox(t, srv, "bob", 1, 2, 3)
	if !strings.Contains(logs.String(), "pending deletions were not committed") {
		t.Errorf("the lost deletion of bob was not logged:\n%s", logs)
	}
}

// TestConnIdleClose: an idle connection is closed without QUIT, releasing
// the mailbox lock, unless the session has pending deletions.
func TestConnIdleClose(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice", "bob")
	clock := newFakeClock()
	m, _ := newTestManager(t, Config{Now: clock.Now})
	up := testUpstream(srv.Addr())
	alice, bob := mustLogin(t, m, up, "alice"), mustLogin(t, m, up, "bob")
	if err := bob.Delete(context.Background(), srv.UIDs("bob")[0]); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	clock.Advance(DefaultConnIdleTimeout)
	m.reap()
	if got := m.Stats(); got != (Stats{Sessions: 2, Conns: 1}) {
		t.Fatalf("Stats() = %+v, want 2 sessions, 1 connection", got)
	}

	// Another mail program can now open alice's mailbox, but not bob's.
	other, _ := newTestManager(t, Config{})
	eventually(t, "alice's lock to be released", func() bool {
		s, err := other.Login(context.Background(), up, "alice", testPassword)
		if err == nil {
			other.Logout(context.Background(), s)
		}
		return err == nil
	})
	var perr *pop3.Error
	if _, err := other.Login(context.Background(), up, "bob", testPassword); !errors.As(err, &perr) || !perr.HasCode(pop3.CodeInUse) {
		t.Fatalf("Login(bob) elsewhere = %v, want -ERR [IN-USE]", err)
	}
	checkMailbox(t, srv, "alice", 1, 2, 3)

	// alice's next request signs in again, transparently.
	if got := len(mustMessages(t, alice)); got != 3 {
		t.Errorf("Messages() after the idle close = %d messages, want 3", got)
	}
	if deleted, err := m.Logout(context.Background(), bob); deleted != 1 || err != nil {
		t.Errorf("Logout(bob) = %d, %v, want 1, nil", deleted, err)
	}
	checkMailbox(t, srv, "bob", 2, 3)
}

// TestReaperRuns checks the reaper goroutine on real time.
func TestReaperRuns(t *testing.T) {
	srv := newTestServer(t, &pop3test.Options{LoginDelay: time.Second}, 1, "alice", "bob")
	m, _ := newTestManager(t, Config{ConnIdleTimeout: 50 * time.Millisecond})
	srvNoDelay := newTestServer(t, nil, 1, "carol")
	mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	mustLogin(t, m, testUpstream(srvNoDelay.Addr()), "carol")
	eventually(t, "carol's idle connection to close", func() bool { return m.Stats().Conns == 1 })
	eventually(t, "alice's connection to get NOOPs", func() bool { return countCommands(srv, "NOOP") >= 2 })
	if got := m.Stats(); got != (Stats{Sessions: 2, Conns: 1}) {
		t.Errorf("Stats() = %+v, want 2 sessions, 1 connection (LOGIN-DELAY keeps it)", got)
	}
}
