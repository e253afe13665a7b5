package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"popgate/session"
)

// readyTTL is how long a readiness answer is reused: probes come every few
// seconds, and the mail servers should not see a connection for each.
const readyTTL = 30 * time.Second

// readiness caches whether the listed POP3 servers answer.
type readiness struct {
	mu      sync.Mutex
	checked time.Time
	report  string
	ok      bool
}

// handleReadyz handles GET /readyz: 200 when every listed POP3 server
// greets us (over TLS where configured), 503 otherwise, with a line per
// server. The answer is cached for readyTTL.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ok, report := s.ready.check(r.Context(), s.upstreams)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	w.Write([]byte(report))
}

func (rd *readiness) check(ctx context.Context, ups []session.Upstream) (bool, string) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if !rd.checked.IsZero() && time.Since(rd.checked) < readyTTL {
		return rd.ok, rd.report
	}
	results := make([]string, len(ups))
	okAll := true
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, up := range ups {
		wg.Go(func() {
			err := session.Probe(ctx, up)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				okAll = false
				results[i] = fmt.Sprintf("%s: not answering\n", up.Label)
				return
			}
			results[i] = fmt.Sprintf("%s: ok\n", up.Label)
		})
	}
	wg.Wait()
	rd.checked, rd.ok, rd.report = time.Now(), okAll, strings.Join(results, "")
	return rd.ok, rd.report
}
