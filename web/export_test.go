package web

import (
	"context"
	"time"
)

// SleepUntil is sleepUntil, for tests.
var SleepUntil = sleepUntil

// SetWaitUntil replaces how s pads the answer to a sign-in on a server a
// user named that could not be reached.
func SetWaitUntil(s *Server, f func(ctx context.Context, t time.Time)) { s.waitUntil = f }
