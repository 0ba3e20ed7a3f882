// Command authdebug serves the OAuth debugging page for Norsk
// Gjeldsinformasjon: the go-app page, the relay under /api/ and the built-in
// sandbox under /sandbox/, all from one binary with web/ embedded.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"authdebug/app/sandbox"
	"authdebug/app/ui"
)

// version is the release, stamped by the build (-ldflags "-X main.version=v1.2.3");
// without it, the VCS revision Go recorded.
var version = ""

// buildInfo is what -version prints and authdebug_build_info says.
func buildInfo() (release, revision, goVersion string) {
	revision = "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	release = version
	if release == "" {
		release = "dev"
		if len(revision) >= 12 {
			release = "dev-" + revision[:12]
		}
	}
	return release, revision, runtime.Version()
}

func main() {
	ui.Register()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "check" {
		os.Exit(runCheck(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// run starts the server with the given flags and serves until ctx ends. Its
// result is the exit code: 2 for a flag that is wrong, 1 when serving fails.
// ui.Register must have been called.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "authdebug: %v\n", err)
		return code
	}
	cfg, err := parseFlags(args, os.Getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage(stderr)
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "authdebug: %v\n(authdebug -help lists the flags)\n", err)
		return 2
	case cfg.ShowVersion:
		release, revision, goVersion := buildInfo()
		fmt.Fprintf(stderr, "authdebug %s (revision %s, %s)\n", release, revision, goVersion)
		return 0
	}
	if cfg.LogFormat == "json" {
		cfg.Log = slog.New(slog.NewJSONHandler(stderr, nil))
	} else {
		cfg.Log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	if cfg.SandboxStoreURL != "" {
		store, err := sandbox.NewRedisStore(cfg.SandboxStoreURL, cfg.Log)
		if err != nil {
			// The URL may hold a password: the error names only what is wrong.
			return fail(2, errors.New("-sandbox-store: want redis://HOST:PORT, rediss://HOST:PORT or unix://PATH"))
		}
		ping, cancel := context.WithTimeout(ctx, 3*time.Second)
		if err := store.Ping(ping); err != nil {
			cfg.Log.Warn("the shared store does not answer yet: the sandbox answers 503 until it does", "err", err)
		}
		cancel()
		cfg.SandboxStore = store
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(1, fmt.Errorf("-addr: %w", err))
	}
	defer ln.Close()
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + displayAddr(ln.Addr().String())
	}
	handler, err := newServer(cfg)
	if err != nil {
		return fail(2, err)
	}
	lim := cfg.Limits.orDefault()
	lim.ConnsExempt = handler.proxies.IsTrusted // a proxy carries everyone's connections
	srv, ln := newHTTPServer(handler, ln, lim, cfg.Log)
	servers := []*http.Server{srv}
	// The probes and the metrics get listeners of their own: a public
	// listener full of idle or slow connections cannot starve them.
	for _, side := range []struct {
		flag, addr string
		handler    http.Handler
	}{{"-metrics-addr", cfg.MetricsAddr, handler.metrics}, {"-probe-addr", cfg.ProbeAddr, handler.probes}} {
		if side.addr == "" {
			continue
		}
		sln, err := net.Listen("tcp", side.addr)
		if err != nil {
			return fail(1, fmt.Errorf("%s: %w", side.flag, err))
		}
		s, sln := newHTTPServer(side.handler, sln, lim, cfg.Log)
		servers = append(servers, s)
		go s.Serve(sln)
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, s := range servers {
			s.Shutdown(shutdown)
		}
	}()
	cfg.Log.Info("authdebug is serving", "url", cfg.PublicURL)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(1, fmt.Errorf("serve: %w", err))
	}
	return 0
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(a string) string {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return a
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
