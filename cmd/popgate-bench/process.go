package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a process this benchmark started: in a process group of its
// own, and sent SIGKILL by the kernel if the benchmark dies first.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string // file with its stdout and stderr, "" if given elsewhere
	done chan struct{}
	err  error // valid after done is closed
}

// startChild starts cmd. Pdeathsig fires when the thread that forked
// exits, so that goroutine stays locked to its thread until the child
// has exited.
func startChild(name string, cmd *exec.Cmd) (*child, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.err = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the child's group, and SIGKILL after timeout.
func (c *child) stop(timeout time.Duration) {
	if c == nil || c.exited() {
		return
	}
	_ = syscall.Kill(-c.pid(), syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(timeout):
		_ = syscall.Kill(-c.pid(), syscall.SIGKILL)
		<-c.done
	}
}

// logTail returns the end of the child's log, for error messages.
func (c *child) logTail() string {
	if c.log == "" {
		return ""
	}
	data, _ := os.ReadFile(c.log)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// popgateProc is a running popgate.
type popgateProc struct {
	*child
	base    string // "http://127.0.0.1:port/"
	host    string // "127.0.0.1:port", for Origin
	metrics string // "http://127.0.0.1:port/" of POPGATE_METRICS_LISTEN
}

// startPopgate runs bin with the given POPGATE_ settings on a free
// loopback port, with its metrics on another, logging to dir/name.log,
// and waits until /healthz answers.
func startPopgate(ctx context.Context, bin, dir, name string, settings map[string]string) (*popgateProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	metricsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	host := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	metricsHost := net.JoinHostPort("127.0.0.1", strconv.Itoa(metricsPort))
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "POPGATE_") {
			env = append(env, kv)
		}
	}
	settings["POPGATE_LISTEN"] = host
	settings["POPGATE_METRICS_LISTEN"] = metricsHost
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	c, err := startChild(name, cmd)
	if err != nil {
		return nil, err
	}
	c.log = logPath
	p := &popgateProc{child: c, base: "http://" + host + "/", host: host, metrics: "http://" + metricsHost + "/"}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if c.exited() {
			return nil, fmt.Errorf("%s exited during start: %v\n%s", name, c.err, c.logTail())
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", p.base+"healthz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			c.stop(5 * time.Second)
			return nil, fmt.Errorf("%s did not answer /healthz within 15 s\n%s", name, c.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// buildPopgate compiles ./cmd/popgate of the module around the working
// directory into dir.
func buildPopgate(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "popgate")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/popgate")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/popgate: %v\n%s", err, stderr.String())
	}
	return out, nil
}

// moduleRoot finds the popgate module above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(data, []byte("module popgate\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the popgate module: run from the repository, or pass -popgate")
		}
		dir = parent
	}
}

// rss returns the resident set size of pid in octets, from
// /proc/<pid>/status VmRSS, and the peak VmHWM.
func rss(pid int) (cur, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		field := func(name string) (int64, bool) {
			v, ok := strings.CutPrefix(line, name+":")
			if !ok {
				return 0, false
			}
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err == nil
		}
		if v, ok := field("VmRSS"); ok {
			cur = v
		}
		if v, ok := field("VmHWM"); ok {
			peak = v
		}
	}
	if cur == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return cur, peak, nil
}

// resetPeak resets VmHWM to the current RSS (Linux 4.0+); it reports
// whether that worked.
func resetPeak(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}
