package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
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

// config is what newServer needs; main fills it from flags, tests by hand.
type config struct {
	PublicURL      string
	TrustedProxies []string // CIDRs whose X-Forwarded-For names the client
	Extra          []ngi.Environment
	Disabled       []string
	SandboxClients []sandbox.Client
	// SandboxLegacyErrors makes the sandbox speak Hydra 1.x (error_hint, no token prefixes).
	SandboxLegacyErrors bool
	SandboxCodeLifetime time.Duration // zero: Hydra's default
	Log                 *slog.Logger
	Web                 fs.FS // nil: the embedded web/
	// Network replaces the relay's transport for non-sandbox environments (tests).
	Network http.RoundTripper
	Timeout time.Duration
	Limits  limits // zero fields get defaultLimits'
	// MetricsAddr, when set, is where /metrics is served instead of the
	// main address (see run).
	MetricsAddr string
	// AuthProxyHeader names the header in which an authenticating proxy in
	// front (one of TrustedProxies) names the user; empty: no sign-in.
	AuthProxyHeader string
	// EnvAllow limits environments to groups: "ENV=GROUP" (repeatable).
	EnvAllow []string
	// SandboxKey signs the sandbox's ID tokens; nil makes a fresh one.
	SandboxKey *rsa.PrivateKey
	// SandboxStore keeps the sandbox's state; nil keeps it in memory.
	SandboxStore sandbox.Store
	// OIDC, when its Issuer is set, signs people in with the company's
	// identity provider (PublicOrigin is filled in here).
	OIDC portal.OIDCConfig
}

// server is the whole tool's handler, and its metrics for a separate address.
type server struct {
	http.Handler
	metrics http.Handler
}

// limits bound what one server gives its clients.
type limits struct {
	ReadTimeout  time.Duration // a whole request, body included
	WriteTimeout time.Duration // a whole answer; app.wasm on a slow line is the longest
	IdleTimeout  time.Duration // a keep-alive connection between requests
	MaxConns     int           // open connections; more wait to be accepted
	// Each client may make CallBurst token or revocation calls at once, then
	// one per CallEvery: through the relay, and to the sandbox's endpoints.
	CallBurst int
	CallEvery time.Duration
}

var defaultLimits = limits{
	ReadTimeout: 30 * time.Second, WriteTimeout: 2 * time.Minute, IdleTimeout: time.Minute,
	MaxConns: 1000, CallBurst: 20, CallEvery: time.Second,
}

// orDefault fills the zero fields from defaultLimits.
func (l limits) orDefault() limits {
	d := defaultLimits
	return limits{
		ReadTimeout: cmp.Or(l.ReadTimeout, d.ReadTimeout), WriteTimeout: cmp.Or(l.WriteTimeout, d.WriteTimeout),
		IdleTimeout: cmp.Or(l.IdleTimeout, d.IdleTimeout), MaxConns: cmp.Or(l.MaxConns, d.MaxConns),
		CallBurst: cmp.Or(l.CallBurst, d.CallBurst), CallEvery: cmp.Or(l.CallEvery, d.CallEvery),
	}
}

// Bounds that are not worth a setting.
const (
	maxBody         = 64 << 10 // any request body; the relay and the sandbox need far less
	maxHeaderBytes  = 64 << 10
	maxLimitClients = 10000 // clients a rate limiter remembers
	maxLogged       = 200   // characters of a request value in a log line
)

