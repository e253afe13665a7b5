package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// TestConcurrentSession hammers one session from several goroutines, as
// browser tabs do, while the server drops connections now and then: no
// request may see another's replies, and the deletion must hold.
func TestConcurrentSession(t *testing.T) {
	srv := newTestServer(t, nil, 6, "alice")
	m, _ := newTestManager(t, Config{ProbeAfter: time.Millisecond, NoIndex: true}) // TOP faults are for Headers
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	uids := srv.UIDs("alice")
	ctx := context.Background()
	if err := s.Delete(ctx, uids[5]); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	// One fault at a time, so that no request meets two: it retries once.
	srv.SetFault(pop3test.Fault{Command: "RETR", After: 7, Action: pop3test.FaultDrop},
		pop3test.Fault{Command: "TOP", After: 5, Action: pop3test.FaultDropMidResponse},
		pop3test.Fault{Command: "NOOP", After: 30, Action: pop3test.FaultDrop})

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 6 {
		wg.Go(func() {
			for i := range 20 {
				n := (g + i) % 5
				switch (g + i) % 4 {
				case 0, 1:
					var got []byte
					err := s.Retr(ctx, uids[n], func(r io.Reader) error {
						var err error
						got, err = io.ReadAll(r)
						return err
					})
					if err != nil {
						errs <- fmt.Errorf("Retr(%d) = %w", n+1, err)
					} else if !bytes.Equal(got, testMsg(n+1)) {
						errs <- fmt.Errorf("Retr(%d) = %q, want message %d", n+1, got, n+1)
					}
				case 2:
					envs, err := s.Envelopes(ctx, uids)
					if err != nil {
						errs <- fmt.Errorf("Envelopes() = %w", err)
					} else if want := fmt.Sprintf("message %d", n+1); len(envs) != len(uids) || envs[n].Subject != want {
						errs <- fmt.Errorf("Envelopes() = %d entries, subject %q for message %d", len(envs), envs[n].Subject, n+1)
					}
				case 3:
					msgs, err := s.Messages(ctx)
					if err != nil {
						errs <- fmt.Errorf("Messages() = %w", err)
					} else if got := uidsOf(msgs); !slices.Equal(got, uids[:5]) {
						errs <- fmt.Errorf("Messages() = %v, want %v", got, uids[:5])
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if srv.Logins() < 2 {
		t.Errorf("server saw %d logins; the faults did not bite", srv.Logins())
	}
	if n, err := m.Logout(ctx, s); n != 1 || err != nil {
		t.Fatalf("Logout() = %d, %v, want 1, nil", n, err)
	}
	checkMailbox(t, srv, "alice", 1, 2, 3, 4, 5)
}

// TestManySessions signs many users in and out at once.
func TestManySessions(t *testing.T) {
	var users []string
	for i := range 40 {
		users = append(users, fmt.Sprintf("user%02d", i))
	}
	srv := newTestServer(t, nil, 3, users...)
	m, _ := newTestManager(t, Config{})
	up := testUpstream(srv.Addr())
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			s, err := m.Login(ctx, up, u, testPassword)
			if err != nil {
				t.Errorf("Login(%s) = %v", u, err)
				return
			}
			if err := s.Delete(ctx, srv.UIDs(u)[1]); err != nil {
				t.Errorf("Delete(%s) = %v", u, err)
			}
			if n, err := m.Logout(ctx, s); n != 1 || err != nil {
				t.Errorf("Logout(%s) = %d, %v, want 1, nil", u, n, err)
			}
		})
	}
	wg.Wait()
	for _, u := range users {
		checkMailbox(t, srv, u, 1, 3)
	}
	if got := m.Stats(); got != (Stats{}) {
		t.Errorf("Stats() = %+v, want zero", got)
	}
}

func TestRetrHeadersDo(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice")
	m, _ := newTestManager(t, Config{NoIndex: true}) // it counts TOP
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	uids := srv.UIDs("alice")
	ctx := context.Background()

	envs, err := s.Envelopes(ctx, []string{uids[0], "unknown", uids[2], uids[0]})
	if err != nil || len(envs) != 4 {
		t.Fatalf("Envelopes() = %d entries, %v, want 4, nil", len(envs), err)
	}
	var subjects []string
	for _, e := range envs {
		subjects = append(subjects, e.Subject)
	}
	if want := []string{"message 1", "", "message 3", "message 1"}; !slices.Equal(subjects, want) {
		t.Errorf("Envelopes() subjects = %q, want %q", subjects, want)
	}
	if got := countCommands(srv, "TOP"); got != 2 {
		t.Errorf("Envelopes() of 2 known UIDs sent TOP %d times, want 2", got)
	}
	tops := countCommands(srv, "TOP")
	if _, err := s.Envelopes(ctx, uids[:1]); err != nil || countCommands(srv, "TOP") != tops {
		t.Errorf("Envelopes() of an indexed UID = %v, sent TOP again: %t", err, countCommands(srv, "TOP") != tops)
	}

	if err := s.Retr(ctx, "unknown", func(io.Reader) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("Retr(unknown) = %v, want ErrNotFound", err)
	}
	boom := errors.New("boom")
	if err := s.Retr(ctx, uids[1], func(io.Reader) error { return boom }); err != boom {
		t.Errorf("Retr() with failing fn = %v, want fn's error", err)
	}
	// A connection that dies before RETR is replaced; the message arrives.
	srv.SetFault(pop3test.Fault{Command: "RETR", Action: pop3test.FaultDrop})
	var got []byte
	if err := s.Retr(ctx, uids[1], func(r io.Reader) error { got, err = io.ReadAll(r); return err }); err != nil || !bytes.Equal(got, testMsg(2)) {
		t.Errorf("Retr() after a drop = %q, %v, want message 2", got, err)
	}
	// One that dies while fn reads is not retried.
	srv.SetFault(pop3test.Fault{Command: "RETR", Action: pop3test.FaultDropMidResponse})
	calls := 0
	err = s.Retr(ctx, uids[1], func(r io.Reader) error { calls++; _, err := io.ReadAll(r); return err })
	if err == nil || calls != 1 {
		t.Errorf("Retr() dropped mid-message = %v after %d calls of fn, want an error after 1", err, calls)
	}
}

func TestClose(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice", "bob")
	m := NewManager(Config{Logger: slog.New(slog.DiscardHandler), Envelope: testEnvelope})
	up := testUpstream(srv.Addr())
	ctx := context.Background()
	for _, u := range []string{"alice", "bob"} {
		s := mustLogin(t, m, up, u)
		if err := s.Delete(ctx, srv.UIDs(u)[0]); err != nil {
			t.Fatalf("Delete() = %v, want nil", err)
		}
	}
	closeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := m.Close(closeCtx); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	checkMailbox(t, srv, "alice", 2, 3)
	checkMailbox(t, srv, "bob", 2, 3)
	if _, err := m.Login(ctx, up, "alice", testPassword); !errors.Is(err, ErrClosed) {
		t.Errorf("Login() after Close = %v, want ErrClosed", err)
	}
	if got := m.Stats(); got != (Stats{}) {
		t.Errorf("Stats() after Close = %+v, want zero", got)
	}
	if err := m.Close(ctx); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
}
