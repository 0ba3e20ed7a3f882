// Command authdebug serves the OAuth debugging page for Norsk
// Gjeldsinformasjon: the go-app page, the relay under /api/ and the built-in
// sandbox under /sandbox/, all from one binary with web/ embedded.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/netutil"

	"authdebug/app/ngi"
	"authdebug/app/portal"
	"authdebug/app/sandbox"
	"authdebug/app/ui"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	ui.Register()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// run starts the server with the given flags and serves until ctx ends. Its
// result is the exit code: 2 for a flag that is wrong, 1 when serving fails.
// ui.Register must have been called.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("authdebug", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var (
		addr      = flags.String("addr", "127.0.0.1:8000", "address to listen on")
		sbFile    = flags.String("sandbox-clients", "", "a JSON file of sandbox clients in Hydra's client format (client_id, client_secret, redirect_uris, scope, audience, grant_types)")
		sbLegacy  = flags.Bool("sandbox-legacy-errors", false, "the sandbox speaks Hydra 1.x: the reason in error_hint, tokens without the ory_ prefix")
		sbCodeTTL = flags.Duration("sandbox-code-lifetime", ngi.CodeLifetime, "how long a sandbox authorization code lives (Hydra's ttl.auth_code)")
		logFormat = flags.String("log-format", "text", "text or json: the log's format (audit lines carry audit=true)")
		metrics   = flags.String("metrics-addr", "", "serve /metrics on this address instead of the main one (keeps it off the public port)")
		proxyAuth = flags.String("auth-proxy-header", "", "sign-in by an authenticating proxy in front: the header naming the user, e.g. X-Auth-Request-Email (groups from the matching Groups header); believed only from -trusted-proxy")
		envAllow  listFlag
		issuer    = flags.String("auth-issuer", "", "sign in with the company's identity provider (OIDC): its issuer URL")
		authID    = flags.String("auth-client-id", "", "the client id authdebug has at the identity provider")
		authSec   = flags.String("auth-client-secret-file", "", "a file holding that client's secret (or AUTHDEBUG_AUTH_CLIENT_SECRET)")
		sessKey   = flags.String("auth-session-key-file", "", "a file whose content seals the sign-in cookies; replicas share it (default: a key made at start)")
		groups    = flags.String("auth-groups-claim", "groups", "the ID token claim that lists the user's groups")
		domains   listFlag
		allowGrp  listFlag
		sbStore   = flags.String("sandbox-store", "", "keep the sandbox's state in Redis or Valkey, shared by replicas: redis://[:PASSWORD@]HOST:PORT[/DB], rediss://… or unix://PATH (default: in memory)")
		keyFile   = flags.String("sandbox-key-file", "", "a PEM RSA private key the sandbox signs ID tokens with, shared by replicas (default: a fresh key at start)")
		publicURL = flags.String("public-url", "", "the origin people open the tool at (default http://ADDR); the only host the server answers for, and the base of the sandbox's issuer")
		envs      listFlag
		disabled  listFlag
		sbClients listFlag
		proxies   listFlag
	)
	flags.Var(&envs, "env", "add a Hydra-style environment: NAME=ISSUER_URL[,API_BASE] (repeatable)")
	flags.Var(&disabled, "disable-env", "switch off an environment by id: sandbox, preprod, prod or an -env NAME (repeatable)")
	flags.Var(&sbClients, "sandbox-client", "register a sandbox client: ID:SECRET:REDIRECT[,REDIRECT] (repeatable)")
	flags.Var(&domains, "auth-allow-domain", "let in users whose e-mail is in this domain (repeatable)")
	flags.Var(&allowGrp, "auth-allow-group", "let in users of this group (repeatable)")
	flags.Var(&envAllow, "env-allow", "limit an environment to a group of signed-in users: ENV=GROUP (repeatable)")
	flags.Var(&proxies, "trusted-proxy", "a proxy in front, as a CIDR or address: its X-Forwarded-For names the client for rate limits (repeatable)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	fail := func(code int, what string, err error) int {
		fmt.Fprintf(stderr, "authdebug: %s%v\n", what, err)
		return code
	}
	if err := flagsFromEnv(flags, os.Getenv); err != nil {
		return fail(2, "", err)
	}

	var log *slog.Logger
	switch *logFormat {
	case "text":
		log = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		log = slog.New(slog.NewJSONHandler(stderr, nil))
	default:
		return fail(2, "-log-format: ", fmt.Errorf("%q: want text or json", *logFormat))
	}
	cfg := config{Disabled: disabled, TrustedProxies: proxies, Log: log, SandboxLegacyErrors: *sbLegacy, SandboxCodeLifetime: *sbCodeTTL, MetricsAddr: *metrics,
		AuthProxyHeader: *proxyAuth, EnvAllow: envAllow}
	if *sbCodeTTL <= 0 {
		return fail(2, "-sandbox-code-lifetime: ", fmt.Errorf("%s is not a positive duration", *sbCodeTTL))
	}
	if *issuer != "" {
		cfg.OIDC = portal.OIDCConfig{Issuer: *issuer, ClientID: *authID, ClientSecret: os.Getenv("AUTHDEBUG_AUTH_CLIENT_SECRET"),
			AllowDomains: domains, AllowGroups: allowGrp, GroupsClaim: *groups}
		if *authSec != "" {
			data, err := os.ReadFile(*authSec)
			if err != nil {
				return fail(2, "-auth-client-secret-file: ", err)
			}
			cfg.OIDC.ClientSecret = strings.TrimSpace(string(data))
		}
		if *sessKey != "" {
			data, err := os.ReadFile(*sessKey)
			if err != nil || len(data) < 32 {
				return fail(2, "-auth-session-key-file: ", fmt.Errorf("want a readable file of 32 bytes or more (%v)", err))
			}
			sum := sha256.Sum256(data)
			cfg.OIDC.SessionKey = sum[:]
		}
		if cfg.OIDC.ClientID == "" {
			return fail(2, "-auth-client-id: ", errors.New("sign-in with -auth-issuer needs the client id"))
		}
	}
	if *keyFile != "" {
		data, err := os.ReadFile(*keyFile)
		if err != nil {
			return fail(2, "-sandbox-key-file: ", err)
		}
		if cfg.SandboxKey, err = sandbox.ParseKey(data); err != nil {
			return fail(2, "-sandbox-key-file: "+*keyFile+": ", err)
		}
	}
	if *sbStore != "" {
		store, err := sandbox.NewRedisStore(*sbStore, log)
		if err != nil {
			// The URL may hold a password: the error names only what is wrong.
			return fail(2, "-sandbox-store: ", errors.New("want redis://HOST:PORT, rediss://HOST:PORT or unix://PATH"))
		}
		ping, cancel := context.WithTimeout(ctx, 3*time.Second)
		if err := store.Ping(ping); err != nil {
			log.Warn("the sandbox's store does not answer yet; /readyz says so until it does", "err", err)
		}
		cancel()
		cfg.SandboxStore = store
	}
	if *sbFile != "" {
		data, err := os.ReadFile(*sbFile)
		if err != nil {
			return fail(2, "-sandbox-clients: ", err)
		}
		clients, err := sandbox.ReadClients(data)
		if err != nil {
			return fail(2, "-sandbox-clients: "+*sbFile+": ", err)
		}
		cfg.SandboxClients = append(cfg.SandboxClients, clients...)
	}
	for _, e := range envs {
		env, err := parseEnvFlag(e)
		if err != nil {
			return fail(2, "-env: ", err)
		}
		cfg.Extra = append(cfg.Extra, env)
	}
	for _, c := range sbClients {
		client, err := sandbox.ParseClient(c)
		if err != nil {
			return fail(2, "-sandbox-client: ", err)
		}
		cfg.SandboxClients = append(cfg.SandboxClients, client)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(1, "-addr: ", err)
	}
	defer ln.Close()
	cfg.PublicURL = *publicURL
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + displayAddr(ln.Addr().String())
	}
	handler, err := newServer(cfg)
	if err != nil {
		return fail(2, "", err)
	}
	srv, ln := newHTTPServer(handler, ln, cfg.Limits.orDefault(), log)
	servers := []*http.Server{srv}
	if *metrics != "" {
		mln, err := net.Listen("tcp", *metrics)
		if err != nil {
			return fail(1, "-metrics-addr: ", err)
		}
		msrv, mln := newHTTPServer(handler.metrics, mln, cfg.Limits.orDefault(), log)
		servers = append(servers, msrv)
		go msrv.Serve(mln)
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, s := range servers {
			s.Shutdown(shutdown)
		}
	}()
	log.Info("authdebug is serving", "url", cfg.PublicURL)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(1, "serve: ", err)
	}
	return 0
}

