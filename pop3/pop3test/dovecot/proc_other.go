//go:build !linux

package dovecot

import (
	"errors"
	"syscall"
)

// Dovecot test instances are supported on Linux only: StartProcess reports
// ErrNotInstalled elsewhere, so tests skip.
const supported = false

func sysProcAttr() *syscall.SysProcAttr { return nil }

func terminateGroup(int) error { return errors.New("dovecot: not supported on this platform") }

func killGroup(int) error { return errors.New("dovecot: not supported on this platform") }

func groupProcesses(int) ([]int, error) {
	return nil, errors.New("dovecot: not supported on this platform")
}
