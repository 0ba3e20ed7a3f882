package main

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"authdebug/app/ngi"
	"authdebug/app/portal"
	"authdebug/app/sandbox"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// flagValues are the flags as given, before they are checked and read.
type flagValues struct {
	addr, probeAddr, metricsAddr, publicURL, logFormat                   string
	sandboxClientsFile, sandboxKeyFile, sandboxStore                     string
	sandboxLegacy, sandboxPublic, version                                bool
	sandboxCodeTTL, sessionTTL                                           time.Duration
	sandboxRate                                                          string
	proxyHeader, proxyGroupsHeader, proxySecretFile, proxySecretHeader   string
	issuer, authClientID, authSecretFile, sessionKeyFile, groupsClaim    string
	envs, disabled, sandboxClients, proxies, domains, allowGroups, allow listFlag
}

// newFlagSet declares every flag into v.
func newFlagSet(v *flagValues) *flag.FlagSet {
	f := flag.NewFlagSet("authdebug", flag.ContinueOnError)
	f.SetOutput(io.Discard)
	f.StringVar(&v.addr, "addr", "127.0.0.1:8000", "address to listen on")
	f.StringVar(&v.probeAddr, "probe-addr", "", "serve /healthz and /readyz on this address too, on a listener of their own that a full public one cannot block (Kubernetes probes it)")
	f.StringVar(&v.metricsAddr, "metrics-addr", "", "serve /metrics on this address instead of the main one (keeps it off the public port)")
	f.StringVar(&v.publicURL, "public-url", "", "the origin people open the tool at (default http://ADDR); the only host the server answers for, and the base of the sandbox's issuer")
	f.StringVar(&v.logFormat, "log-format", "text", "text or json: the log's format (audit lines carry audit=true)")
	f.BoolVar(&v.version, "version", false, "print the version and exit")
	f.Var(&v.envs, "env", "add a Hydra-style environment: NAME=ISSUER_URL[,API_BASE] (repeatable)")
	f.Var(&v.disabled, "disable-env", "switch off an environment by id: sandbox, preprod, prod or an -env NAME (repeatable)")
	f.Var(&v.proxies, "trusted-proxy", "a proxy in front, as a CIDR or address: its X-Forwarded-For names the client for rate limits (repeatable)")

	f.StringVar(&v.sandboxClientsFile, "sandbox-clients", "", "a JSON file of sandbox clients in Hydra's client format (client_id, client_secret, redirect_uris, scope, audience, grant_types)")
	f.Var(&v.sandboxClients, "sandbox-client", "register a sandbox client: ID:SECRET:REDIRECT[,REDIRECT] (repeatable)")
	f.BoolVar(&v.sandboxPublic, "sandbox-public", false, "with sign-in on, let machines reach the sandbox's machine endpoints (discovery, keys, token, revoke, userinfo, the API, scenarios) without a portal session: they authenticate the client themselves; the consent page stays behind sign-in")
	f.BoolVar(&v.sandboxLegacy, "sandbox-legacy-errors", false, "the sandbox speaks Hydra 1.x: the reason in error_hint, tokens without the ory_ prefix")
	f.DurationVar(&v.sandboxCodeTTL, "sandbox-code-lifetime", ngi.CodeLifetime, "how long a sandbox authorization code lives (Hydra's ttl.auth_code)")
	f.StringVar(&v.sandboxRate, "sandbox-rate", "", "the sandbox's rate limits: failed=N/DURATION (wrong client credentials, per address and per client id) and calls=N/s (every token, revocation, authorize and consent call per address); default "+defaultSandboxRate.String())
	f.StringVar(&v.sandboxStore, "sandbox-store", "", "keep the sandbox's state (and the portal's sign-outs and failed-authentication counts) in Redis or Valkey, shared by replicas: redis://[:PASSWORD@]HOST:PORT[/DB], rediss://… or unix://PATH (default: in memory)")
	f.StringVar(&v.sandboxKeyFile, "sandbox-key-file", "", "a PEM RSA private key (2048 bits or more) the sandbox signs ID tokens with, shared by replicas (default: a fresh key at start)")

	f.StringVar(&v.proxyHeader, "auth-proxy-header", "", "sign-in by an authenticating proxy in front: the header naming the user, e.g. X-Auth-Request-Email; believed only from -trusted-proxy carrying the proxy secret")
	f.StringVar(&v.proxyGroupsHeader, "auth-proxy-groups-header", "", "the header in which that proxy names the user's groups, e.g. X-Auth-Request-Groups (default: none; proxy users have no groups)")
	f.StringVar(&v.proxySecretFile, "auth-proxy-secret-file", "", "a file holding the secret the proxy adds to every request; needed when -trusted-proxy is wider than one address block (/24)")
	f.StringVar(&v.proxySecretHeader, "auth-proxy-secret-header", portal.DefaultProxySecretHeader, "the header carrying that secret")
	f.StringVar(&v.issuer, "auth-issuer", "", "sign in with the company's identity provider (OIDC): its issuer URL")
	f.StringVar(&v.authClientID, "auth-client-id", "", "the client id authdebug has at the identity provider")
	f.StringVar(&v.authSecretFile, "auth-client-secret-file", "", "a file holding that client's secret (or AUTHDEBUG_AUTH_CLIENT_SECRET)")
	f.StringVar(&v.sessionKeyFile, "auth-session-key-file", "", "a file whose content seals the sign-in cookies; replicas share it (default: a key made at start)")
	f.DurationVar(&v.sessionTTL, "auth-session-ttl", portal.DefaultSessionTTL, "how long a sign-in lasts before the identity provider is asked again (groups are read anew then)")
	f.StringVar(&v.groupsClaim, "auth-groups-claim", "groups", "the ID token claim that lists the user's groups")
	f.Var(&v.domains, "auth-allow-domain", "let in users whose verified e-mail is in this domain (repeatable)")
	f.Var(&v.allowGroups, "auth-allow-group", "let in users of this group (repeatable)")
	f.Var(&v.allow, "env-allow", "limit an environment to a group of signed-in users: ENV=GROUP (repeatable)")
	return f
}

