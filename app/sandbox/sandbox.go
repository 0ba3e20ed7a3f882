// Package sandbox is an authorization server that behaves like NGI's (Ory
// Hydra) on the tool's own origin, so the whole flow runs offline with no
// credentials: discovery, keys, a consent page with every outcome, the token
// endpoint with Hydra's errors, revocation and userinfo. State is in memory,
// or in Redis for replicas that share it.
package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"authdebug/app/ngi"
)

// The demo client, shown on the page when the sandbox is chosen.
const (
	DemoClientID     = "authdebug-demo"
	DemoClientSecret = "sandbox-secret+/=?&%"
	// ExampleRedirect is the redirect URI of NGI's documentation.
	ExampleRedirect = "https://api-eksempelbank.no/v1/callback"
)

// TestPersons are NGI's preprod test persons, who have mocked debt.
var TestPersons = ngi.TestPersons

// Lifetimes of what the sandbox issues.
const (
	RequestLifetime = 30 * time.Minute
	TokenLifetime   = 3599 * time.Second
)

// Bounds of the sandbox's memory. Past a cap the oldest entry is forgotten:
// its consent page says it expired, its code or token is unknown.
const (
	MaxPendingRequests = 4096
	MaxCodes           = 4096
	MaxTokens          = 16384
	// MaxBody bounds a POST's body, MaxQuery an authorize request's query.
	MaxBody  = 64 << 10
	MaxQuery = 8 << 10
)

// Config describes a sandbox.
type Config struct {
	// Origin is the tool's public origin, e.g. http://127.0.0.1:8000; the
	// issuer is Origin + "/sandbox/".
	Origin  string
	Clients []Client // more clients beside the demo client
	Now     func() time.Time
	// LegacyErrors speaks Hydra 1.x: the reason in error_hint rather than
	// appended to error_description, and tokens without the ory_ prefix, as
	// NGI's documentation shows them.
	LegacyErrors bool
	// CodeLifetime is Hydra's ttl.auth_code; zero is its default.
	CodeLifetime time.Duration
	// Key signs ID tokens; nil makes a fresh one. Replicas share one so that
	// each verifies what another issued.
	Key *rsa.PrivateKey
	// Store keeps the state; nil keeps it in memory.
	Store Store
}

// Server is the sandbox authorization server.
type Server struct {
	issuer       string
	origin       string // the tool's public origin: the consent form's only Origin
	legacy       bool
	codeLifetime time.Duration
	prefix       string // the path the sandbox is mounted at: /sandbox
	key          *rsa.PrivateKey
	kid          string
	now          func() time.Time
	env          ngi.Environment

	clients map[string]Client // fixed in New
	store   Store
	mux     *http.ServeMux
}

