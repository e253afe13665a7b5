package session

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrNoSession is returned for a missing, invalid or expired cookie
	// and by every method of a Session that was signed out or expired.
	ErrNoSession = errors.New("session: no session")
	// ErrNotFound is returned for a UID that is not in the session's
	// snapshot, or that is pending deletion.
	ErrNotFound = errors.New("session: message not found")
	// ErrTooManyConnections is returned when Config.MaxConns connections are
	// open and none of them can be closed to make room.
	ErrTooManyConnections = errors.New("session: too many POP3 connections")
	// ErrLoginDelay is matched (errors.Is) by a *LoginDelayError.
	ErrLoginDelay = errors.New("session: signed in too recently (LOGIN-DELAY)")
	// ErrClosed is returned by Login from Manager.BeginClose on, and by
	// the methods of a Session that ended while the Manager is closing.
	ErrClosed = errors.New("session: manager closed")

	// errNoKey means a connection is needed but the password can't be
	// unsealed because no cookie came with the work (the reaper's).
	errNoKey = errors.New("session: no connection and no key to sign in again")
)

// LoginDelayError is returned instead of dialing when the server announced
// LOGIN-DELAY (RFC 2449) and the user's last sign-in through this Manager is
// more recent than that. It matches ErrLoginDelay with errors.Is.
type LoginDelayError struct {
	RetryAfter time.Duration // how long until a sign-in is allowed again
}

// Error says how long to wait. It doesn't perform I/O.
func (e *LoginDelayError) Error() string {
	return fmt.Sprintf("%v: retry in %v", ErrLoginDelay, e.RetryAfter.Round(time.Second))
}

// Is reports whether target is ErrLoginDelay.
func (e *LoginDelayError) Is(target error) bool { return target == ErrLoginDelay }

var _ error = (*LoginDelayError)(nil)

// ConnLimitError is returned instead of dialing when a cap on POP3
// connections leaves no room and no open connection can be closed to make
// some. It matches ErrTooManyConnections with errors.Is.
type ConnLimitError struct {
	Limit ConnLimit // the cap that was met
}

// Error names the cap. It doesn't perform I/O.
func (e *ConnLimitError) Error() string {
	what := [...]string{
		LimitTotal:     "in all",
		LimitNetwork:   "from the browser's network",
		LimitServer:    "to the mail server",
		LimitUserNamed: "to servers users named",
	}
	if e.Limit < 0 || int(e.Limit) >= len(what) {
		return ErrTooManyConnections.Error()
	}
	return fmt.Sprintf("%v %s", ErrTooManyConnections, what[e.Limit])
}

// Is reports whether target is ErrTooManyConnections.
func (e *ConnLimitError) Is(target error) bool { return target == ErrTooManyConnections }

var _ error = (*ConnLimitError)(nil)
