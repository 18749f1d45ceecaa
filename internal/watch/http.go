package watch

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Health statuses.
const (
	StatusStarting = "starting" // no cycle has finished yet
	StatusOK       = "ok"       // the last cycle succeeded (a limited one too)
	StatusFailing  = "failing"  // the last cycle failed, was refused or found the configuration invalid
	StatusStopped  = "stopped"  // Run has returned
)

// Health is the body of /healthz.
type Health struct {
	Status              string    `json:"status"`
	Outcome             string    `json:"last_outcome,omitempty"` // the last cycle's
	Cycles              int       `json:"cycles"`
	LastCycle           time.Time `json:"last_cycle,omitzero"`
	LastSuccess         time.Time `json:"last_success,omitzero"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	ConfigDigest        string    `json:"config_digest,omitempty"`
	Error               string    `json:"error,omitempty"`
	Limits              []Hit     `json:"limits_hit,omitempty"` // by the last cycle
}

// Health returns the watcher's health now.
func (w *Watcher) Health() Health {
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.health
	h.Limits = append([]Hit(nil), h.Limits...)
	return h
}

// Handler serves /healthz (200 when the last cycle succeeded, 503
// otherwise, with Health as JSON) and /metrics (Prometheus text format).
func (w *Watcher) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, r *http.Request) {
		h := w.Health()
		rw.Header().Set("Content-Type", "application/json")
		rw.Header().Set("Cache-Control", "no-store")
		if h.Status != StatusOK {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
		enc := json.NewEncoder(rw)
		enc.SetIndent("", "  ")
		enc.Encode(h)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(w.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

// metrics are the watcher's Prometheus series, in a registry of its own
// (not the global one, so two watchers in one process do not collide).
type metrics struct {
	reg           *prometheus.Registry
	cycles        *prometheus.CounterVec
	actions       *prometheus.CounterVec
	failures      *prometheus.CounterVec
	calls         *prometheus.CounterVec
	limitHits     *prometheus.CounterVec
	notional      *prometheus.CounterVec
	overruns      prometheus.Counter
	probesSkipped prometheus.Counter
	probeFailures prometheus.Counter
	lastSuccess   prometheus.Gauge
	lastCycle     prometheus.Gauge
	consecutive   prometheus.Gauge
}

func newMetrics() *metrics {
	const ns = "orderform_watch"
	m := &metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: name, Help: help})
		m.reg.MustRegister(g)
		return g
	}
	one := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help})
		m.reg.MustRegister(c)
		return c
	}
	m.cycles = counter("cycles_total", "Cycles run, by outcome (ok, limited, failed, config_error, refused, key_error).", "outcome")
	m.actions = counter("actions_total", "Orders sent, by kind (place, cancel) and outcome (ok, failed, unknown, skipped).", "kind", "outcome")
	m.failures = counter("failures_total", "Cycles that did not succeed, by outcome.", "outcome")
	m.calls = counter("api_calls_total", "Requests to the exchange by cycles and probes, by scope (private, public).", "scope")
	m.limitHits = counter("limit_hits_total", "Cycles in which a churn limit held changes back, by the watch block's attribute.", "limit")
	m.notional = counter("notional_placed_total", "Price × amount placed, by quote currency (for dashboards; the limits count exactly).", "currency")
	m.overruns = one("overruns_total", "Cycles that sent more than their allowance (never expected).")
	m.probesSkipped = one("probes_skipped_total", "Probes skipped to stay inside the call budget.")
	m.probeFailures = one("probe_failures_total", "Probes that failed.")
	m.lastSuccess = gauge("last_success_timestamp_seconds", "When the last successful cycle ended, in seconds since the epoch.")
	m.lastCycle = gauge("last_cycle_timestamp_seconds", "When the last cycle ended, in seconds since the epoch.")
	m.consecutive = gauge("consecutive_failures", "Cycles failed in a row.")
	for _, o := range []string{OutcomeCycleOK, OutcomeCycleLimited, string(Transient), string(Invalid), string(Refused), string(KeyRejected)} {
		m.cycles.WithLabelValues(o)
	}
	for _, s := range []string{"private", "public"} {
		m.calls.WithLabelValues(s)
	}
	return m
}