// contentSecurityPolicy allows the page's own scripts and wasm, nothing
// inline but styles, forms that post only here, and no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// newServer wires the page, the relay and the sandbox into one handler.
// ui.Register must have been called.
func newServer(cfg config) (*server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	lim := cfg.Limits.orDefault()
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
		sub, err := fs.Sub(web, "web")
		if err != nil {
			return nil, err
		}
		webFS = sub
	}
	wasm, err := fs.ReadFile(webFS, "app.wasm")
	if err != nil {
		cfg.Log.Warn("web/app.wasm is missing: the page will not load; build it with make build")
	}
	sum := sha256.Sum256(wasm)
	version := hex.EncodeToString(sum[:8])

	sb, err := sandbox.New(sandbox.Config{Origin: site.Origin(), Clients: cfg.SandboxClients,
		LegacyErrors: cfg.SandboxLegacyErrors, CodeLifetime: cfg.SandboxCodeLifetime, Key: cfg.SandboxKey, Store: cfg.SandboxStore})
	if err != nil {
		return nil, err
	}
	all := append([]ngi.Environment{sb.Environment(), ngi.Preprod(), ngi.Prod()}, cfg.Extra...)
	var envs []ngi.Environment
	for _, e := range all {
		if slices.Contains(cfg.Disabled, e.ID) {
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
	access := portal.Access{}
	for _, rule := range cfg.EnvAllow {
		env, group, ok := strings.Cut(rule, "=")
		switch {
		case !ok || env == "" || group == "":
			return nil, fmt.Errorf("-env-allow: %q: want ENV=GROUP", rule)
		case env == "sandbox":
			return nil, fmt.Errorf("-env-allow: the sandbox is open to every signed-in user")
		}
		access[env] = append(access[env], group)
	}
	if len(access) > 0 && cfg.AuthProxyHeader == "" {
		cfg.Log.Warn("-env-allow without sign-in: nobody is known, so the limited environments are hidden from everyone")
	}
	if cfg.AuthProxyHeader != "" && len(cfg.TrustedProxies) == 0 {
		return nil, fmt.Errorf("-auth-proxy-header: the header is believed only from a proxy named by -trusted-proxy")
	}
	if cfg.AuthProxyHeader != "" && cfg.OIDC.Issuer != "" {
		return nil, fmt.Errorf("-auth-issuer and -auth-proxy-header: choose one way to sign in")
	}
	var signIn *portal.OIDC
	if cfg.OIDC.Issuer != "" {
		cfg.OIDC.PublicOrigin = site.Origin()
		if cfg.OIDC.SessionKey == nil {
			cfg.OIDC.SessionKey = make([]byte, 32)
			rand.Read(cfg.OIDC.SessionKey)
			cfg.Log.Warn("sign-in sessions are sealed with a key made at start: they end when the server restarts and work on one replica only; give -auth-session-key-file")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if signIn, err = portal.NewOIDC(ctx, cfg.OIDC); err != nil {
			return nil, fmt.Errorf("-auth-issuer: %w", err)
		}
	}
	metrics := portal.NewMetrics()
	metrics.WatchSizes("authdebug_sandbox_entries", "What the sandbox holds, by kind.", sb.Sizes)
	api := relay.New(envs, relay.Options{
		Transports: map[string]http.RoundTripper{"sandbox": relay.HandlerTransport{Handler: sb}},
		Network:    cfg.Network, Timeout: cfg.Timeout, Logger: cfg.Log,
		Site: site, Clients: clients,
		Limit:    guard.NewLimiter(lim.CallBurst, lim.CallEvery, maxLimitClients),
		Observer: metrics,
		Allows:   access.Allows,
		UserOf: func(r *http.Request) string {
			u, _ := portal.UserOf(r)
			return u.Name
		},
		SignOut: map[bool]string{true: "/auth/logout"}[signIn != nil],
	})

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
		Version:           version,
		Resources:         webResolver{http.FileServerFS(webFS)},
		WasmContentLength: fmt.Sprint(len(wasm)),
		// The wasm's download starts as the HTML is read, not once app.js
		// runs; app.js's fetch takes it (same URL, CORS mode and credentials).
		// Interleaved cold loads: 0.94x the time throttled, even on loopback.
		RawHeaders: []string{`<link rel="preload" href="/web/app.wasm" as="fetch" type="application/wasm" crossorigin="anonymous">`},
	}

	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	if !slices.Contains(cfg.Disabled, "sandbox") {
		// The relay reaches the sandbox in-process, past this limit: it has its own.
		sandboxLimit := guard.NewLimiter(lim.CallBurst, lim.CallEvery, maxLimitClients)
		mux.Handle("/sandbox/", limitSandboxCalls(sandboxLimit, clients, metrics, cfg.Log, sb))
	}
	wasmHandler := precompressed{fs: webFS, etag: `"` + version + `"`}
	mux.Handle("/web/app.wasm", wasmHandler)
	mux.Handle("/app.wasm", wasmHandler)
	mux.Handle("/robots.txt", fileFrom(webFS, "robots.txt", "text/plain; charset=utf-8"))
	if script, err := appJS(page); err != nil {
		cfg.Log.Warn("the page's loader", "err", err)
	} else {
		mux.Handle("GET /app.js", script)
	}
	mux.Handle("/", pageOnly(page))

	// Probes and metrics answer whatever the Host: an orchestrator asks the
	// pod's own address. Everything else is for the public host only.
	top := http.NewServeMux()
	portal.Health(top, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := sb.Ready(ctx); err != nil {
			// Not in the answer: it may name internal addresses, and /readyz is open.
			cfg.Log.Warn("not ready: the sandbox's store does not answer", "err", err)
			return errors.New("the sandbox's store does not answer")
		}
		return nil
	})
	if cfg.MetricsAddr == "" {
		top.Handle("GET /metrics", metrics.Handler())
	}
	var app http.Handler = mux
	switch {
	case cfg.AuthProxyHeader != "":
		app = portal.ProxyAuth{Header: cfg.AuthProxyHeader, FromTrusted: clients.FromTrusted}.Require(mux)
	case signIn != nil:
		signIn.Routes(mux)
		app = signIn.Require(mux)
	}
	top.Handle("/", site.OnlyHere(boundBody(secureHeaders(site, app))))
	return &server{Handler: accessLog(cfg.Log, top), metrics: metrics.Handler()}, nil
}

// goappFiles are the files go-app's handler makes itself.
var goappFiles = []string{"/app.js", "/app-worker.js", "/wasm_exec.js", "/manifest.webmanifest", "/app.css"}

