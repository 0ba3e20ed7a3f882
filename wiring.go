package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/guard"
	"authdebug/app/ngi"
	"authdebug/app/portal"
	"authdebug/app/relay"
	"authdebug/app/sandbox"
	"authdebug/app/ui"
)

// web holds the static files, app.wasm and its compressed copies included,
// so the binary alone is the deployable.
//
//go:embed web
var web embed.FS

// config is what newServer needs; parseFlags fills it, tests by hand.
type config struct {
	Addr, ProbeAddr string // where run listens; the probes also on their own
	// MetricsAddr, when set, is where /metrics is served instead of the
	// main address (see run).
	MetricsAddr    string
	PublicURL      string
	LogFormat      string
	ShowVersion    bool
	TrustedProxies []string // CIDRs whose X-Forwarded-For names the client
	Extra          []ngi.Environment
	Disabled       []string
	SandboxClients []sandbox.Client
	// SandboxLegacyErrors makes the sandbox speak Hydra 1.x (error_hint, no token prefixes).
	SandboxLegacyErrors bool
	// SandboxPublic lets machines reach the sandbox's machine endpoints
	// past sign-in (sandbox.MachinePath); the consent page stays behind it.
	SandboxPublic       bool
	SandboxCodeLifetime time.Duration // zero: Hydra's default
	SandboxRate         sandboxRate   // zero: defaultSandboxRate
	Log                 *slog.Logger
	Web                 fs.FS // nil: the embedded web/
	// Network replaces the relay's transport for non-sandbox environments (tests).
	Network http.RoundTripper
	Timeout time.Duration
	Limits  limits // zero fields get defaultLimits'
	// Proxy, when its Header is set, believes the user an authenticating
	// proxy in front names.
	Proxy portal.ProxyAuth
	// Access limits environments to groups (-env-allow).
	Access portal.Access
	// SandboxKey signs the sandbox's ID tokens; nil makes a fresh one.
	SandboxKey *rsa.PrivateKey
	// SandboxStore keeps the sandbox's state (and the sign-outs and failure
	// counts replicas share); nil keeps it in memory. run opens it from
	// SandboxStoreURL.
	SandboxStore    sandbox.Store
	SandboxStoreURL string
	// OIDC, when its Issuer is set, signs people in with the company's
	// identity provider (PublicOrigin is filled in here).
	OIDC portal.OIDCConfig
}

// server is the whole tool's handler, with the metrics and the probes for
// addresses of their own, and the proxies its connections come through.
type server struct {
	http.Handler
	metrics, probes http.Handler
	proxies         guard.Clients
}

// limits bound what one server gives its clients.
type limits struct {
	ReadTimeout        time.Duration // a whole request, body included
	WriteTimeout       time.Duration // a whole answer; app.wasm on a slow line is the longest
	IdleTimeout        time.Duration // a keep-alive connection between requests
	MaxConns           int           // open connections; more wait to be accepted
	MaxConnsPerAddress int           // open connections of one address (not a trusted proxy's); more are closed
	ConnsExempt        func(netip.Addr) bool
	// Each client may make CallBurst relay calls at once, then one per CallEvery.
	CallBurst int
	CallEvery time.Duration
}

// A person's browser opens six connections to a host; a page idle for
// 15 s opens new ones in a few milliseconds.
var defaultLimits = limits{
	ReadTimeout: 30 * time.Second, WriteTimeout: 2 * time.Minute, IdleTimeout: 15 * time.Second,
	MaxConns: 1000, MaxConnsPerAddress: 32, CallBurst: 20, CallEvery: time.Second,
}

// orDefault fills the zero fields from defaultLimits.
func (l limits) orDefault() limits {
	d := defaultLimits
	return limits{
		ReadTimeout: cmp.Or(l.ReadTimeout, d.ReadTimeout), WriteTimeout: cmp.Or(l.WriteTimeout, d.WriteTimeout),
		IdleTimeout: cmp.Or(l.IdleTimeout, d.IdleTimeout), MaxConns: cmp.Or(l.MaxConns, d.MaxConns),
		MaxConnsPerAddress: cmp.Or(l.MaxConnsPerAddress, d.MaxConnsPerAddress), ConnsExempt: l.ConnsExempt,
		CallBurst: cmp.Or(l.CallBurst, d.CallBurst), CallEvery: cmp.Or(l.CallEvery, d.CallEvery),
	}
}

