package main

import (
	"io"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"popgate/session"
)

func TestCgroupMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		want int64
	}{
		{"none", fstest.MapFS{}, 0},
		{"v2", fstest.MapFS{"memory.max": {Data: []byte("2147483648\n")}}, 2 << 30},
		{"v2 unlimited", fstest.MapFS{"memory.max": {Data: []byte("max\n")}}, 0},
		{"v1", fstest.MapFS{"memory/memory.limit_in_bytes": {Data: []byte("536870912\n")}}, 512 << 20},
		{"v1 unlimited", fstest.MapFS{"memory/memory.limit_in_bytes": {Data: []byte("9223372036854771712\n")}}, 0},
		{"garbage", fstest.MapFS{"memory.max": {Data: []byte("lots")}}, 0},
	} {
		if got := cgroupMemoryLimit(tc.fs); got != tc.want {
			t.Errorf("%s: cgroupMemoryLimit() = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestLoadConfigIndexMemory: POPGATE_INDEX_MEMORY is a quarter of the
// cgroup's limit by default, a fixed size without one, takes GOMEMLIMIT's
// units, and a bad value is an error that names it.
func TestLoadConfigIndexMemory(t *testing.T) {
	v2 := fstest.MapFS{"memory.max": {Data: []byte("2147483648\n")}}
	for _, tc := range []struct {
		name      string
		env, args []string
		cgroup    fstest.MapFS
		want      int64
		wantErr   string
	}{
		{name: "default without a cgroup limit", cgroup: fstest.MapFS{}, want: session.DefaultIndexMemory},
		{name: "default under a cgroup limit", cgroup: v2, want: 512 << 20},
		{name: "set", env: []string{"POPGATE_INDEX_MEMORY=64MiB"}, cgroup: v2, want: 64 << 20},
		{name: "in bytes", env: []string{"POPGATE_INDEX_MEMORY=1048576"}, want: 1 << 20},
		{name: "flag wins", env: []string{"POPGATE_INDEX_MEMORY=64MiB"}, args: []string{"--index-memory", "1GiB"}, want: 1 << 30},
		{name: "not a size", env: []string{"POPGATE_INDEX_MEMORY=lots"}, wantErr: "POPGATE_INDEX_MEMORY"},
		{name: "decimal unit", env: []string{"POPGATE_INDEX_MEMORY=64MB"}, wantErr: "POPGATE_INDEX_MEMORY"},
		{name: "too small", env: []string{"POPGATE_INDEX_MEMORY=512KiB"}, wantErr: "POPGATE_INDEX_MEMORY"},
		{name: "negative", args: []string{"--index-memory=-1"}, wantErr: "--index-memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cg := tc.cgroup
			if cg == nil {
				cg = fstest.MapFS{}
			}
			c, err := loadConfig(append(tc.env, "POPGATE_DEMO=1"), tc.args, io.Discard, cg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("loadConfig() = %v, want an error naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || c.IndexMemory != tc.want {
				t.Errorf("loadConfig() = %d, %v; want %d", c.IndexMemory, err, tc.want)
			}
		})
	}
	c, err := loadConfig([]string{"POPGATE_DEMO=1", "GOMEMLIMIT=1GiB"}, nil, io.Discard, fstest.MapFS{})
	if err != nil || !c.GoMemLimit {
		t.Errorf("loadConfig() with GOMEMLIMIT = %v, GoMemLimit %t; want true", err, c.GoMemLimit)
	}
}

func TestSoftMemoryLimit(t *testing.T) {
	for _, tc := range []struct{ budget, cgroup, want int64 }{
		{256 << 20, 0, 832 << 20},
		{512 << 20, 2 << 30, 1600 << 20},          // 64 MiB + 3 x 512 MiB, under 90% of 2 GiB
		{64 << 20, 256 << 20, 256 << 20 / 10 * 9}, // capped at 90% of the cgroup's limit
	} {
		if got := softMemoryLimit(tc.budget, tc.cgroup); got != tc.want {
			t.Errorf("softMemoryLimit(%d, %d) = %d, want %d", tc.budget, tc.cgroup, got, tc.want)
		}
	}
}

// fakeSchedule is a releaser's schedule that the test runs by hand.
type fakeSchedule struct {
	mu    sync.Mutex
	waits []time.Duration
	f     func()
}

func (s *fakeSchedule) schedule(d time.Duration, f func()) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits, s.f = append(s.waits, d), f
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.f = nil
	}
}

// fire runs the scheduled release, if any.
func (s *fakeSchedule) fire() {
	s.mu.Lock()
	f := s.f
	s.f = nil
	s.mu.Unlock()
	if f != nil {
		f()
	}
}

// TestReleaser: calls close together make one release, releaseQuiet
// after the first; the next comes releaseGap after it at the soonest; stop
// cancels what is scheduled.
func TestReleaser(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var sched fakeSchedule
	releases := 0
	r := &releaser{release: func() { releases++ }, now: func() time.Time { return clock }, schedule: sched.schedule}

	r.freed()
	r.freed()
	r.freed()
	if len(sched.waits) != 1 || sched.waits[0] != releaseQuiet {
		t.Fatalf("three calls scheduled %v, want one release after %v", sched.waits, releaseQuiet)
	}
	clock = clock.Add(releaseQuiet)
	sched.fire()
	if releases != 1 {
		t.Fatalf("%d releases, want 1", releases)
	}
	clock = clock.Add(time.Second)
	r.freed()
	if want := releaseGap - time.Second; len(sched.waits) != 2 || sched.waits[1] != want {
		t.Fatalf("a call soon after a release scheduled %v, want the next after %v", sched.waits, want)
	}
	r.stop()
	sched.fire()
	r.freed()
	if releases != 1 || len(sched.waits) != 2 {
		t.Errorf("after stop: %d releases, schedules %v; want nothing more", releases, sched.waits)
	}
}
