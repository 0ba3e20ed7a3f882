package main

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/ngi"
	"authdebug/app/relay"
	"authdebug/app/sandbox"
)

// web holds the static files, app.wasm and its compressed copies included,
// so the binary alone is the deployable.
//
//go:embed web
var web embed.FS

// config is what newServer needs; main fills it from flags, tests by hand.
type config struct {
	PublicURL      string
	Extra          []ngi.Environment
	Disabled       []string
	SandboxClients []sandbox.Client
	Log            *slog.Logger
	Web            fs.FS // nil: the embedded web/
	// Network replaces the relay's transport for non-sandbox environments (tests).
	Network http.RoundTripper
	Timeout time.Duration
}

// contentSecurityPolicy allows the page's own scripts and wasm, nothing
// inline but styles, and no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"

// newServer wires the page, the relay and the sandbox into one handler.
// ui.Register must have been called.
func newServer(cfg config) (http.Handler, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
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

	sb, err := sandbox.New(sandbox.Config{Origin: cfg.PublicURL, Clients: cfg.SandboxClients})
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
		envs = append(envs, e)
	}
	if len(envs) == 0 {
		return nil, fmt.Errorf("every environment is disabled")
	}
	api := relay.New(envs, relay.Options{
		Transports: map[string]http.RoundTripper{"sandbox": relay.HandlerTransport{Handler: sb}},
		Network:    cfg.Network, Timeout: cfg.Timeout, Logger: cfg.Log,
		PublicOrigin: strings.TrimSuffix(cfg.PublicURL, "/"),
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
		LoadingLabel:      "Loading authdebug… {progress}%",
		Version:           version,
		Resources:         webResolver{http.FileServerFS(webFS)},
		WasmContentLength: fmt.Sprint(len(wasm)),
	}

	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	if !slices.Contains(cfg.Disabled, "sandbox") {
		mux.Handle("/sandbox/", sb)
	}
	wasmHandler := precompressed{fs: webFS, etag: `"` + version + `"`}
	mux.Handle("/web/app.wasm", wasmHandler)
	mux.Handle("/app.wasm", wasmHandler)
	// go-app would fetch these from its own Host header; serve them here instead.
	mux.Handle("/robots.txt", fileFrom(webFS, "robots.txt", "text/plain; charset=utf-8"))
	mux.Handle("/sitemap.xml", http.NotFoundHandler())
	mux.Handle("/ads.txt", http.NotFoundHandler())
	mux.Handle("/", page)
	return accessLog(cfg.Log, secureHeaders(mux)), nil
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
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// accessLog logs each request by path only: a query may carry a code or a state.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		log.Info("http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds())
	})
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
