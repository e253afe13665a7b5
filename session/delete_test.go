package session

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"popgate/pop3/pop3test"
)

func TestDeleteLogout(t *testing.T) {
	srv := newTestServer(t, nil, 4, "alice")
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	ctx := context.Background()
	uids := srv.UIDs("alice")

	if err := s.Delete(ctx, uids[1], "no-such-uid"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete(unknown) = %v, want ErrNotFound", err)
	}
	if got := mustView(t, s).Pending; len(got) != 0 {
		t.Fatalf("Pending() after a refused Delete = %v, want none", got)
	}
	if err := s.Delete(ctx, uids[3], uids[1]); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	if err := s.Delete(ctx, uids[1]); err != nil {
		t.Fatalf("Delete() of a pending UID = %v, want nil", err)
	}
	if got, want := mustView(t, s).Pending, []string{uids[1], uids[3]}; !slices.Equal(got, want) {
		t.Errorf("Pending() = %v, want %v", got, want)
	}
	if got, want := uidsOf(mustMessages(t, s)), []string{uids[0], uids[2]}; !slices.Equal(got, want) {
		t.Errorf("Messages() = %v, want %v", got, want)
	}
	if err := s.Retr(ctx, uids[1], func(io.Reader) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("Retr(pending) = %v, want ErrNotFound", err)
	}
	checkMailbox(t, srv, "alice", 1, 2, 3, 4) // nothing committed before QUIT

	deleted, err := m.Logout(ctx, s)
	if deleted != 2 || err != nil {
		t.Fatalf("Logout() = %d, %v, want 2, nil", deleted, err)
	}
	checkMailbox(t, srv, "alice", 1, 3)
	if got := m.Stats(); got != (Stats{}) {
		t.Errorf("Stats() after Logout = %+v, want zero", got)
	}
	if _, err := m.Logout(ctx, s); !errors.Is(err, ErrNoSession) {
		t.Errorf("second Logout() = %v, want ErrNoSession", err)
	}
	if _, err := s.Messages(ctx); !errors.Is(err, ErrNoSession) {
		t.Errorf("Messages() after Logout = %v, want ErrNoSession", err)
	}
	if s.st.sealed != nil {
		t.Errorf("the sealed password outlived Logout")
	}
}

func TestUndo(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice")
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	ctx := context.Background()
	uids := srv.UIDs("alice")

	if err := s.Delete(ctx, uids[0], uids[2]); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	if err := s.Undo(ctx); err != nil {
		t.Fatalf("Undo() = %v, want nil", err)
	}
	if got := mustView(t, s).Pending; len(got) != 0 {
		t.Errorf("Pending() after Undo = %v, want none", got)
	}
	if got := uidsOf(mustMessages(t, s)); !slices.Equal(got, uids) {
		t.Errorf("Messages() after Undo = %v, want %v", got, uids)
	}
	// An Undo whose RSET is lost closes the connection instead.
	if err := s.Delete(ctx, uids[1]); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	srv.SetFault(pop3test.Fault{Command: "RSET", Action: pop3test.FaultDrop})
	if err := s.Undo(ctx); err != nil {
		t.Fatalf("Undo() with RSET dropped = %v, want nil", err)
	}
	if got := len(mustMessages(t, s)); got != 3 {
		t.Errorf("Messages() = %d messages, want 3", got)
	}
	if deleted, err := m.Logout(ctx, s); deleted != 0 || err != nil {
		t.Fatalf("Logout() = %d, %v, want 0, nil", deleted, err)
	}
	checkMailbox(t, srv, "alice", 1, 2, 3)
}

func TestRefresh(t *testing.T) {
	srv := newTestServer(t, &pop3test.Options{NoLock: true}, 3, "alice")
	m, _ := newTestManager(t, Config{})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	ctx := context.Background()
	uids := srv.UIDs("alice")

	if err := s.Delete(ctx, uids[0], uids[1]); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	if err := srv.Deliver("alice", testMsg(4)); err != nil {
		t.Fatal(err)
	}
	if got := len(mustMessages(t, s)); got != 1 {
		t.Fatalf("Messages() before Refresh = %d messages, want 1 (snapshot)", got)
	}
	// Another mail program removes uids[1] meanwhile.
	other := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	if err := other.Delete(ctx, uids[1]); err != nil {
		t.Fatal(err)
	}
	if n, err := m.Logout(ctx, other); n != 1 || err != nil {
		t.Fatalf("other Logout() = %d, %v, want 1, nil", n, err)
	}

	if err := s.Refresh(ctx); err != nil {
		t.Fatalf("Refresh() = %v, want nil", err)
	}
	all := srv.UIDs("alice")
	if got, want := uidsOf(mustMessages(t, s)), []string{all[1], all[2]}; !slices.Equal(got, want) {
		t.Errorf("Messages() after Refresh = %v, want %v", got, want)
	}
	if got, want := mustView(t, s).Pending, []string{uids[0]}; !slices.Equal(got, want) {
		t.Errorf("Pending() after Refresh = %v, want %v", got, want)
	}
	if deleted, err := m.Logout(ctx, s); deleted != 1 || err != nil {
		t.Fatalf("Logout() = %d, %v, want 1, nil", deleted, err)
	}
	checkMailbox(t, srv, "alice", 3, 4)
}