// Bounds that are not worth a setting.
const (
	maxBody         = 64 << 10 // any request body; the relay and the sandbox need far less
	maxHeaderBytes  = 64 << 10
	maxLimitClients = 10000 // clients a rate limiter remembers
	maxCounted      = 50000 // keys an in-memory counter remembers
	maxLogged       = 200   // characters of a request value in a log line
	// widestWithoutSecret is the widest trusted range (in host bits: a /24)
	// whose every address may name a user without the proxy's secret.
	widestWithoutSecret = 8
)

// newServer wires the page, the relay and the sandbox into one handler.
// ui.Register must have been called.
func newServer(cfg config) (*server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	lim := cfg.Limits.orDefault()
	cfg.SandboxRate = cmp.Or(cfg.SandboxRate, defaultSandboxRate)
	site, err := guard.ParseSite(cfg.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("-public-url: %w", err)
	}
	clients, err := guard.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("-trusted-proxy: %w", err)
	}
	webFS := cfg.Web
	if webFS == nil {
		if webFS, err = fs.Sub(web, "web"); err != nil {
			return nil, err
		}
	}
	wasm, err := fs.ReadFile(webFS, "app.wasm")
	if err != nil {
		cfg.Log.Warn("web/app.wasm is missing: the page will not load; build it with make build")
	}
	release, revision, goVersion := buildInfo()

	sb, err := sandbox.New(sandbox.Config{Origin: site.Origin(), Clients: cfg.SandboxClients,
		LegacyErrors: cfg.SandboxLegacyErrors, CodeLifetime: cfg.SandboxCodeLifetime, Key: cfg.SandboxKey, Store: cfg.SandboxStore})
	if err != nil {
		return nil, err
	}
	envs, err := environments(append([]ngi.Environment{sb.Environment(), ngi.Preprod(), ngi.Prod()}, cfg.Extra...), cfg.Disabled)
	if err != nil {
		return nil, err
	}
	// Counts that replicas must share (failed client authentications,
	// sign-outs) live in the shared store when there is one.
	counter, shared := cfg.SandboxStore.(guard.Counter)
	if !shared {
		counter = guard.NewMemoryCounter(maxCounted)
	}

	metrics := portal.NewMetrics()
	metrics.BuildInfo(release, revision, goVersion)
	metrics.WatchSizes("authdebug_sandbox_entries", "What the sandbox holds, by kind.", sb.Sizes)
	storeUp := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return sb.Ready(ctx)
	}
	metrics.WatchUp("authdebug_sandbox_store_up", "1 while the sandbox's store answers (always, in memory); the sandbox answers 503 while it does not.", storeUp)

	signIn, err := newSignIn(cfg, site, clients, counter, metrics)
	if err != nil {
		return nil, err
	}
	api := relay.New(envs, relay.Options{
		Transports: map[string]http.RoundTripper{"sandbox": relay.HandlerTransport{Handler: sb}},
		Network:    cfg.Network, Timeout: cfg.Timeout, Logger: cfg.Log,
		Site: site, Clients: clients,
		Limit:    guard.NewLimiter(lim.CallBurst, lim.CallEvery, maxLimitClients),
		Observer: metrics,
		Allows:   cfg.Access.Allows,
		UserOf: func(r *http.Request) string {
			u, _ := portal.UserOf(r)
			return u.Name
		},
		SignOut:      map[bool]string{true: "/auth/logout"}[cfg.OIDC.Issuer != ""],
		SandboxStore: sb.Ready,
		Version:      release,
	})
	config := pageConfig(envs, cfg.Access, site.Origin(), release, map[bool]string{true: "/auth/logout"}[cfg.OIDC.Issuer != ""])
	page := &ga.Handler{
		Name:              "authdebug",
		ShortName:         "authdebug",
		Title:             "authdebug · OAuth debugger for NGI",
		Description:       "Build authorize URLs, read callbacks, exchange tokens and verify ID tokens against Norsk Gjeldsinformasjon.",
		Lang:              "en",
		Icon:              ga.Icon{Default: "/web/icon-192.png", Large: "/web/icon-512.png", SVG: "/web/icon.svg"},
		Styles:            []string{"/web/style.css"},
		BackgroundColor:   "#f6f7f9",
		ThemeColor:        "#1f3a5f",
		LoadingLabel:      "Loading authdebug…",
		Version:           pageVersion(webFS, release, revision, config),
		Resources:         webResolver{webFS},
		WasmContentLength: fmt.Sprint(len(wasm)),
		// The wasm's download starts as the HTML is read, not once app.js
		// runs; app.js's fetch takes it (same URL, CORS mode and credentials).
		// Interleaved cold loads: 0.94x the time throttled, even on loopback.
		RawHeaders: []string{`<link rel="preload" href="/web/app.wasm" as="fetch" type="application/wasm" crossorigin="anonymous">`, config},
	}

	// Every route, and what passes sign-in without a session.
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	if !slices.Contains(cfg.Disabled, "sandbox") {
		mux.Handle("/sandbox/", newSandboxGate(cfg.SandboxRate, clients, counter, metrics, cfg.Log, sb))
	}
	wasmHandler := precompressed{fs: webFS, etag: `"` + page.Version + `"`}
	mux.Handle("/web/app.wasm", wasmHandler)
	mux.Handle("/app.wasm", wasmHandler)
	mux.Handle("/robots.txt", fileFrom(webFS, "robots.txt", "text/plain; charset=utf-8"))
	if script, err := appJS(page); err != nil {
		cfg.Log.Warn("the page's loader", "err", err)
	} else {
		mux.Handle("GET /app.js", script)
	}
	mux.Handle("/", pageOnly(page)) // the page's routes, go-app's files, /web/, and form_post to /callback
	if signIn.oidc != nil {
		signIn.oidc.Routes(mux) // /auth/: signing in needs no session
	}
	// form_post carries no SameSite=Lax cookie, and only moves its fields
	// into the fragment; the sandbox's machine endpoints authenticate the
	// client themselves, for a team's apps, when -sandbox-public says so.
	bypass := func(r *http.Request) bool {
		rest, underSandbox := strings.CutPrefix(r.URL.Path, "/sandbox")
		return isFormPost(r) || (cfg.SandboxPublic && underSandbox && sandbox.MachinePath(rest))
	}
	app := signIn.require(mux, bypass)

	// Probes and metrics answer whatever the Host: an orchestrator asks the
	// pod's own address. Everything else is for the public host only.
	probes := http.NewServeMux()
	portal.Health(probes, func() error { return nil }) // readiness is the process's: the store has its own metric
	top := http.NewServeMux()
	top.Handle("GET /healthz", probes)
	top.Handle("GET /readyz", probes)
	if cfg.MetricsAddr == "" {
		top.Handle("GET /metrics", metrics.Handler())
	}
	top.Handle("/", site.OnlyHere(boundBody(secureHeaders(site, app))))
	return &server{Handler: accessLog(cfg.Log, metrics, routeOf, top), metrics: metrics.Handler(), probes: probes, proxies: clients}, nil
}

