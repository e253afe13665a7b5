package session

import (
	"context"
	"errors"
	"fmt"
)

// ErrBusy is returned when a request gave up waiting for its turn on the
// session: another request of the same session (a long download, say) held
// it until the waiting request's context ended. errors.Is also matches the
// context's error.
var ErrBusy = errors.New("session: busy with another request")

// turn is a mutex whose waiters can give up when their context ends: a
// request must not wait for a 30-minute download in another tab beyond its
// own deadline, nor shutdown beyond its budget. The zero value is not
// usable; make it with newTurn.
type turn chan struct{}

func newTurn() turn { return make(turn, 1) }

// Lock waits for the turn without limit. Use it only where the holder is
// known to let go soon (no I/O under way), or in tests.
func (t turn) Lock() { t <- struct{}{} }

// LockContext waits for the turn until ctx ends, and then returns ErrBusy
// wrapping ctx's cause.
func (t turn) LockContext(ctx context.Context) error {
	select {
	case t <- struct{}{}:
		return nil
	default:
	}
	select {
	case t <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	}
}

// TryLock takes the turn if it is free and reports whether it did.
func (t turn) TryLock() bool {
	select {
	case t <- struct{}{}:
		return true
	default:
		return false
	}
}

// Unlock gives the turn back. It panics if the turn was not taken.
func (t turn) Unlock() {
	select {
	case <-t:
	default:
		panic("session: unlock of a turn not taken")
	}
}
