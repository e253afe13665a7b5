package web

import (
	"bytes"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"

	"popgate/session"
)

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPanics: a handler that panics before answering gets the error page;
// one that panics halfway through a download has its response aborted,
// so the file fails rather than ends in an error page. Either way the
// request has its access-log line and is counted.
func TestPanics(t *testing.T) {
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	m := session.NewManager(session.Config{Logger: slog.New(slog.DiscardHandler), Envelope: ParseEnvelope})
	t.Cleanup(func() { m.Close(t.Context()) })
	metrics := NewMetrics(m.Stats)
	s := NewServer(Config{Logger: logger, Metrics: metrics}, m)
	r := chi.NewRouter()
	r.Use(s.middleware()...)
	r.Get("/before", func(w http.ResponseWriter, r *http.Request) {
		setDownloadHeaders(w, "application/pdf", "a.pdf")
		panic("before")
	})
	r.Get("/after", func(w http.ResponseWriter, r *http.Request) {
		setDownloadHeaders(w, "application/pdf", "a.pdf")
		w.Write(bytes.Repeat([]byte("%PDF"), 64<<10))
		panic("after")
	})
	ts := httptest.NewUnstartedServer(r)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.Start()
	t.Cleanup(ts.Close)

	resp, err := http.Get(ts.URL + "/before")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), `data-testid="error"`) ||
		resp.Header.Get("Content-Disposition") != "" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src") {
		t.Errorf("panic before answering = %d, Content-Disposition %q, CSP %q, want 500 with the error page",
			resp.StatusCode, resp.Header.Get("Content-Disposition"), resp.Header.Get("Content-Security-Policy"))
	}

	resp, err = http.Get(ts.URL + "/after")
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || bytes.Contains(body, []byte("<html")) {
		t.Errorf("download that panicked halfway = %d bytes, error %v, want an aborted response without an error page", len(body), err)
	}

	out := logs.String()
	for _, want := range []string{"path=/before status=500", "path=/after status=200"} {
		if !strings.Contains(out, "msg=request method=GET "+want) {
			t.Errorf("access log lacks %q:\n%s", want, out)
		}
	}
	w := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`code="500",method="GET",route="/before"} 1`, `code="200",method="GET",route="/after"} 1`} {
		if !strings.Contains(w.Body.String(), "popgate_http_request_duration_seconds_count{"+want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
