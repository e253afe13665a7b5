package session

import (
	"context"
	"slices"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// TestDeleteSurvivesDrop loses the connection around DELE and QUIT: the
// deletion must hold and Logout must commit exactly it.
func TestDeleteSurvivesDrop(t *testing.T) {
	tests := []struct {
		name  string
		fault pop3test.Fault
		// between runs after Delete, before Logout.
		between func(t *testing.T, s *Session)
		// deleteFails: Delete's one retry meets the fault too.
		deleteFails bool
	}{
		{name: "drop before DELE", fault: pop3test.Fault{Command: "DELE", Action: pop3test.FaultDrop}},
		{name: "drop twice on DELE", fault: pop3test.Fault{Command: "DELE", Times: 2, Action: pop3test.FaultDrop}, deleteFails: true},
		{name: "drop during DELE", fault: pop3test.Fault{Command: "DELE", Action: pop3test.FaultDropMidResponse}},
		{name: "stall on DELE", fault: pop3test.Fault{Command: "DELE", Action: pop3test.FaultStall}},
		{name: "drop after DELE", fault: pop3test.Fault{Command: "TOP", Action: pop3test.FaultDrop}, between: func(t *testing.T, s *Session) {
			msgs := mustMessages(t, s)
			envs, err := s.Envelopes(context.Background(), uidsOf(msgs))
			if err != nil || len(envs) != len(msgs) || envs[0].Subject == "" {
				t.Fatalf("Envelopes() = %d entries, %v; want %d with subjects, nil", len(envs), err, len(msgs))
			}
		}},
		{name: "drop before QUIT", fault: pop3test.Fault{Command: "QUIT", Action: pop3test.FaultDrop}},
		{name: "drop during QUIT", fault: pop3test.Fault{Command: "QUIT", Action: pop3test.FaultDropMidResponse}},
		{name: "connection closed", between: func(t *testing.T, s *Session) {
			cutConn(t, s)
			if got := len(mustMessages(t, s)); got != 2 {
				t.Fatalf("Messages() after reconnect = %d messages, want 2", got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, nil, 3, "alice")
			up := testUpstream(srv.Addr())
			up.Options.Timeout = time.Second // for the stall
			m, _ := newTestManager(t, Config{})
			s := mustLogin(t, m, up, "alice")
			srv.SetFault(tc.fault)
			uid := srv.UIDs("alice")[1]
			if err := s.Delete(context.Background(), uid); (err != nil) != tc.deleteFails {
				t.Fatalf("Delete() = %v, want error %t", err, tc.deleteFails)
			}
			if got := mustView(t, s).Pending; !slices.Equal(got, []string{uid}) {
				t.Fatalf("Pending() = %v, want %s", got, uid)
			}
			if tc.between != nil {
				tc.between(t, s)
			}
			if got := uidsOf(mustMessages(t, s)); slices.Contains(got, uid) {
				t.Fatalf("Messages() = %v, lists the deleted %s", got, uid)
			}
			deleted, err := m.Logout(context.Background(), s)
			if deleted != 1 || err != nil {
				t.Fatalf("Logout() = %d, %v, want 1, nil", deleted, err)
			}
			checkMailbox(t, srv, "alice", 1, 3)
			if tc.fault.Action != 0 && srv.PendingFaults() != 0 {
				t.Errorf("the fault did not fire")
			}
		})
	}
}

// TestProbeReconnects: a request NOOPs a connection idle for ProbeAfter
// before it uses it, and when the server has closed it (here explicitly: it
// drops the connection when the NOOP arrives), signs in again and marks
// the deletion again. The clock is fake: idleness is what the test says.
func TestProbeReconnects(t *testing.T) {
	srv := newTestServer(t, nil, 3, "alice")
	clock := newFakeClock()
	m, _ := newTestManager(t, Config{Now: clock.Now, ProbeAfter: time.Minute})
	s := mustLogin(t, m, testUpstream(srv.Addr()), "alice")
	uid := srv.UIDs("alice")[0]
	if err := s.Delete(context.Background(), uid); err != nil {
		t.Fatalf("Delete() = %v, want nil", err)
	}
	srv.SetFault(pop3test.Fault{Command: "NOOP", Action: pop3test.FaultDrop})

	clock.Advance(time.Minute - time.Second)
	mustMessages(t, s)
	if n := countCommands(srv, "NOOP"); n != 0 {
		t.Fatalf("server saw %d NOOP before ProbeAfter, want 0", n)
	}

	clock.Advance(time.Minute) // since that request
	if got := len(mustMessages(t, s)); got != 2 {
		t.Fatalf("Messages() = %d messages, want 2", got)
	}
	if srv.PendingFaults() != 0 {
		t.Fatalf("no NOOP probed the idle connection")
	}
	if srv.Logins() != 2 {
		t.Errorf("server saw %d logins, want 2", srv.Logins())
	}

	// Sign-out meets a dead connection too.
	srv.SetFault(pop3test.Fault{Command: "NOOP", Action: pop3test.FaultDrop})
	clock.Advance(time.Minute)
	if deleted, err := m.Logout(context.Background(), s); deleted != 1 || err != nil {
		t.Fatalf("Logout() = %d, %v, want 1, nil", deleted, err)
	}
	if srv.PendingFaults() != 0 || srv.Logins() != 3 {
		t.Errorf("Logout() probed %t and signed in %d more times, want true and 1", srv.PendingFaults() == 0, srv.Logins()-2)
	}
	checkMailbox(t, srv, "alice", 2, 3)
}
