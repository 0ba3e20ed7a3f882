// Package relay is the server side of the page's requests to an
// authorization server: the browser cannot POST to NGI's token endpoint (no
// CORS), so the relay carries the request to a configured environment and
// returns exactly what came back. The target is chosen by environment id
// alone; no URL from a request is ever fetched.
package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"authdebug/app/flow"
	"authdebug/app/guard"
	"authdebug/app/ngi"
)

// Limits of the relay; the zero Options get these.
const (
	DefaultMaxRequest  = 64 << 10
	DefaultMaxResponse = 1 << 20
	DefaultTimeout     = 15 * time.Second
	// MaxResponseHeader bounds the headers an upstream may send.
	MaxResponseHeader = 64 << 10
)

// Options tune a Relay.
type Options struct {
	// Transports carry an environment's calls in place of the network, by
	// environment id: the sandbox is served in-process this way.
	Transports  map[string]http.RoundTripper
	Network     http.RoundTripper // for every other environment; nil means a plain transport
	Timeout     time.Duration
	MaxRequest  int64
	MaxResponse int64
	Logger      *slog.Logger
	// Site is the origin people open the tool at: the only Origin accepted.
	Site guard.Site
	// Clients tells who a call comes from, for Limit.
	Clients guard.Clients
	// Limit bounds token and revocation calls per client; nil means no limit.
	Limit *guard.Limiter
	// Observer counts calls and refusals (metrics); nil counts nothing.
	Observer Observer
	// Allows says whether the request's user may use an environment; nil
	// allows all. A user does not see the others and gets 403 for them.
	Allows func(req *http.Request, env string) bool
	// UserOf names the request's user for the audit log; "" means the
	// client's address stands for them.
	UserOf func(req *http.Request) string
	// SignOut is where the page's sign-out goes; empty: no sign-out here.
	SignOut string
	// Version is the tool's release, for the page's bundles.
	Version string
	// SandboxStore reports the health of the sandbox's store, for the page
	// to say when the sandbox cannot answer; nil means always healthy.
	SandboxStore func(ctx context.Context) error
}

// Observer is told of each relay call and each rate-limit refusal.
type Observer interface {
	Call(env, call, outcome string, took time.Duration)
	Limited(call string)
}

// Relay serves /api/ for the page.
type Relay struct {
	envs    []ngi.Environment
	opts    Options
	clients map[string]*http.Client
	log     *slog.Logger
	mux     *http.ServeMux
}

// New returns a relay for the given environments, in the order the page lists them.
func New(envs []ngi.Environment, opts Options) *Relay {
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxRequest == 0 {
		opts.MaxRequest = DefaultMaxRequest
	}
	if opts.MaxResponse == 0 {
		opts.MaxResponse = DefaultMaxResponse
	}
	if opts.Network == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil // the relay talks to configured environments only, directly
		t.MaxResponseHeaderBytes = MaxResponseHeader
		opts.Network = t
	}
	r := &Relay{envs: envs, opts: opts, clients: map[string]*http.Client{}, log: opts.Logger}
	if r.log == nil {
		r.log = slog.Default()
	}
	for _, e := range envs {
		tr := opts.Network
		if t, ok := opts.Transports[e.ID]; ok {
			tr = t
		}
		r.clients[e.ID] = &http.Client{
			Transport: tr,
			// Redirects from upstream are shown, not followed.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/environments", r.environments)
	mux.HandleFunc("GET /api/site", r.site)
	mux.HandleFunc("POST /api/token", r.token)
	mux.HandleFunc("POST /api/revoke", r.revoke)
	mux.HandleFunc("POST /api/call", r.call)
	mux.HandleFunc("POST /api/preflight", r.preflight)
	mux.HandleFunc("POST /api/scenarios", r.scenario)
	mux.HandleFunc("GET /api/discovery", r.discovery)
	mux.HandleFunc("GET /api/jwks", r.jwks)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusNotFound, flow.RelayResult{Error: &flow.RelayError{Kind: "not_found", Message: "No such API: " + req.Method + " " + req.URL.Path + "."}})
	})
	r.mux = mux
	return r
}

// ServeHTTP answers only the tool's own page, never lets a browser cache an
// answer, and logs what was asked without any value that could be secret.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if why := r.notOwnPage(req); why != "" {
		r.log.Warn("relay refused a request not from its page", "method", req.Method, "path", truncate(req.URL.Path, 100), "why", truncate(why, 200))
		writeJSON(w, http.StatusForbidden, flow.RelayResult{Error: &flow.RelayError{Kind: "forbidden", Message: "Only this tool's own page may call its API (" + truncate(why, 200) + ")."}})
		return
	}
	r.mux.ServeHTTP(w, req)
}

