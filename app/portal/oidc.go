package portal

import (
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"authdebug/app/guard"
)

// OIDCConfig is sign-in with the company's identity provider.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
	PublicOrigin                   string   // the callback is PublicOrigin + /auth/callback
	AllowDomains, AllowGroups      []string // who may enter; both empty: everyone the provider knows
	GroupsClaim                    string   // the ID token claim holding the groups
	SessionKey                     []byte   // 32 bytes sealing the cookies; replicas share it
	SessionTTL                     time.Duration
	// KeepGroups are the groups other rules name (-env-allow): with
	// AllowGroups, the only ones a session keeps. A directory's 150 groups
	// would make a cookie browsers drop.
	KeepGroups []string
	// Pages are the paths a sign-in may return to (the page's routes).
	Pages []string
	// SignedOut remembers sign-outs until the sessions they end expire;
	// replicas share it when it is the shared store.
	SignedOut guard.Counter
	// Refused counts a refusal by reason (metrics); may be nil.
	Refused func(reason string)
	// Unchecked is told when the sign-out list did not answer in time and
	// a session was let through on its sealed cookie alone; may be nil.
	Unchecked func(err error)
}

// DefaultSessionTTL is how long a sign-in lasts: an hour, after which the
// page is sent through the identity provider again (silently while its own
// session lasts) and the groups are read anew.
const DefaultSessionTTL = time.Hour

// loginLife is how long a sign-in may take at the identity provider.
const loginLife = 10 * time.Minute

// signOutWait bounds the sign-out check of each request. A shared store
// that stalls must not take the portal from everyone: past this wait the
// session stands on its sealed cookie (short-lived, bound to this
// deployment), and the miss is counted and logged.
const signOutWait = 250 * time.Millisecond

// OIDC signs people in with the authorization code flow and PKCE, verifies
// the ID token with go-oidc, and keeps who they are in a sealed cookie
// (AES-GCM: signed and encrypted, bound to this deployment), HttpOnly,
// SameSite=Lax, Secure with the __Host- prefix on https.
type OIDC struct {
	cfg      OIDCConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	aead     cipher.AEAD
	secure   bool
	client   *http.Client // bounds every call to the provider
	keep     []string     // the groups a session keeps
	// binding is the additional data every cookie is sealed with: a cookie
	// opens only in the deployment (issuer, client, origin) that sealed it.
	binding                    string
	sessionCookie, loginCookie string
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
	cfg.GroupsClaim = cmp.Or(cfg.GroupsClaim, "groups")
	cfg.SessionTTL = cmp.Or(cfg.SessionTTL, DefaultSessionTTL)
	if cfg.SignedOut == nil {
		cfg.SignedOut = guard.NewMemoryCounter(100000)
	}
	domains := make([]string, len(cfg.AllowDomains)) // the caller's slice stays as given
	for i, d := range cfg.AllowDomains {
		domains[i] = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
	}
	cfg.AllowDomains = domains
	secure := strings.HasPrefix(cfg.PublicOrigin, "https://")
	o := &OIDC{
		cfg: cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: provider.Endpoint(),
			RedirectURL: strings.TrimSuffix(cfg.PublicOrigin, "/") + "/auth/callback", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		verifier:      provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		aead:          aead,
		secure:        secure,
		client:        client,
		keep:          append(slices.Clone(cfg.AllowGroups), cfg.KeepGroups...),
		binding:       "authdebug-session/2\n" + cfg.Issuer + "\n" + cfg.ClientID + "\n" + cfg.PublicOrigin,
		sessionCookie: "authdebug_session",
		loginCookie:   "authdebug_login",
	}
	if secure {
		// __Host-: only this origin over https may set it, for the whole site.
		o.sessionCookie, o.loginCookie = "__Host-"+o.sessionCookie, "__Host-"+o.loginCookie
	}
	return o, nil
}

// Routes adds /auth/login, /auth/callback and /auth/logout (POST only: a
// cross-site link must not sign anyone out).
func (o *OIDC) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/login", o.login)
	mux.HandleFunc("GET /auth/callback", o.callback)
	mux.HandleFunc("POST /auth/logout", o.logout)
}

// loginState is what the login cookie carries across the provider's pages.
type loginState struct {
	State, Nonce, Verifier, Next string
	Exp                          time.Time
}

type session struct {
	ID   string
	User User
	Exp  time.Time
}

func (o *OIDC) login(w http.ResponseWriter, r *http.Request) {
	st := loginState{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(), Next: o.pagePath(r.URL.Query().Get("next")), Exp: time.Now().Add(loginLife)}
	o.setCookie(w, o.loginCookie, st, loginLife)
	http.Redirect(w, r, o.oauth.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusFound)
}

func (o *OIDC) refuse(w http.ResponseWriter, reason, message string, status int) {
	if o.cfg.Refused != nil {
		o.cfg.Refused(reason)
	}
	http.Error(w, message, status)
}