// environments checks the environments and drops the disabled ones.
func environments(all []ngi.Environment, disabled []string) ([]ngi.Environment, error) {
	var envs []ngi.Environment
	for _, e := range all {
		if slices.Contains(disabled, e.ID) {
			continue
		}
		if slices.ContainsFunc(envs, func(x ngi.Environment) bool { return x.ID == e.ID }) {
			return nil, fmt.Errorf("environment %q is defined twice", e.ID)
		}
		if err := e.Check(); err != nil {
			return nil, err
		}
		envs = append(envs, e)
	}
	if len(envs) == 0 {
		return nil, fmt.Errorf("every environment is disabled")
	}
	return envs, nil
}

// signIn is the one way people sign in, if any.
type signIn struct {
	oidc  *portal.OIDC
	proxy *portal.ProxyAuth
}

func (s signIn) require(next http.Handler, bypass func(*http.Request) bool) http.Handler {
	switch {
	case s.oidc != nil:
		return s.oidc.Require(next, bypass)
	case s.proxy != nil:
		return s.proxy.Require(next, bypass)
	}
	return next
}

// newSignIn checks the sign-in flags together and makes the sign-in.
func newSignIn(cfg config, site guard.Site, clients guard.Clients, signedOut guard.Counter, metrics *portal.Metrics) (signIn, error) {
	proxy, oidc := cfg.Proxy.Header != "", cfg.OIDC.Issuer != ""
	switch {
	case proxy && oidc:
		return signIn{}, fmt.Errorf("-auth-issuer and -auth-proxy-header: choose one way to sign in")
	case !proxy && cfg.Proxy.GroupsHeader != "":
		return signIn{}, fmt.Errorf("-auth-proxy-groups-header: needs -auth-proxy-header")
	case len(cfg.Access) > 0 && !proxy && !oidc:
		cfg.Log.Warn("-env-allow without sign-in: nobody is known, so the limited environments are hidden from everyone")
	}
	if proxy {
		p := cfg.Proxy
		if len(cfg.TrustedProxies) == 0 {
			return signIn{}, fmt.Errorf("-auth-proxy-header: the header is believed only from a proxy named by -trusted-proxy")
		}
		// Any pod of a cluster can reach a Service: a wide range vouches for
		// no one unless the proxy also proves itself with the secret.
		if clients.Widest() > widestWithoutSecret && p.Secret == "" {
			return signIn{}, fmt.Errorf("-trusted-proxy: a range wider than a /24 may name any user only with -auth-proxy-secret-file (or name the proxy's own addresses)")
		}
		p.SecretHeader = cmp.Or(p.SecretHeader, portal.DefaultProxySecretHeader)
		p.FromTrusted, p.Refused = clients.FromTrusted, metrics.Refused
		return signIn{proxy: &p}, nil
	}
	if !oidc {
		return signIn{}, nil
	}
	o := cfg.OIDC
	o.PublicOrigin, o.KeepGroups, o.Pages, o.SignedOut, o.Refused = site.Origin(), cfg.Access.Groups(), ui.Paths(), signedOut, metrics.Refused
	var lastWarned atomic.Int64 // one log line a minute while the store stalls; the metric counts each
	o.Unchecked = func(err error) {
		metrics.Unchecked()
		if now := time.Now().Unix(); now-lastWarned.Load() >= 60 && lastWarned.Swap(now) != now {
			cfg.Log.Warn("the shared store did not answer the sign-out check: sessions stand on their cookie alone until it does", "err", err)
		}
	}
	if o.SessionKey == nil {
		o.SessionKey = make([]byte, 32)
		rand.Read(o.SessionKey)
		cfg.Log.Warn("sign-in sessions are sealed with a key made at start: they end when the server restarts and work on one replica only; give -auth-session-key-file")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	signer, err := portal.NewOIDC(ctx, o)
	if err != nil {
		return signIn{}, fmt.Errorf("-auth-issuer: %w", err)
	}
	return signIn{oidc: signer}, nil
}

// routeOf names a request's route for the metrics, from a short list (a
// label per path would let anyone grow the metrics without bound).
func routeOf(r *http.Request) string {
	p := r.URL.Path
	switch {
	case slices.Contains(ui.Paths(), p):
		return "page"
	case p == "/healthz" || p == "/readyz":
		return "probe"
	case p == "/metrics":
		return "metrics"
	case strings.HasPrefix(p, "/api/"):
		return "api"
	case strings.HasPrefix(p, "/sandbox/api/"):
		return "sandbox/api"
	case strings.HasPrefix(p, "/sandbox/"):
		return "sandbox"
	case strings.HasPrefix(p, "/auth/"):
		return "auth"
	case strings.HasPrefix(p, "/web/") || slices.Contains(goappFiles, p) || p == "/app.wasm":
		return "static"
	}
	return "other"
}