// flagsFromEnv reads each flag not given on the command line from the
// environment: AUTHDEBUG_ and the flag's name in upper case with _ for -
// (AUTHDEBUG_PUBLIC_URL). A repeatable flag takes one value per line.
func flagsFromEnv(flags *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	flags.VisitAll(func(f *flag.Flag) {
		name := "AUTHDEBUG_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v := getenv(name)
		if given[f.Name] || v == "" || err != nil {
			return
		}
		values := []string{v}
		if _, repeatable := f.Value.(*listFlag); repeatable {
			values = strings.Split(strings.TrimSpace(v), "\n")
		}
		for _, one := range values {
			if e := f.Value.Set(strings.TrimSpace(one)); e != nil {
				err = fmt.Errorf("%s: %v", name, e)
			}
		}
	})
	return err
}

// newHTTPServer bounds every connection: time to send headers, a body and
// an answer, time idle between requests, header size, and how many are open.
func newHTTPServer(h http.Handler, ln net.Listener, lim limits, log *slog.Logger) (*http.Server, net.Listener) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return srv, netutil.LimitListener(ln, lim.MaxConns)
}

// parseEnvFlag reads NAME=ISSUER_URL[,API_BASE]: the API base is where
// NGI's API is served for the environment (the Call tab).
func parseEnvFlag(s string) (ngi.Environment, error) {
	name, value, ok := strings.Cut(s, "=")
	issuer, apiBase, _ := strings.Cut(value, ",")
	if !ok || name == "" || issuer == "" {
		return ngi.Environment{}, fmt.Errorf("%q: want NAME=ISSUER_URL[,API_BASE]", s)
	}
	if err := ngi.CheckIssuer(issuer); err != nil {
		return ngi.Environment{}, err
	}
	e := ngi.Hydra(name, name, issuer)
	if apiBase != "" {
		if err := ngi.CheckIssuer(apiBase); err != nil {
			return ngi.Environment{}, fmt.Errorf("the API base: %w", err)
		}
		e.APIBase = strings.TrimSuffix(apiBase, "/")
		e.Services = ngi.Services(e.APIBase)
	}
	return e, nil
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
