package session

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
)

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Kind
	}{
		{nil, KindInternal},
		{errors.New("something"), KindInternal},
		{errNoKey, KindInternal},
		{ErrNoSession, KindSignedOut},
		{fmt.Errorf("wrapped: %w", ErrNoSession), KindSignedOut},
		{ErrClosed, KindShuttingDown},
		{fmt.Errorf("%w: %w", ErrBusy, context.DeadlineExceeded), KindSessionBusy},
		{ErrNotFound, KindNotFound},
		{notFoundOr(&pop3.Error{Text: "no such message"}), KindNotFound},
		{&LoginDelayError{RetryAfter: time.Minute}, KindLoginDelay},
		{&pop3.Error{Code: "LOGIN-DELAY"}, KindLoginDelay},
		{ErrTooManyConnections, KindTooManyConnections},
		{&pop3.Error{Code: "AUTH"}, KindWrongPassword},
		{signInError(&pop3.Error{Text: "invalid password"}), KindWrongPassword},
		{signInError(&pop3.Error{Code: "IN-USE"}), KindMailboxBusy},
		{&pop3.Error{Code: "SYS/TEMP"}, KindServerDown},
		{&pop3.Error{Code: "SYS/PERM"}, KindRefused},
		{&pop3.Error{Text: "no"}, KindRefused},
		{fmt.Errorf("%w: UIDL", pop3.ErrNotSupported), KindRefused},
		{&pop3.BrokenError{Err: pop3.ErrMessageTooLarge}, KindTooLarge},
		{&pop3.BrokenError{Err: fmt.Errorf("%w (UIDL over 1000 lines)", pop3.ErrListTooLarge)}, KindListTooLarge},
		{&pop3.BrokenError{Err: &pop3.ProtocolError{Msg: "bad"}}, KindServerDown},
		{context.DeadlineExceeded, KindServerDown},
		{os.ErrDeadlineExceeded, KindServerDown},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, KindServerDown},
		{&net.OpError{Op: "dial", Err: fmt.Errorf("%w: 10.0.0.1", ErrForbiddenAddress)}, KindForbiddenServer},
		{x509.UnknownAuthorityError{}, KindCertificate},
		{pop3.ErrNoSTLS, KindNoTLS},
		{pop3.ErrInsecure, KindNoTLS},
		{&kindError{KindUnreachable, x509.UnknownAuthorityError{}}, KindUnreachable},
	} {
		if got := KindOf(tc.err); got != tc.want {
			t.Errorf("KindOf(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestLoginKinds: what sign-ins against a real server come to.
func TestLoginKinds(t *testing.T) {
	ctx := context.Background()
	t.Run("wrong password", func(t *testing.T) {
		srv := newTestServer(t, nil, 1, "alice")
		m, _ := newTestManager(t, Config{})
		_, err := m.Login(ctx, testUpstream(srv.Addr()), "alice", "wrong")
		if got := KindOf(err); got != KindWrongPassword {
			t.Errorf("KindOf(Login(wrong password)) = %v (%v), want %v", got, err, KindWrongPassword)
		}
	})
	t.Run("wrong password, server without codes", func(t *testing.T) {
		srv := newTestServer(t, &pop3test.Options{NoRespCodes: true}, 1, "alice")
		m, _ := newTestManager(t, Config{})
		_, err := m.Login(ctx, testUpstream(srv.Addr()), "alice", "wrong")
		if got := KindOf(err); got != KindWrongPassword {
			t.Errorf("KindOf(Login(wrong password)) = %v (%v), want %v", got, err, KindWrongPassword)
		}
		var perr *pop3.Error
		if !errors.As(err, &perr) {
			t.Errorf("Login(wrong password) = %v, want it to wrap the -ERR", err)
		}
	})
	t.Run("mailbox in use", func(t *testing.T) {
		srv := newTestServer(t, nil, 1, "alice")
		m, _ := newTestManager(t, Config{})
		up := testUpstream(srv.Addr())
		other, err := pop3.Dial(ctx, up.Addr, &up.Options)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Quit(ctx)
		if err := other.Login(ctx, "alice", testPassword); err != nil {
			t.Fatal(err)
		}
		_, err = m.Login(ctx, up, "alice", testPassword)
		if got := KindOf(err); got != KindMailboxBusy {
			t.Errorf("KindOf(Login(in use)) = %v (%v), want %v", got, err, KindMailboxBusy)
		}
	})
	t.Run("no STLS", func(t *testing.T) {
		srv := newTestServer(t, &pop3test.Options{NoSTLS: true}, 1, "alice")
		m, _ := newTestManager(t, Config{})
		up := testUpstream(srv.Addr())
		up.Options.Security = pop3.SecurityStartTLS
		_, err := m.Login(ctx, up, "alice", testPassword)
		if got := KindOf(err); got != KindNoTLS {
			t.Errorf("KindOf(Login(no STLS)) = %v (%v), want %v", got, err, KindNoTLS)
		}
	})
	t.Run("closed port", func(t *testing.T) {
		m, _ := newTestManager(t, Config{})
		_, err := m.Login(ctx, testUpstream("127.0.0.1:1"), "alice", testPassword)
		if got := KindOf(err); got != KindServerDown {
			t.Errorf("KindOf(Login(closed port)) = %v (%v), want %v", got, err, KindServerDown)
		}
	})
	t.Run("user-named server", func(t *testing.T) {
		srv := newTestServer(t, &pop3test.Options{NoSTLS: true}, 1, "alice")
		for _, tc := range []struct {
			name string
			up   Upstream
		}{
			{"closed port", testUpstream("127.0.0.1:1")},
			{"forbidden address", Upstream{Addr: srv.Addr(), Options: pop3.Options{DialContext: GuardedDialer(nil)}}},
			{"no STLS", Upstream{Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityStartTLS}}},
		} {
			m, _ := newTestManager(t, Config{})
			tc.up.UserNamed = true
			_, err := m.Login(ctx, tc.up, "alice", testPassword)
			if got := KindOf(err); got != KindUnreachable {
				t.Errorf("KindOf(Login(user-named, %s)) = %v (%v), want %v", tc.name, got, err, KindUnreachable)
			}
		}
		m, _ := newTestManager(t, Config{})
		up := testUpstream(srv.Addr())
		up.UserNamed = true
		if _, err := m.Login(ctx, up, "alice", "wrong"); KindOf(err) != KindWrongPassword {
			t.Errorf("KindOf(Login(user-named, wrong password)) = %v (%v), want %v", KindOf(err), err, KindWrongPassword)
		}
	})
	t.Run("shutting down", func(t *testing.T) {
		srv := newTestServer(t, nil, 1, "alice")
		m, _ := newTestManager(t, Config{})
		m.Close(ctx)
		_, err := m.Login(ctx, testUpstream(srv.Addr()), "alice", testPassword)
		if got := KindOf(err); got != KindShuttingDown {
			t.Errorf("KindOf(Login() after Close) = %v (%v), want %v", got, err, KindShuttingDown)
		}
	})
}