// notOwnPage says why a request is not from this tool's own page, or "".
// A POST must carry this site's Origin, as every browser's fetch does: a
// script elsewhere, or a program, cannot spend the portal's address on NGI.
// A GET reads public metadata; it is refused only when a browser says that
// another site asked.
func (r *Relay) notOwnPage(req *http.Request) string {
	switch site := req.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return "Sec-Fetch-Site is " + site
	}
	origin := req.Header.Get("Origin")
	switch {
	case origin != "" && !r.opts.Site.OriginAllowed(origin):
		return "Origin " + origin + " is not " + r.opts.Site.Origin()
	case origin == "" && req.Method != http.MethodGet && req.Method != http.MethodHead:
		return "a " + req.Method + " must come from the page, with an Origin header"
	}
	return ""
}

// limited answers 429 when the client has used up its calls; the page shows
// the message, which says when to try again.
func (r *Relay) limited(w http.ResponseWriter, req *http.Request, what string) bool {
	if r.opts.Limit == nil {
		return false
	}
	ok, wait := r.opts.Limit.Allow(r.limitKey(req))
	if ok {
		return false
	}
	secs := guard.RetryAfter(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	r.log.Warn("relay rate limit", "audit", true, "user", r.user(req), "call", what, "retry_after_s", secs)
	if r.opts.Observer != nil {
		r.opts.Observer.Limited(what)
	}
	writeJSON(w, http.StatusTooManyRequests, flow.RelayResult{Error: &flow.RelayError{Kind: "rate_limited",
		Message: fmt.Sprintf("Too many %s calls from your address in a short time; nothing was sent. Try again in %d s. (The limit keeps scripts from trying secrets through this server.)", what, secs)}})
	return true
}

// site tells the page the origin people are meant to open the tool at, so
// that it can say when it was opened by another name.
func (r *Relay) site(w http.ResponseWriter, req *http.Request) {
	answer := map[string]string{"public_origin": r.opts.Site.Origin(), "version": r.opts.Version}
	if r.opts.UserOf != nil {
		answer["user"] = r.opts.UserOf(req)
	}
	if r.opts.SignOut != "" {
		answer["sign_out"] = r.opts.SignOut
	}
	if r.opts.SandboxStore != nil {
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		if r.opts.SandboxStore(ctx) != nil {
			answer["sandbox_store"] = "down"
		}
	}
	writeJSON(w, http.StatusOK, answer)
}

func (r *Relay) environments(w http.ResponseWriter, req *http.Request) {
	envs := []ngi.Environment{}
	for _, e := range r.envs {
		if r.allows(req, e.ID) {
			envs = append(envs, e)
		}
	}
	writeJSON(w, http.StatusOK, envs)
}

func (r *Relay) env(id string) (ngi.Environment, bool) {
	for _, e := range r.envs {
		if e.ID == id {
			return e, true
		}
	}
	return ngi.Environment{}, false
}

func (r *Relay) allows(req *http.Request, env string) bool {
	return r.opts.Allows == nil || r.opts.Allows(req, env)
}

// refuseEnv answers 403 when the user may not use the environment.
func (r *Relay) refuseEnv(w http.ResponseWriter, req *http.Request, e ngi.Environment) bool {
	if r.allows(req, e.ID) {
		return false
	}
	r.log.Warn("relay refused an environment", "audit", true, "user", r.user(req), "env", e.ID)
	writeJSON(w, http.StatusForbidden, flow.RelayResult{Error: &flow.RelayError{Kind: "forbidden",
		Message: e.Label + " is limited to some groups of users, and you are in none of them."}})
	return true
}

// limitKey is whose budget a call spends: the signed-in user's, whatever
// address a proxy says they come from; else the client's address (an IPv6
// client's /64).
func (r *Relay) limitKey(req *http.Request) string {
	if r.opts.UserOf != nil {
		if u := r.opts.UserOf(req); u != "" {
			return "user:" + u
		}
	}
	return r.opts.Clients.Key(req)
}

// user names the request's user in the audit log.
func (r *Relay) user(req *http.Request) string {
	if r.opts.UserOf != nil {
		if u := r.opts.UserOf(req); u != "" {
			return truncate(u, 200)
		}
	}
	return r.opts.Clients.Of(req)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
