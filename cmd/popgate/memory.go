package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

	"popgate/session"
)

// popgate's memory has one setting, POPGATE_INDEX_MEMORY: the budget of
// all sessions' header indexes, the one thing that grows with the size of
// the users' mailboxes. By default it is a quarter of the cgroup's memory
// limit when popgate runs under one (a container), since each session's
// list of messages costs about as much again outside the budget, and Go's
// collector lets the heap grow to about twice what lives before it
// collects; without a limit it is session.DefaultIndexMemory.
//
// The same setting gives the Go runtime its soft memory limit
// (debug.SetMemoryLimit), unless GOMEMLIMIT set one: memoryBase plus three
// times the budget, at most 90% of the cgroup's limit. Near it the
// collector works harder rather than let the heap double. And since a
// collector that has nothing to do returns little of what a signed-out
// session left, popgate hands freed memory back to the system itself
// (debug.FreeOSMemory) shortly after an index lets go of its memory or is
// complete, at most every releaseGap (releaser).
const (
	// minIndexMemory is the smallest budget POPGATE_INDEX_MEMORY takes.
	minIndexMemory = 1 << 20
	// memoryBase is what the soft limit allows popgate besides its
	// indexes: the program, idle, is some 20 MiB; connections, pages
	// being rendered and mail being streamed take the rest.
	memoryBase = 64 << 20
	// A cgroup limit of this much or more is no limit (cgroup v1 writes
	// one close to 2^63 for none).
	cgroupUnlimited = 1 << 62
)

// cgroupMemoryLimit returns the memory limit of the cgroup popgate runs
// in, read from fsys (the cgroup file system, /sys/fs/cgroup):
// memory.max for cgroup v2, memory/memory.limit_in_bytes for v1. It
// returns 0 when there is none or it can't be read.
func cgroupMemoryLimit(fsys fs.FS) int64 {
	for _, name := range []string{"memory.max", "memory/memory.limit_in_bytes"} {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			continue
		}
		v := string(bytes.TrimSpace(data))
		if v == "max" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n >= cgroupUnlimited {
			return 0
		}
		return n
	}
	return 0
}

// defaultIndexMemory is POPGATE_INDEX_MEMORY's default for a cgroup limit
// (0 for none).
func defaultIndexMemory(cgroup int64) int64 {
	if cgroup <= 0 {
		return session.DefaultIndexMemory
	}
	return max(minIndexMemory, cgroup/4)
}

// softMemoryLimit is the Go runtime's soft memory limit for an index
// budget and a cgroup limit (0 for none).
func softMemoryLimit(budget, cgroup int64) int64 {
	limit := memoryBase + 3*budget
	if cgroup > 0 {
		limit = min(limit, cgroup/10*9)
	}
	return limit
}

// parseSize reads a size as GOMEMLIMIT takes it: a number of bytes with
// an optional unit B, KiB, MiB, GiB or TiB.
func parseSize(s string) (int64, bool) {
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	var shift uint
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, shift = num, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return 0, false
	}
	return n << shift, true
}

// formatSize shows octets as MiB or GiB, for logs.
func formatSize(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%dGiB", n>>30)
	}
	return fmt.Sprintf("%.0fMiB", float64(n)/(1<<20))
}

// Timing of the releaser: a release waits releaseQuiet for more to be
// freed with it, and comes releaseGap after the previous one at the
// soonest, since each costs a full collection.
const (
	releaseQuiet = time.Second
	releaseGap   = 5 * time.Second
)

// releaser hands freed memory back to the system (release, which is
// debug.FreeOSMemory) after freed is called, gathering calls that come
// close together. It is safe for concurrent use.
type releaser struct {
	release  func()
	now      func() time.Time
	schedule func(d time.Duration, f func()) (cancel func())

	mu      sync.Mutex
	cancel  func()    // of the release scheduled, nil if none
	last    time.Time // of the last release
	stopped bool
}

// newReleaser returns a releaser on the real clock.
func newReleaser(release func()) *releaser {
	return &releaser{
		release: release,
		now:     time.Now,
		schedule: func(d time.Duration, f func()) func() {
			t := time.AfterFunc(d, f)
			return func() { t.Stop() }
		},
	}
}

// freed schedules a release unless one is, or the releaser is stopped.
// It fits session.Config.MemoryFreed: it never blocks.
func (r *releaser) freed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped || r.cancel != nil {
		return
	}
	wait := max(releaseQuiet, r.last.Add(releaseGap).Sub(r.now()))
	r.cancel = r.schedule(wait, r.run)
}

// run is a scheduled release.
func (r *releaser) run() {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	r.cancel, r.last = nil, r.now()
	r.mu.Unlock()
	r.release()
}

// stop cancels a release that is scheduled, and any later one.
func (r *releaser) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	if r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
}