// pageOnly lets go-app's handler see only what it should serve, and only the
// path of it. Left to itself, go-app strips a "/<version>/" prefix from any
// path and answers /robots.txt, /sitemap.xml and /ads.txt by fetching them
// from "http://" + the request's Host with http.DefaultClient, caching the
// first answer for everyone; and it prerenders the page with the request's
// query, writing attribute values with strconv.Quote, which does not escape
// HTML. So: its own files, /web/ and the page routes reach it, without a
// query (the wasm reads deep links and callbacks from the browser's URL);
// everything else is 404 here.
func pageOnly(page http.Handler) http.Handler {
	routes := ui.Paths()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "/callback" && r.Method == http.MethodPost {
			receiveFormPost(w, r)
			return
		}
		isPage := slices.Contains(routes, p)
		if !isPage && !slices.Contains(goappFiles, p) && !strings.HasPrefix(p, "/web/") {
			http.NotFound(w, r)
			return
		}
		clean := r.Clone(r.Context())
		clean.URL = &url.URL{Path: p}
		clean.RequestURI = p
		if p == "/callback" {
			// NGI's redirect lands here with a code in the URL: keep no copy.
			w = &fixedHeader{ResponseWriter: w, name: "Cache-Control", value: "no-store"}
		}
		if !isPage {
			page.ServeHTTP(w, clean)
			return
		}
		rec := httptest.NewRecorder()
		page.ServeHTTP(rec, clean)
		body := falseBoolean.ReplaceAll(rec.Body.Bytes(), nil)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// falseBoolean is a false boolean attribute as go-app writes it when it
// renders a page on the server (checked="false"). A browser reads the
// attribute's presence as true: the page shown while the wasm loads would
// show options chosen, boxes ticked and buttons disabled that the page will
// not have. In the browser go-app sets the property, so only the server's
// HTML needs them gone. go-app quotes attribute values with strconv.Quote, so
// the pattern cannot match inside a value.
var falseBoolean = regexp.MustCompile(` (checked|selected|disabled|readonly|required|hidden|open|multiple|autofocus|novalidate|formnovalidate)="false"`)

// receiveFormPost takes a callback sent with response_mode=form_post and
// hands it to the page in the fragment of /callback, which never reaches a
// server or a log; the page reads it as a form_post callback.
func receiveFormPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The callback's form cannot be read: "+clip(err.Error()), http.StatusBadRequest)
		return
	}
	form := r.PostForm
	form.Set(flow.FormPostMarker, ngi.ResponseModeFormPost)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/callback#"+form.Encode(), http.StatusSeeOther)
}

// fixedHeader sets a header as the answer starts, over what the handler set.
type fixedHeader struct {
	http.ResponseWriter
	name, value string
	started     bool
}

func (f *fixedHeader) WriteHeader(code int) {
	if !f.started {
		f.started = true
		f.Header().Set(f.name, f.value)
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f *fixedHeader) Write(b []byte) (int, error) {
	if !f.started {
		f.WriteHeader(http.StatusOK)
	}
	return f.ResponseWriter.Write(b)
}

// limitSandboxCalls answers 429 to a client past its token or revocation
// calls, in the shape of an OAuth error.
func limitSandboxCalls(lim *guard.Limiter, clients guard.Clients, observer relay.Observer, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && (r.URL.Path == "/sandbox/oauth2/token" || r.URL.Path == "/sandbox/oauth2/revoke") {
			who := clients.Of(r)
			if ok, wait := lim.Allow(who); !ok {
				secs := guard.RetryAfter(wait)
				log.Warn("sandbox rate limit", "audit", true, "user", who, "path", r.URL.Path, "retry_after_s", secs)
				observer.Limited("sandbox " + strings.TrimPrefix(r.URL.Path, "/sandbox/oauth2/"))
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.Header().Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprintf(w, `{"error":"rate_limited","error_description":"Too many calls from your address; try again in %d s."}`+"\n", secs)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// boundBody cuts every request body at maxBody.
func boundBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r)
	})
}

// webResolver serves /web/ from a file system and keeps URLs as they are;
// go-app's LocalDir("dir") is broken in v10.1.11.
type webResolver struct{ http.Handler }

func (webResolver) Resolve(p string) string { return p }

func (w webResolver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	r2 := *r
	u := *r.URL
	u.Path = strings.TrimPrefix(u.Path, "/web")
	r2.URL = &u
	w.Handler.ServeHTTP(rw, &r2)
}

func fileFrom(fsys fs.FS, name, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Write(b)
	})
}

// secureHeaders adds the headers of a careful site to every answer. A
// callback URL carries a code, so no page may leak its URL in a Referer.
func secureHeaders(site guard.Site, next http.Handler) http.Handler {
	https := strings.HasPrefix(site.Origin(), "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// accessLog logs each request by path only (a query may carry a code or a
// state), cut short: a path is the requester's to make as long as it likes.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		log.Info("http", "method", clip(r.Method), "path", clip(r.URL.Path), "status", sw.status, "ms", time.Since(start).Milliseconds())
	})
}

// clip shortens a request value for a log line.
func clip(s string) string {
	if len(s) <= maxLogged {
		return s
	}
	return strings.ToValidUTF8(s[:maxLogged], "") + "…"
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
