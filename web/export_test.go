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

// ReadViews returns how many sessions s keeps a read view for.
func ReadViews(s *Server) int {
	n := 0
	s.readViews.m.Range(func(any, any) bool { n++; return true })
	return n
}

// CachedBodies returns how many message bodies s keeps for the frame.
func CachedBodies(s *Server) int {
	s.bodies.mu.Lock()
	defer s.bodies.mu.Unlock()
	return len(s.bodies.entries)
}
