// Package portal holds what a team needs to run the tool for others:
// sign-in (OIDC or an authenticating proxy), per-environment access, health
// endpoints for its orchestrator and metrics for its monitoring.
package portal

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics counts what the server does, in Prometheus' format; every name
// starts with authdebug_.
type Metrics struct {
	reg     *prometheus.Registry
	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
	limited *prometheus.CounterVec
	answers *prometheus.CounterVec
	refused *prometheus.CounterVec
	// unchecked counts sessions let through while the sign-out list did
	// not answer (a stalled shared store).
	unchecked prometheus.Counter
}

// NewMetrics makes the registry, with Go's and the process's own metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authdebug_relay_calls_total",
			Help: "Calls carried by the relay, by environment, call and outcome (success, a known OAuth or Hydra error code, http_<status>, relay_<failure>)."},
			[]string{"env", "call", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "authdebug_relay_duration_seconds",
			Help: "How long the relay's calls took, upstream included, by environment.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)},
			[]string{"env"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authdebug_rate_limited_total",
			Help: "Calls refused by a per-client rate limit, by call."}, []string{"call"}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authdebug_http_responses_total",
			Help: "HTTP answers by route (page, static, api, sandbox, sandbox/api, auth, probe, metrics, other) and status code."}, []string{"route", "code"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authdebug_signin_refused_total",
			Help: "Requests or sign-ins refused by sign-in, by reason (proxy_untrusted, proxy_secret, proxy_no_user, login_state, id_token, email_unverified, no_email, not_allowed, …)."}, []string{"reason"}),
		unchecked: prometheus.NewCounter(prometheus.CounterOpts{Name: "authdebug_signout_unchecked_total",
			Help: "Requests let through on their session cookie alone because the shared store did not answer the sign-out check in time."}),
	}
	m.reg.MustRegister(m.calls, m.latency, m.limited, m.answers, m.refused, m.unchecked, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Call counts one relay call.
func (m *Metrics) Call(env, call, outcome string, took time.Duration) {
	m.calls.WithLabelValues(env, call, outcome).Inc()
	m.latency.WithLabelValues(env).Observe(took.Seconds())
}

// Answer counts one HTTP answer.
func (m *Metrics) Answer(route string, code int) {
	m.answers.WithLabelValues(route, strconv.Itoa(code)).Inc()
}

// Refused counts one request or sign-in refused by sign-in.
func (m *Metrics) Refused(reason string) { m.refused.WithLabelValues(reason).Inc() }

// Unchecked counts one request whose session was not checked against the
// sign-outs because the store did not answer.
func (m *Metrics) Unchecked() { m.unchecked.Inc() }

// BuildInfo publishes authdebug_build_info{version,revision,go} 1.
func (m *Metrics) BuildInfo(version, revision, goVersion string) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "authdebug_build_info",
		Help: "The running build: its version, VCS revision and Go version."}, []string{"version", "revision", "go"})
	g.WithLabelValues(version, revision, goVersion).Set(1)
	m.reg.MustRegister(g)
}

// WatchUp publishes a gauge that is 1 while up returns nil, asked when scraped.
func (m *Metrics) WatchUp(name, help string, up func() error) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
		if up() != nil {
			return 0
		}
		return 1
	}))
}

// Limited counts one call refused by a rate limit.
func (m *Metrics) Limited(call string) { m.limited.WithLabelValues(call).Inc() }

// WatchSizes reports sizes read when scraped, such as the sandbox's state.
func (m *Metrics) WatchSizes(name, help string, sizes func() map[string]int) {
	m.reg.MustRegister(sizeCollector{prometheus.NewDesc(name, help, []string{"kind"}, nil), sizes})
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

type sizeCollector struct {
	desc  *prometheus.Desc
	sizes func() map[string]int
}

func (c sizeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c sizeCollector) Collect(ch chan<- prometheus.Metric) {
	for kind, n := range c.sizes() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), kind)
	}
}

// Health serves /healthz (the process serves) and /readyz (ready: ready
// returns nil). They answer whatever the Host header says: an orchestrator
// probes the pod's own address, not the public name. Readiness must not
// hang on anything optional (the sandbox's store): a replica that is not
// ready takes every environment away from its users.
func Health(mux *http.ServeMux, ready func() error) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
}
