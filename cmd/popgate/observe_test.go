package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"popgate/pop3/pop3test"
)

// TestMetrics scrapes /metrics after a journey: sign-ins by outcome, POP3
// command latency, HTTP latency by route pattern, committed deletions and
// the session and index gauges.
func TestMetrics(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	msgs := journeyMessages()
	srv.AddMailbox("alice", "secret pw", msgs...)
	m := startMain(t, "POPGATE_SERVERS=pop3+insecure://"+srv.Addr(), "POPGATE_METRICS_LISTEN=127.0.0.1:0")
	journey(t, newBrowser(t, m.URL()), "alice", "secret pw", func() [][]byte { return srv.Mailbox("alice") }, len(msgs))
	_, data := newBrowser(t, "http://"+m.metricsAddr+"/").get("metrics", http.StatusOK)
	for _, want := range []string{
		`popgate_signins_total{outcome="ok"} 1`,
		`popgate_signins_total{outcome="wrong_password"} 1`,
		`popgate_pop3_command_duration_seconds_count{command="RETR",result="ok"}`,
		`popgate_pop3_command_duration_seconds_count{command="TOP",result="ok"}`,
		`popgate_pop3_command_duration_seconds_count{command="QUIT",result="ok"}`,
		`popgate_http_request_duration_seconds_count{code="200",method="GET",route="/message/{uid}"}`,
		`popgate_deletions_committed_total 2`,
		`popgate_sessions 0`,
		`popgate_pop3_connections 0`,
		`popgate_index_bytes 0`, // signed out: the index let go of everything
		`popgate_index_evictions_total 0`,
		`popgate_index_budget_bytes `,
	} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if bytes.Contains(data, []byte(`route="/message/0`)) {
		t.Errorf("/metrics labels a route with a UID")
	}
}

// TestMetricsListener serves /metrics on a listener of its own.
func TestMetricsListener(t *testing.T) {
	m := startMain(t, "POPGATE_DEMO=1", "POPGATE_METRICS_LISTEN=127.0.0.1:0")
	newBrowser(t, m.URL()).get("metrics", http.StatusNotFound)
	_, data := newBrowser(t, "http://"+m.metricsAddr+"/").get("metrics", http.StatusOK)
	if !bytes.Contains(data, []byte("popgate_sessions 0")) {
		t.Errorf("metrics listener serves no popgate metrics:\n%s", excerpt(data))
	}
}

// TestMetricsNotPublic: without POPGATE_METRICS_LISTEN, /metrics is not
// served at all, and answers 404 like any unknown path: not to a remote
// peer, not through a proxy on the same host (X-Forwarded-For from
// 127.0.0.1), and not to a loopback peer without that header either,
// which is what rootless containers make of every outside connection.
func TestMetricsNotPublic(t *testing.T) {
	for _, base := range []string{"/", "/mail/"} {
		m := startMain(t, "POPGATE_DEMO=1", "POPGATE_BASE_PATH="+base, "POPGATE_TRUSTED_PROXIES=127.0.0.1")
		if m.metricsHTTP != nil {
			t.Errorf("base %s: a metrics listener runs at %s without POPGATE_METRICS_LISTEN", base, m.metricsAddr)
		}
		for _, tc := range []struct {
			name, peer string
			header     http.Header
		}{
			{"remote peer", "203.0.113.7:40000", nil},
			{"local proxy", "127.0.0.1:40000", http.Header{"X-Forwarded-For": {"203.0.113.7"}}},
			{"loopback peer", "127.0.0.1:40000", nil},
			{"IPv6 loopback peer", "[::1]:40000", nil},
		} {
			req := httptest.NewRequest("GET", base+"metrics", nil)
			req.RemoteAddr = tc.peer
			for k, v := range tc.header {
				req.Header[k] = v
			}
			w := httptest.NewRecorder()
			m.HTTP.Handler.ServeHTTP(w, req)
			if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "popgate_") {
				t.Errorf("base %s, %s: GET metrics = %d, want 404 without metrics\n%s", base, tc.name, w.Code, excerpt(w.Body.Bytes()))
			}
		}
		// And over the listener itself, as a client on this host.
		newBrowser(t, m.URL()).get("metrics", http.StatusNotFound)
	}
}

// TestReadyz: ready while the POP3 server greets, not once it is gone.
func TestReadyz(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	m := startMain(t, "POPGATE_SERVERS=Test=pop3+insecure://"+srv.Addr())
	_, data := newBrowser(t, m.URL()).get("readyz", http.StatusOK)
	if !strings.Contains(string(data), "Test: ok") {
		t.Errorf("/readyz = %q", data)
	}
	srv.Close()
	m2 := startMain(t, "POPGATE_SERVERS=Test=pop3+insecure://"+srv.Addr())
	newBrowser(t, m2.URL()).get("readyz", http.StatusServiceUnavailable)
}

// syncWriter lets handlers log concurrently into one buffer.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// TestJSONLogs: with POPGATE_LOG_FORMAT=json every line is a JSON object,
// request lines carry a request id, and no line holds the password.
func TestJSONLogs(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "hunter2 pw", []byte("Subject: x\r\n\r\nx\r\n"))
	logs := &syncWriter{}
	m := NewMain(logs)
	env := []string{"POPGATE_LISTEN=127.0.0.1:0", "POPGATE_LOG_FORMAT=json", "POPGATE_SERVERS=pop3+insecure://" + srv.Addr()}
	if err := m.ParseFlags(env, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, m.URL())
	b.post("login", url.Values{"username": {"alice"}, "password": {"hunter2 pw"}}, http.StatusSeeOther)
	resp, _ := b.get("", http.StatusOK)
	b.post("logout", nil, http.StatusOK)
	m.Close()
	id := resp.Header.Get("X-Request-Id")
	logs.mu.Lock()
	defer logs.mu.Unlock()
	found := false
	sc := bufio.NewScanner(bytes.NewReader(logs.b.Bytes()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		if strings.Contains(sc.Text(), "hunter2") {
			t.Errorf("log line holds the password: %s", sc.Text())
		}
		if rec["msg"] == "request" && rec["request_id"] == id && id != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("no request line with request_id %q in:\n%s", id, logs.b.String())
	}
}