// New makes a sandbox with a fresh RS256 key.
func New(cfg Config) (*Server, error) {
	key := cfg.Key
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("sandbox key: %w", err)
		}
	}
	origin := strings.TrimSuffix(cfg.Origin, "/")
	if _, err := url.Parse(origin); err != nil || origin == "" {
		return nil, fmt.Errorf("sandbox origin %q is not a URL", cfg.Origin)
	}
	s := &Server{
		issuer: origin + "/sandbox/", origin: origin, prefix: "/sandbox",
		legacy: cfg.LegacyErrors, codeLifetime: cfg.CodeLifetime,
		key: key, kid: keyID(&key.PublicKey), now: cfg.Now,
		clients: map[string]Client{}, store: cfg.Store,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.store == nil {
		s.store = NewMemoryStore(s.now)
	}
	if s.codeLifetime <= 0 {
		s.codeLifetime = ngi.CodeLifetime
	}
	s.clients[DemoClientID] = ngiClient(Client{ID: DemoClientID, Secret: DemoClientSecret, RedirectURIs: []string{origin + "/callback", ExampleRedirect}})
	for _, c := range cfg.Clients {
		s.clients[c.ID] = c
	}
	s.env = ngi.Hydra(ngi.SandboxID, "Sandbox (built in, offline)", s.issuer)
	// The API is served here; tokens are for NGI's preprod audiences, as the
	// demo client is registered for them.
	s.env.APIBase = origin + s.prefix + "/api"
	s.env.Services = ngi.Preprod().Services
	s.env.DemoClient = &ngi.DemoClient{ID: DemoClientID, Secret: DemoClientSecret}
	s.env.PKCE = true
	s.env.CodeLifetime = s.codeLifetime
	s.env.Endpoints.Scenarios = s.issuer + "scenarios"

	mux := http.NewServeMux()
	p := s.prefix
	mux.HandleFunc("GET "+p+"/.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET "+p+"/.well-known/jwks.json", s.jwks)
	mux.HandleFunc("GET "+p+"/oauth2/auth", s.authorize)
	mux.HandleFunc("POST "+p+"/oauth2/auth/decide", s.decide)
	mux.HandleFunc("GET "+p+"/oauth2/login", s.login)
	mux.HandleFunc("GET "+p+"/oauth2/fallbacks/error", s.fallbackPage)
	mux.HandleFunc("POST "+p+"/oauth2/token", s.token)
	mux.HandleFunc("POST "+p+"/oauth2/revoke", s.revoke)
	mux.HandleFunc("GET "+p+"/userinfo", s.userinfo)
	mux.HandleFunc("GET "+p+"/oauth2/sessions/logout", s.logout)
	mux.HandleFunc(p+"/scenarios", s.scenariosHandler)
	s.apiRoutes(mux)
	// Any other method gets Hydra's 404 page, not Go's 405.
	for _, path := range []string{"/oauth2/token", "/oauth2/revoke", "/oauth2/auth/decide"} {
		mux.HandleFunc(p+path, s.notFound)
	}
	mux.HandleFunc(p+"/", s.notFound)
	s.mux = mux
	return s, nil
}

// Environment is the sandbox as the page and the relay see it.
func (s *Server) Environment() ngi.Environment { return s.env }

// ServeHTTP serves everything under /sandbox/, reading at most MaxBody.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	s.mux.ServeHTTP(w, r)
}

// keyID names a key by its modulus, so that replicas sharing a key agree.
func keyID(pub *rsa.PublicKey) string {
	sum := sha256.Sum256(pub.N.Bytes())
	return "sandbox-" + base64.RawURLEncoding.EncodeToString(sum[:6])
}

// ParseKey reads an RSA private key from PEM (PKCS #1 or PKCS #8), for -sandbox-key-file.
func ParseKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block: want an RSA private key, as openssl genrsa writes it")
	}
	var k any
	if pkcs1, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		k = pkcs1
	} else if k, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		return nil, fmt.Errorf("not an RSA private key: %v", err)
	}
	// The size is checked whichever encoding the key came in.
	rsaKey, ok := k.(*rsa.PrivateKey)
	if !ok || rsaKey.N.BitLen() < 2048 {
		return nil, errors.New("want an RSA key of 2048 bits or more: the sandbox signs RS256")
	}
	return rsaKey, nil
}

func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// opaque makes a token in Hydra's form: two base64url parts joined by a dot.
func opaque() string { return randomText(32) + "." + randomText(32) }

// prefixed gives a code or token current Hydra's prefix (ory_ac_, ory_at_);
// Hydra 1.x has none.
func (s *Server) prefixed(prefix, t string) string {
	if s.legacy {
		return t
	}
	return prefix + t
}

// Sizes counts what the sandbox holds, for metrics; nothing when the store
// does not answer.
func (s *Server) Sizes() map[string]int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	sizes, _ := s.store.Sizes(ctx)
	return sizes
}

// Ready reports whether the sandbox can serve: its key is made (in New) and
// its store answers.
func (s *Server) Ready(ctx context.Context) error { return s.store.Ping(ctx) }
