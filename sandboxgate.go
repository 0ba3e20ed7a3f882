package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"authdebug/app/guard"
	"authdebug/app/portal"
	"authdebug/app/sandbox"
)

// sandboxRate is what the sandbox allows one address (-sandbox-rate). It
// limits what an attacker needs, not what a test suite does: failed client
// authentications strictly, per address and per client id (shared by the
// replicas through the store); successful calls generously, as Hydra has no
// limit of its own; and the start of flows (authorize, the consent
// decision), which fill the store that every person's flow shares.
type sandboxRate struct {
	Failed         int           // failed client authentications in FailedWindow
	FailedWindow   time.Duration // per address and per client id
	Calls          int           // token and revocation calls a second
	Flows          int           // authorize requests and consent decisions a minute
	FlowsPerClient int           // pending flows one OAuth client may start in the sandbox's request lifetime
}

var defaultSandboxRate = sandboxRate{Failed: 10, FailedWindow: time.Minute, Calls: 200, Flows: 60, FlowsPerClient: sandbox.MaxPendingRequests / 4}

func (r sandboxRate) String() string {
	return fmt.Sprintf("failed=%d/%s,calls=%d/s,flows=%d/m,flows-per-client=%d", r.Failed, r.FailedWindow, r.Calls, r.Flows, r.FlowsPerClient)
}

// parseSandboxRate reads "failed=10/1m,calls=200/s,flows=60/m,flows-per-client=1024",
// any of them; the others keep their defaults.
func parseSandboxRate(s string) (sandboxRate, error) {
	r := defaultSandboxRate
	if s == "" {
		return r, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		count, per, _ := strings.Cut(value, "/")
		n, err := strconv.Atoi(count)
		if err != nil || n <= 0 {
			return r, fmt.Errorf("%q: want a positive count, as in %s", part, defaultSandboxRate)
		}
		switch {
		case name == "failed":
			if r.FailedWindow, err = time.ParseDuration(per); err != nil || r.FailedWindow <= 0 {
				return r, fmt.Errorf("%q: want failed=N/DURATION, as failed=10/1m", part)
			}
			r.Failed = n
		case name == "calls" && per == "s":
			r.Calls = n
		case name == "flows" && per == "m":
			r.Flows = n
		case name == "flows-per-client" && per == "":
			r.FlowsPerClient = n
		default:
			return r, fmt.Errorf("%q: want failed=N/DURATION, calls=N/s, flows=N/m or flows-per-client=N", part)
		}
	}
	return r, nil
}

// sandboxGate applies the sandbox's rate limits before its handler. The
// relay reaches the sandbox in-process, past this gate: it has its own.
type sandboxGate struct {
	rate    sandboxRate
	clients guard.Clients
	calls   *guard.Limiter
	flows   *guard.Limiter
	counts  guard.Counter // failures and flows; shared by replicas when the store is
	metrics *portal.Metrics
	log     *slog.Logger
	next    http.Handler
}

func newSandboxGate(r sandboxRate, clients guard.Clients, counts guard.Counter, metrics *portal.Metrics, log *slog.Logger, next http.Handler) *sandboxGate {
	return &sandboxGate{rate: r, clients: clients, counts: counts, metrics: metrics, log: log, next: next,
		calls: guard.NewRateLimiter(r.Calls, rate.Limit(r.Calls), maxLimitClients),
		flows: guard.NewRateLimiter(r.Flows, rate.Every(time.Minute/time.Duration(r.Flows)), maxLimitClients)}
}

func (g *sandboxGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/sandbox")
	who := g.clients.Key(r)
	refuse := func(wait time.Duration, what, call string) {
		g.log.Warn("sandbox rate limit", "audit", true, "client", who, "path", clip(r.URL.Path), "limit", call)
		g.metrics.Limited("sandbox " + call)
		tooMany(w, wait, what)
	}
	switch {
	case p == "/oauth2/auth" || p == "/oauth2/auth/decide":
		if ok, wait := g.flows.Allow(who); !ok {
			refuse(wait, "sign-ins started from your address", "flows")
			return
		}
		if client := r.URL.Query().Get("client_id"); p == "/oauth2/auth" && client != "" {
			n, err := g.counts.Add(r.Context(), "flows-client:"+clipped(client), sandbox.RequestLifetime)
			if err == nil && n > int64(g.rate.FlowsPerClient) {
				refuse(sandbox.RequestLifetime, "sign-ins started for this client", "flows per client")
				return
			}
		}
	case (r.Method == http.MethodPost && (p == "/oauth2/token" || p == "/oauth2/revoke")) || p == "/scenarios":
		// The scenarios authenticate the client too: the same limits, or they
		// would be a way to try secrets.
		if ok, wait := g.calls.Allow(who); !ok {
			refuse(wait, "calls from your address", "calls")
			return
		}
		client, _, _ := r.BasicAuth()
		keys := []string{"failed-addr:" + who}
		if client != "" {
			keys = append(keys, "failed-client:"+clipped(client))
		}
		for _, k := range keys {
			if n, err := g.counts.Count(r.Context(), k); err == nil && n >= int64(g.rate.Failed) {
				refuse(g.rate.FailedWindow, "failed client authentications", "failed authentication")
				return
			}
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		g.next.ServeHTTP(sw, r)
		// A 401 a client arranged for itself (a scenario) is no failed
		// authentication.
		if sw.status == http.StatusUnauthorized && sw.Header().Get(sandbox.ScenarioHeader) == "" {
			// Counted within a bound of its own: a store that stalls
			// must not hold the connection.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Second)
			defer cancel()
			for _, k := range keys {
				g.counts.Add(ctx, k, g.rate.FailedWindow)
			}
		}
		return
	}
	g.next.ServeHTTP(w, r)
}

// clipped bounds a client id used as a counter's key: the counter remembers
// 50,000 keys, and a made-up id may be as long as a header. Real ids are short.
func clipped(clientID string) string { return clientID[:min(len(clientID), 128)] }
