package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"popgate/session"
)

// Metrics are popgate's Prometheus metrics. Build them with NewMetrics; the
// methods are safe for concurrent use, and a nil *Metrics records nothing.
type Metrics struct {
	reg         *prometheus.Registry
	signIns     *prometheus.CounterVec
	pop3        *prometheus.HistogramVec
	http        *prometheus.HistogramVec
	deletions   prometheus.Counter
	sessionsNow func() session.Stats
	// observers caches the http histogram's child per label set
	// (httpLabels -> prometheus.Observer): resolving labels hashes them
	// and takes the vector's lock, on every request otherwise.
	observers sync.Map
}

// httpLabels are the labels of one http histogram child.
type httpLabels struct {
	route, method string
	code          int
}

// NewMetrics registers the metrics, with stats read at each scrape for the
// session and connection gauges, and the Go and process collectors.
func NewMetrics(stats func() session.Stats) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "popgate_signins_total", Help: "Sign-in attempts by outcome.",
		}, []string{"outcome"}),
		pop3: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "popgate_pop3_command_duration_seconds", Help: "POP3 exchanges by command, until the reply was read.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"command", "result"}),
		http: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "popgate_http_request_duration_seconds", Help: "HTTP requests by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "code"}),
		deletions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "popgate_deletions_committed_total", Help: "Messages removed by QUIT at sign-out, idle expiry or shutdown.",
		}),
		sessionsNow: stats,
	}
	m.reg.MustRegister(m.signIns, m.pop3, m.http, m.deletions,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "popgate_sessions", Help: "Signed-in sessions."},
			func() float64 { return float64(m.sessionsNow().Sessions) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "popgate_pop3_connections", Help: "Open POP3 connections."},
			func() float64 { return float64(m.sessionsNow().Conns) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// WatchIndexes adds, read from stats at each scrape, what the sessions'
// header indexes hold against their budget and how many were set aside
// to stay within it.
func (m *Metrics) WatchIndexes(stats func() session.IndexStats) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "popgate_index_bytes", Help: "Memory the header indexes hold."},
			func() float64 { return float64(stats().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "popgate_index_budget_bytes", Help: "Budget of the header indexes (POPGATE_INDEX_MEMORY)."},
			func() float64 { return float64(stats().Budget) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "popgate_index_evictions_total", Help: "Header indexes set aside to stay within their budget."},
			func() float64 { return float64(stats().Evictions) }),
	)
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObservePOP3 records one POP3 exchange; it fits pop3.Options.Observe.
func (m *Metrics) ObservePOP3(command string, d time.Duration, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.pop3.WithLabelValues(command, result).Observe(d.Seconds())
}

// Committed counts deletions committed; it fits session.Config.Committed.
func (m *Metrics) Committed(n int) {
	if m != nil {
		m.deletions.Add(float64(n))
	}
}

func (m *Metrics) signIn(outcome string) {
	if m != nil {
		m.signIns.WithLabelValues(outcome).Inc()
	}
}

// instrument records each request's duration under its route pattern,
// never the raw path (UIDs would make the label set unbounded).
func (m *Metrics) instrument(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec, ok := w.(*statusRecorder) // logRequests' own, outside
		if !ok {
			rec = &statusRecorder{ResponseWriter: w}
			w = rec
		}
		defer func() {
			// An aborted response (http.ErrAbortHandler) is counted too.
			v := recover()
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			m.httpObserver(httpLabels{route, r.Method, rec.code(v != nil)}).Observe(time.Since(start).Seconds())
			if v != nil {
				panic(v)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// httpObserver returns the http histogram's child for l. Routes are a
// fixed set and methods and codes few, so the cache stays small; a
// method outside the usual ones is not cached.
func (m *Metrics) httpObserver(l httpLabels) prometheus.Observer {
	if o, ok := m.observers.Load(l); ok {
		return o.(prometheus.Observer)
	}
	o := m.http.WithLabelValues(l.route, l.method, strconv.Itoa(l.code))
	switch l.method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
		m.observers.Store(l, o)
	}
	return o
}
