// Package relay is the server side of the page's requests to an
// authorization server: the browser cannot POST to NGI's token endpoint (no
// CORS), so the relay carries the request to a configured environment and
// returns exactly what came back. The target is chosen by environment id
// alone; no URL from a request is ever fetched.
package relay

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// Limits of the relay; the zero Options get these.
const (
	DefaultMaxRequest  = 64 << 10
	DefaultMaxResponse = 1 << 20
	DefaultTimeout     = 15 * time.Second
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
	// PublicOrigin is the origin people open the tool at; behind a proxy that
	// rewrites Host, the page's Origin is this rather than the request's Host.
	PublicOrigin string
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
	mux.HandleFunc("POST /api/token", r.token)
	mux.HandleFunc("POST /api/revoke", r.revoke)
	mux.HandleFunc("GET /api/discovery", r.discovery)
	mux.HandleFunc("GET /api/jwks", r.jwks)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusNotFound, flow.RelayResult{Error: &flow.RelayError{Kind: "not_found", Message: "No such API: " + req.Method + " " + req.URL.Path + "."}})
	})
	r.mux = mux
	return r
}

// ServeHTTP answers only same-origin requests, never lets a browser cache an
// answer, and logs what was asked without any value that could be secret.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if why := crossSite(req, r.opts.PublicOrigin); why != "" {
		r.log.Warn("relay refused a cross-site request", "method", req.Method, "path", req.URL.Path, "why", why)
		writeJSON(w, http.StatusForbidden, flow.RelayResult{Error: &flow.RelayError{Kind: "forbidden", Message: "Only this tool's own page may call its API (" + why + ")."}})
		return
	}
	r.mux.ServeHTTP(w, req)
}

// crossSite says why a request is not from this tool's own page, or "".
// Requests without these headers come from a program, not a browser page, and
// carry no ambient credentials, so they are let through.
func crossSite(req *http.Request, publicOrigin string) string {
	switch site := req.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return "Sec-Fetch-Site is " + site
	}
	if origin := req.Header.Get("Origin"); origin != "" {
		if origin != "http://"+req.Host && origin != "https://"+req.Host && origin != publicOrigin {
			return "Origin " + origin + " is not this server"
		}
	}
	return ""
}

func (r *Relay) environments(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, r.envs)
}

func (r *Relay) env(id string) (ngi.Environment, bool) {
	for _, e := range r.envs {
		if e.ID == id {
			return e, true
		}
	}
	return ngi.Environment{}, false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
