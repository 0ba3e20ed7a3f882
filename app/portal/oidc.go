package portal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// OIDCConfig is sign-in with the company's identity provider.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
	PublicOrigin                   string   // the callback is PublicOrigin + /auth/callback
	AllowDomains, AllowGroups      []string // who may enter; both empty: everyone the provider knows
	GroupsClaim                    string   // the ID token claim holding the groups
	SessionKey                     []byte   // 32 bytes sealing the cookies; replicas share it
}

// Session cookies last a working day; a login attempt ten minutes.
const (
	sessionLife = 8 * time.Hour
	loginLife   = 10 * time.Minute
)

const (
	sessionCookie = "authdebug_session"
	loginCookie   = "authdebug_login"
)

// OIDC signs people in with the authorization code flow and PKCE, verifies
// the ID token with go-oidc, and keeps who they are in a sealed cookie
// (AES-GCM: signed and encrypted), HttpOnly, SameSite=Lax, Secure on https.
type OIDC struct {
	cfg      OIDCConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	aead     cipher.AEAD
	secure   bool
	client   *http.Client // bounds every call to the provider
}

// NewOIDC reads the provider's discovery document (the configured issuer is
// the only address it fetches).
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	if len(cfg.SessionKey) != 32 {
		return nil, errors.New("the session key must be 32 bytes")
	}
	// go-oidc and x/oauth2 take their HTTP client from the context; without
	// one they use http.DefaultClient, which never times out.
	client := &http.Client{Timeout: 15 * time.Second}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("the identity provider %s: %w", cfg.Issuer, err)
	}
	block, _ := aes.NewCipher(cfg.SessionKey)
	aead, _ := cipher.NewGCM(block)
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	return &OIDC{
		cfg: cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: provider.Endpoint(),
			RedirectURL: strings.TrimSuffix(cfg.PublicOrigin, "/") + "/auth/callback", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		aead:     aead,
		secure:   strings.HasPrefix(cfg.PublicOrigin, "https://"),
		client:   client,
	}, nil
}

// Routes adds /auth/login, /auth/callback and /auth/logout.
func (o *OIDC) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/login", o.login)
	mux.HandleFunc("GET /auth/callback", o.callback)
	mux.HandleFunc("GET /auth/logout", o.logout)
}

// loginState is what the login cookie carries across the provider's pages.
type loginState struct {
	State, Nonce, Verifier, Next string
	Exp                          time.Time
}

type session struct {
	User User
	Exp  time.Time
}

func (o *OIDC) login(w http.ResponseWriter, r *http.Request) {
	st := loginState{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(), Next: localPath(r.URL.Query().Get("next")), Exp: time.Now().Add(loginLife)}
	o.setCookie(w, loginCookie, st, loginLife)
	http.Redirect(w, r, o.oauth.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusFound)
}

func (o *OIDC) callback(w http.ResponseWriter, r *http.Request) {
	var st loginState
	if !o.readCookie(r, loginCookie, &st) || time.Now().After(st.Exp) || r.URL.Query().Get("state") != st.State {
		http.Error(w, "This sign-in cannot be finished (it is too old, or was started elsewhere): start again at /auth/login.", http.StatusBadRequest)
		return
	}
	o.clearCookie(w, loginCookie)
	if e := r.URL.Query().Get("error"); e != "" {
		http.Error(w, "The identity provider refused the sign-in: "+clip(e), http.StatusForbidden)
		return
	}
	ctx := oidc.ClientContext(r.Context(), o.client)
	tok, err := o.oauth.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		http.Error(w, "The sign-in could not be finished with the identity provider.", http.StatusBadGateway)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idToken, err := o.verifier.Verify(ctx, raw)
	if err != nil || idToken.Nonce != st.Nonce {
		http.Error(w, "The identity provider's ID token did not verify.", http.StatusForbidden)
		return
	}
	var claims map[string]any
	idToken.Claims(&claims)
	u := User{Name: stringClaim(claims, "email")}
	if u.Name == "" {
		u.Name = idToken.Subject
	}
	u.Groups = listClaim(claims, o.cfg.GroupsClaim)
	if !o.allowed(u) {
		http.Error(w, "You are signed in as "+u.Name+", but this authdebug is for other users or groups.", http.StatusForbidden)
		return
	}
	o.setCookie(w, sessionCookie, session{User: u, Exp: time.Now().Add(sessionLife)}, sessionLife)
	http.Redirect(w, r, st.Next, http.StatusFound)
}

func (o *OIDC) logout(w http.ResponseWriter, r *http.Request) {
	o.clearCookie(w, sessionCookie)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "Signed out of authdebug. (Your identity provider's own session is not ended.)")
}

// allowed applies -auth-allow-domain and -auth-allow-group.
func (o *OIDC) allowed(u User) bool {
	if len(o.cfg.AllowDomains) == 0 && len(o.cfg.AllowGroups) == 0 {
		return true
	}
	_, domain, _ := strings.Cut(u.Name, "@")
	return slices.Contains(o.cfg.AllowDomains, strings.ToLower(domain)) ||
		slices.ContainsFunc(u.Groups, func(g string) bool { return slices.Contains(o.cfg.AllowGroups, g) })
}

// Require lets through signed-in people; the page sends the others to sign
// in, the API answers 401 JSON that the page shows as "sign in again".
func (o *OIDC) Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/auth/") {
			next.ServeHTTP(w, r)
			return
		}
		var s session
		if !o.readCookie(r, sessionCookie, &s) || time.Now().After(s.Exp) {
			if strings.HasPrefix(r.URL.Path, "/api/") || r.Method != http.MethodGet {
				unauthenticated(w)
				return
			}
			http.Redirect(w, r, "/auth/login?next="+url.QueryEscape(r.URL.Path), http.StatusFound)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, s.User)))
	})
}

func (o *OIDC) setCookie(w http.ResponseWriter, name string, v any, life time.Duration) {
	plain, _ := json.Marshal(v)
	nonce := make([]byte, o.aead.NonceSize())
	rand.Read(nonce)
	sealed := o.aead.Seal(nonce, nonce, plain, []byte(name))
	http.SetCookie(w, &http.Cookie{Name: name, Value: base64.RawURLEncoding.EncodeToString(sealed), Path: "/",
		MaxAge: int(life.Seconds()), HttpOnly: true, Secure: o.secure, SameSite: http.SameSiteLaxMode})
}

func (o *OIDC) readCookie(r *http.Request, name string, v any) bool {
	c, err := r.Cookie(name)
	if err != nil {
		return false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(sealed) < o.aead.NonceSize() {
		return false
	}
	plain, err := o.aead.Open(nil, sealed[:o.aead.NonceSize()], sealed[o.aead.NonceSize():], []byte(name))
	return err == nil && json.Unmarshal(plain, v) == nil
}

func (o *OIDC) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: o.secure, SameSite: http.SameSiteLaxMode})
}

// localPath keeps a path of this site only, so that a login link cannot
// send the person elsewhere afterwards.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/"
	}
	return p
}

func stringClaim(c map[string]any, name string) string {
	s, _ := c[name].(string)
	return s
}

// listClaim reads a claim that is a list of strings, or one string.
func listClaim(c map[string]any, name string) []string {
	switch v := c[name].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func clip(s string) string {
	if len(s) > 100 {
		return s[:100]
	}
	return s
}