// parseFlags turns the command line and the AUTHDEBUG_ variables into the
// server's config, reading the files they name. Its errors name the flag.
// The sandbox's store is only parsed here: run opens it.
func parseFlags(args []string, getenv func(string) string) (config, error) {
	var v flagValues
	flags := newFlagSet(&v)
	if err := flags.Parse(args); err != nil {
		return config{}, err
	}
	if err := flagsFromEnv(flags, getenv); err != nil {
		return config{}, err
	}
	cfg := config{Addr: v.addr, ProbeAddr: v.probeAddr, MetricsAddr: v.metricsAddr, PublicURL: v.publicURL, LogFormat: v.logFormat,
		Disabled: v.disabled, TrustedProxies: v.proxies, SandboxLegacyErrors: v.sandboxLegacy, SandboxCodeLifetime: v.sandboxCodeTTL,
		SandboxStoreURL: v.sandboxStore, ShowVersion: v.version, SandboxPublic: v.sandboxPublic}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, fmt.Errorf("-log-format: %q: want text or json", cfg.LogFormat)
	}
	if v.sandboxCodeTTL <= 0 {
		return cfg, fmt.Errorf("-sandbox-code-lifetime: %s is not a positive duration", v.sandboxCodeTTL)
	}
	var err error
	if cfg.SandboxRate, err = parseSandboxRate(v.sandboxRate); err != nil {
		return cfg, fmt.Errorf("-sandbox-rate: %w", err)
	}
	if cfg.Access, err = portal.ParseAccess(v.allow); err != nil {
		return cfg, fmt.Errorf("-env-allow: %w", err)
	}

	// Sign-in: by a proxy in front, or with the company's identity provider.
	cfg.Proxy = portal.ProxyAuth{Header: v.proxyHeader, GroupsHeader: v.proxyGroupsHeader, SecretHeader: v.proxySecretHeader}
	if v.proxySecretFile != "" {
		if cfg.Proxy.Secret, err = readSecretFile(v.proxySecretFile); err != nil {
			return cfg, fmt.Errorf("-auth-proxy-secret-file: %w", err)
		}
	}
	if v.issuer != "" {
		cfg.OIDC = portal.OIDCConfig{Issuer: v.issuer, ClientID: v.authClientID, ClientSecret: getenv("AUTHDEBUG_AUTH_CLIENT_SECRET"),
			AllowDomains: v.domains, AllowGroups: v.allowGroups, GroupsClaim: v.groupsClaim, SessionTTL: v.sessionTTL}
		if v.authSecretFile != "" {
			if cfg.OIDC.ClientSecret, err = readSecretFile(v.authSecretFile); err != nil {
				return cfg, fmt.Errorf("-auth-client-secret-file: %w", err)
			}
		}
		if cfg.OIDC.ClientID == "" {
			return cfg, errors.New("-auth-client-id: sign-in with -auth-issuer needs the client id")
		}
		if cfg.OIDC.ClientSecret == "" {
			return cfg, errors.New("-auth-client-secret-file: sign-in with -auth-issuer needs the client's secret (the file, or AUTHDEBUG_AUTH_CLIENT_SECRET)")
		}
		if v.sessionTTL < time.Minute || v.sessionTTL > 24*time.Hour {
			return cfg, fmt.Errorf("-auth-session-ttl: %s: want between 1m and 24h", v.sessionTTL)
		}
		if v.sessionKeyFile != "" {
			data, err := os.ReadFile(v.sessionKeyFile)
			if err != nil || len(data) < 32 {
				return cfg, fmt.Errorf("-auth-session-key-file: want a readable file of 32 bytes or more (%v)", err)
			}
			sum := sha256.Sum256(data)
			cfg.OIDC.SessionKey = sum[:]
		}
	}

	if v.sandboxKeyFile != "" {
		data, err := os.ReadFile(v.sandboxKeyFile)
		if err != nil {
			return cfg, fmt.Errorf("-sandbox-key-file: %w", err)
		}
		if cfg.SandboxKey, err = sandbox.ParseKey(data); err != nil {
			return cfg, fmt.Errorf("-sandbox-key-file: %s: %w", v.sandboxKeyFile, err)
		}
	}
	if v.sandboxClientsFile != "" {
		data, err := os.ReadFile(v.sandboxClientsFile)
		if err != nil {
			return cfg, fmt.Errorf("-sandbox-clients: %w", err)
		}
		clients, err := sandbox.ReadClients(data)
		if err != nil {
			return cfg, fmt.Errorf("-sandbox-clients: %s: %w", v.sandboxClientsFile, err)
		}
		cfg.SandboxClients = append(cfg.SandboxClients, clients...)
	}
	for _, e := range v.envs {
		env, err := parseEnvFlag(e)
		if err != nil {
			return cfg, fmt.Errorf("-env: %w", err)
		}
		cfg.Extra = append(cfg.Extra, env)
	}
	for _, c := range v.sandboxClients {
		client, err := sandbox.ParseClient(c)
		if err != nil {
			return cfg, fmt.Errorf("-sandbox-client: %w", err)
		}
		cfg.SandboxClients = append(cfg.SandboxClients, client)
	}
	return cfg, nil
}

// readSecretFile reads a secret from a file, refusing an empty one: a
// secret that is empty by mistake would otherwise fail later, for everyone.
func readSecretFile(name string) (string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return "", fmt.Errorf("%s is empty", name)
	}
	return s, nil
}

// usage prints the flags and the exit codes.
func usage(w io.Writer) {
	var v flagValues
	f := newFlagSet(&v)
	f.SetOutput(w)
	fmt.Fprintln(w, "Usage: authdebug [flags]\n\nEvery flag can also be given as an AUTHDEBUG_ variable: -public-url as AUTHDEBUG_PUBLIC_URL.\nExit codes: 0 stopped, 1 serving failed, 2 a flag is wrong.\n\nFlags:")
	f.PrintDefaults()
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
