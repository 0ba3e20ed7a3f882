package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/netutil"

	"authdebug/app/guard"
	"authdebug/app/portal"
)

// contentSecurityPolicy allows the page's own scripts and wasm, nothing
// inline but styles, forms that post only here, and no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// newHTTPServer bounds every connection: time to send headers, a body and
// an answer, time idle between requests, header size, how many are open, and
// how many one address may hold (a trusted proxy carries everyone's, so it
// is held only to the total).
func newHTTPServer(h http.Handler, ln net.Listener, lim limits, log *slog.Logger) (*http.Server, net.Listener) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	perAddress := guard.LimitPerAddress(ln, lim.MaxConnsPerAddress, lim.ConnsExempt)
	return srv, netutil.LimitListener(perAddress, lim.MaxConns)
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

// boundBody cuts every request body at maxBody.
func boundBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r)
	})
}

// accessLog logs each request by path only (a query may carry a code or a
// state), cut short: a path is the requester's to make as long as it likes.
// It names the signed-in user, which sign-in (inside it) reports through
// the request's seen slot, and counts the answer by route and status.
func accessLog(log *slog.Logger, metrics *portal.Metrics, route func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		r, seen := portal.WithSeenUser(r)
		next.ServeHTTP(sw, r)
		attrs := []any{"method", clip(r.Method), "path", clip(r.URL.Path), "status", sw.status, "ms", time.Since(start).Milliseconds()}
		if u := seen(); u != "" {
			attrs = append(attrs, "user", clip(u))
		}
		log.Info("http", attrs...)
		metrics.Answer(route(r), sw.status)
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

// tooMany answers 429 in the shape of an OAuth error, with when to retry.
func tooMany(w http.ResponseWriter, wait time.Duration, what string) {
	secs := guard.RetryAfter(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTooManyRequests)
	fmt.Fprintf(w, `{"error":"rate_limited","error_description":"Too many %s; try again in %d s."}`+"\n", what, secs)
}