func (o *OIDC) callback(w http.ResponseWriter, r *http.Request) {
	var st loginState
	if !o.readCookie(r, o.loginCookie, &st) || time.Now().After(st.Exp) || subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("state")), []byte(st.State)) != 1 {
		o.refuse(w, "login_state", "This sign-in cannot be finished (it is too old, or was started elsewhere): start again at /auth/login.", http.StatusBadRequest)
		return
	}
	o.clearCookie(w, o.loginCookie)
	if e := r.URL.Query().Get("error"); e != "" {
		o.refuse(w, "provider_error", "The identity provider refused the sign-in: "+clip(e), http.StatusForbidden)
		return
	}
	ctx := oidc.ClientContext(r.Context(), o.client)
	tok, err := o.oauth.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		o.refuse(w, "exchange", "The sign-in could not be finished with the identity provider.", http.StatusBadGateway)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idToken, err := o.verifier.Verify(ctx, raw)
	if err != nil || subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(st.Nonce)) != 1 {
		o.refuse(w, "id_token", "The identity provider's ID token did not verify.", http.StatusForbidden)
		return
	}
	var claims map[string]any
	idToken.Claims(&claims)
	u := User{Name: stringClaim(claims, "email")}
	// An e-mail the provider has not verified could be anyone's: where it
	// says, it must say true. (A provider that never sends the claim
	// verifies the addresses it issues, as Entra ID and Google Workspace do.)
	if verified, said := claims["email_verified"]; said && verified != true {
		o.refuse(w, "email_unverified", "Your identity provider has not verified your e-mail address, so authdebug cannot tell who you are.", http.StatusForbidden)
		return
	}
	if u.Name == "" {
		o.refuse(w, "no_email", "Your identity provider sent no e-mail address (ask for the email scope), so authdebug cannot tell who you are.", http.StatusForbidden)
		return
	}
	for _, g := range listClaim(claims, o.cfg.GroupsClaim) {
		if slices.Contains(o.keep, g) && !slices.Contains(u.Groups, g) {
			u.Groups = append(u.Groups, g)
		}
	}
	if !o.allowed(u) {
		o.refuse(w, "not_allowed", "You are signed in as "+clip(u.Name)+", but this authdebug is for other users or groups.", http.StatusForbidden)
		return
	}
	o.setCookie(w, o.sessionCookie, session{ID: rand.Text(), User: u, Exp: time.Now().Add(o.cfg.SessionTTL)}, o.cfg.SessionTTL)
	http.Redirect(w, r, st.Next, http.StatusFound)
}

// logout ends the session here and on every replica: its id is remembered
// as signed out until the session would have expired anyway.
func (o *OIDC) logout(w http.ResponseWriter, r *http.Request) {
	var s session
	if o.readCookie(r, o.sessionCookie, &s) && time.Now().Before(s.Exp) {
		if _, err := o.cfg.SignedOut.Add(r.Context(), "signout:"+s.ID, time.Until(s.Exp)+time.Minute); err != nil {
			http.Error(w, "Signing out failed: the shared store does not answer. Try again.", http.StatusServiceUnavailable)
			return
		}
	}
	o.clearCookie(w, o.sessionCookie)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "Signed out of authdebug. (Your identity provider's own session is not ended.)")
}

// allowed applies -auth-allow-domain and -auth-allow-group.
func (o *OIDC) allowed(u User) bool {
	if len(o.cfg.AllowDomains) == 0 && len(o.cfg.AllowGroups) == 0 {
		return true
	}
	at := strings.LastIndex(u.Name, "@")
	domain := strings.ToLower(u.Name[at+1:])
	return (at > 0 && slices.Contains(o.cfg.AllowDomains, domain)) ||
		slices.ContainsFunc(u.Groups, func(g string) bool { return slices.Contains(o.cfg.AllowGroups, g) })
}

// Require lets through signed-in people whose session is live, not signed
// out, and allowed by today's rules; the page sends the others to sign in,
// the API answers 401 JSON that the page shows as "sign in again". /auth/
// and bypass requests pass as they are, with no user.
func (o *OIDC) Require(next http.Handler, bypass func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/auth/") || bypass(r) {
			next.ServeHTTP(w, r)
			return
		}
		var s session
		live := o.readCookie(r, o.sessionCookie, &s) && time.Now().Before(s.Exp) && o.allowed(s.User)
		if live {
			live = !o.signedOut(r.Context(), s.ID)
		}
		if !live {
			if strings.HasPrefix(r.URL.Path, "/api/") || r.Method != http.MethodGet {
				unauthenticated(w)
				return
			}
			http.Redirect(w, r, "/auth/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		next.ServeHTTP(w, withUser(r, s.User))
	})
}

// signedOut reports whether the session was signed out; a list that does
// not answer within signOutWait reports no (see signOutWait).
func (o *OIDC) signedOut(ctx context.Context, id string) bool {
	ctx, cancel := context.WithTimeout(ctx, signOutWait)
	defer cancel()
	n, err := o.cfg.SignedOut.Count(ctx, "signout:"+id)
	if err != nil {
		if o.cfg.Unchecked != nil {
			o.cfg.Unchecked(err)
		}
		return false
	}
	return n > 0
}

func (o *OIDC) setCookie(w http.ResponseWriter, name string, v any, life time.Duration) {
	plain, _ := json.Marshal(v)
	nonce := make([]byte, o.aead.NonceSize())
	rand.Read(nonce)
	sealed := o.aead.Seal(nonce, nonce, plain, []byte(o.binding+"\n"+name))
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
	plain, err := o.aead.Open(nil, sealed[:o.aead.NonceSize()], sealed[o.aead.NonceSize():], []byte(o.binding+"\n"+name))
	return err == nil && json.Unmarshal(plain, v) == nil
}

func (o *OIDC) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: o.secure, SameSite: http.SameSiteLaxMode})
}

// pagePath keeps a page of this site only, with its query: one of the
// page's routes, so that a sign-in link cannot send the person elsewhere
// afterwards (browsers read "/\t/evil.example" as "//evil.example").
func (o *OIDC) pagePath(next string) string {
	u, err := url.Parse(next)
	// The path must be a page's as it stands (so no encoded byte, no
	// "//host"); no scheme or host (an opaque URL or a user has one).
	if err != nil || u.Scheme != "" || u.Host != "" || u.Fragment != "" ||
		!slices.Contains(o.cfg.Pages, u.Path) || strings.ContainsFunc(next, unicode.IsControl) {
		return "/"
	}
	if u.RawQuery != "" {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
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
