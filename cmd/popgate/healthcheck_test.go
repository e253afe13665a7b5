package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestHealthzURL(t *testing.T) {
	tests := []struct {
		listen, base, want string
	}{
		{"", "", "http://127.0.0.1:8080/healthz"},
		{":8080", "/", "http://127.0.0.1:8080/healthz"},
		{"0.0.0.0:9000", "/mail/", "http://127.0.0.1:9000/mail/healthz"},
		{"[::]:9000", "mail", "http://127.0.0.1:9000/mail/healthz"},
		{"127.0.0.1:9000", "/a/b", "http://127.0.0.1:9000/a/b/healthz"},
		{"[::1]:9000", "", "http://[::1]:9000/healthz"},
	}
	for _, tt := range tests {
		got, err := healthzURL(tt.listen, tt.base)
		if err != nil || got != tt.want {
			t.Errorf("healthzURL(%q, %q) = %q, %v; want %q", tt.listen, tt.base, got, err, tt.want)
		}
	}
	for _, bad := range []string{"8080", "host:", ":0"} {
		if got, err := healthzURL(bad, ""); err == nil {
			t.Errorf("healthzURL(%q) = %q, want an error", bad, got)
		}
	}
}

// listenAddr is the host:port m serves on, as POPGATE_LISTEN would say.
func listenAddr(t *testing.T, m *Main) string {
	t.Helper()
	u, err := url.Parse(m.URL())
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestHealthcheck(t *testing.T) {
	m := startMain(t, "POPGATE_DEMO=1", "POPGATE_BASE_PATH=/mail/")
	addr := listenAddr(t, m)
	_, port, _ := net.SplitHostPort(addr)

	// A server that is up but unwell, and one that never answers.
	unwell := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "draining", http.StatusServiceUnavailable)
	}))
	t.Cleanup(unwell.Close)
	stall := make(chan struct{})
	stalled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stall:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(stalled.Close)
	t.Cleanup(func() { close(stall) })
	// A port with nothing behind it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	saved := healthcheckTimeout
	healthcheckTimeout = 500 * time.Millisecond
	t.Cleanup(func() { healthcheckTimeout = saved })

	tests := []struct {
		name string
		env  []string
		args []string
		want int
	}{
		{"environment", []string{"POPGATE_LISTEN=" + addr, "POPGATE_BASE_PATH=/mail/"}, nil, 0},
		{"wildcard listen address", []string{"POPGATE_LISTEN=:" + port, "POPGATE_BASE_PATH=mail"}, nil, 0},
		{"flags win over the environment", []string{"POPGATE_LISTEN=" + closed, "POPGATE_BASE_PATH=/other/"},
			[]string{"--listen", addr, "--base-path", "/mail/"}, 0},
		{"wrong base path", []string{"POPGATE_LISTEN=" + addr}, nil, 1},
		{"not 200", []string{"POPGATE_LISTEN=" + unwell.Listener.Addr().String()}, nil, 1},
		{"nothing listening", []string{"POPGATE_LISTEN=" + closed}, nil, 1},
		{"no answer in time", []string{"POPGATE_LISTEN=" + stalled.Listener.Addr().String()}, nil, 1},
		{"bad address", []string{"POPGATE_LISTEN=nonsense"}, nil, 2},
		{"unknown flag", nil, []string{"--bogus"}, 2},
		{"extra argument", []string{"POPGATE_LISTEN=" + addr}, []string{"extra"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			start := time.Now()
			if got := healthcheck(context.Background(), tt.env, tt.args, &stderr); got != tt.want {
				t.Errorf("healthcheck() = %d, want %d; stderr:\n%s", got, tt.want, stderr.String())
			}
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("healthcheck took %v, want it bounded by its timeout", elapsed)
			}
			if tt.want != 0 && stderr.Len() == 0 {
				t.Errorf("a failing healthcheck says nothing on stderr")
			}
		})
	}
}

func TestSubcommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code, ok := subcommand(nil, []string{"version"}, &stdout, &stderr); !ok || code != 0 || stdout.String() != "popgate "+version+"\n" {
		t.Errorf("version: code %d, ok %v, stdout %q", code, ok, stdout.String())
	}
	// Everything else is left to the server's own flag parsing.
	for _, args := range [][]string{nil, {"--demo"}, {"--listen", ":8080"}} {
		if _, ok := subcommand(nil, args, &stdout, &stderr); ok {
			t.Errorf("subcommand(%q) claimed the arguments", args)
		}
	}
}

// TestHealthcheckBinary runs the built binary as a container runtime
// would, so main dispatches the subcommand before parsing server flags.
func TestHealthcheckBinary(t *testing.T) {
	bin := buildPopgate(t)
	m := startMain(t, "POPGATE_DEMO=1")
	for _, tt := range []struct {
		listen string
		want   int
	}{
		{listenAddr(t, m), 0},
		{"127.0.0.1:1", 1},
	} {
		cmd := exec.Command(bin, "healthcheck")
		cmd.Env = []string{"POPGATE_LISTEN=" + tt.listen}
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.want {
			t.Errorf("popgate healthcheck against %s exited %d, want %d:\n%s", tt.listen, code, tt.want, out)
		}
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "popgate ") {
		t.Errorf("popgate version = %q, %v", out, err)
	}
}
