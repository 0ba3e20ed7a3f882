// Command authdebug serves the OAuth debugging page for Norsk
// Gjeldsinformasjon: the go-app page, the relay under /api/ and the built-in
// sandbox under /sandbox/, all from one binary with web/ embedded.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"authdebug/app/ngi"
	"authdebug/app/sandbox"
	"authdebug/app/ui"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var (
		addr      = flag.String("addr", "127.0.0.1:8000", "address to listen on")
		publicURL = flag.String("public-url", "", "the origin people open the tool at (default http://ADDR); the sandbox's issuer and redirect URIs are built on it")
		envs      listFlag
		disabled  listFlag
		sbClients listFlag
	)
	flag.Var(&envs, "env", "add a Hydra-style environment: NAME=ISSUER_URL (repeatable)")
	flag.Var(&disabled, "disable-env", "switch off an environment by id: sandbox, preprod, prod or an -env NAME (repeatable)")
	flag.Var(&sbClients, "sandbox-client", "register a sandbox client: ID:SECRET:REDIRECT[,REDIRECT] (repeatable)")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg := config{Disabled: disabled, Log: log}
	for _, e := range envs {
		env, err := parseEnvFlag(e)
		if err != nil {
			fmt.Fprintln(os.Stderr, "authdebug: -env:", err)
			os.Exit(2)
		}
		cfg.Extra = append(cfg.Extra, env)
	}
	for _, c := range sbClients {
		client, err := sandbox.ParseClient(c)
		if err != nil {
			fmt.Fprintln(os.Stderr, "authdebug: -sandbox-client:", err)
			os.Exit(2)
		}
		cfg.SandboxClients = append(cfg.SandboxClients, client)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "authdebug:", err)
		os.Exit(1)
	}
	cfg.PublicURL = *publicURL
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + displayAddr(ln.Addr().String())
	}
	ui.Register()
	handler, err := newServer(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "authdebug:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Info("authdebug is serving", "url", cfg.PublicURL)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", "error", err)
		os.Exit(1)
	}
}

// parseEnvFlag reads NAME=ISSUER_URL.
func parseEnvFlag(s string) (ngi.Environment, error) {
	name, issuer, ok := strings.Cut(s, "=")
	if !ok || name == "" || issuer == "" {
		return ngi.Environment{}, fmt.Errorf("%q: want NAME=ISSUER_URL", s)
	}
	if !strings.HasPrefix(issuer, "https://") && !strings.HasPrefix(issuer, "http://") {
		return ngi.Environment{}, fmt.Errorf("%q: the issuer must be an http(s) URL", issuer)
	}
	return ngi.Hydra(name, name, issuer), nil
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
