package dovecot

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

const supported = true

// sysProcAttr puts the master in a process group of its own, which its
// children inherit: Stop can then find and kill every process of the
// instance, and a Ctrl-C meant for "go test" does not reach Dovecot
// directly. If the test binary dies (a panic, a -timeout), the kernel sends
// the master SIGTERM, so no orphaned instance keeps running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// groupProcesses returns the live (not zombie) processes in process group
// pgid, read from /proc.
func groupProcesses(pgid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// "pid (comm) state ppid pgrp ...": comm may contain spaces and
		// parentheses, so split after the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(stat[i+1:])
		if len(f) < 3 || string(f[0]) == "Z" {
			continue
		}
		if g, err := strconv.Atoi(string(f[2])); err == nil && g == pgid {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// terminateGroup sends SIGTERM to every process in the group pgid.
func terminateGroup(pgid int) error { return syscall.Kill(-pgid, syscall.SIGTERM) }

// killGroup makes sure no process of the group pgid is left: after a clean
// shutdown there is none; otherwise they get SIGKILL and are awaited.
func killGroup(pgid int) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids, err := groupProcesses(pgid)
		if err != nil {
			return fmt.Errorf("dovecot: %w", err)
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dovecot: processes %v of the instance survived SIGKILL", pids)
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		time.Sleep(20 * time.Millisecond)
	}
}
