// Package idptest is an identity provider for tests of sign-in: go-oidc's
// oidctest serves discovery and keys; this adds an authorize endpoint that
// signs in at once and a token endpoint that checks PKCE and signs an ID
// token with the claims the test sets.
package idptest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"
	"golang.org/x/oauth2"
)

// IdP is a running identity provider.
type IdP struct {
	*httptest.Server
	key *rsa.PrivateKey

	mu     sync.Mutex
	claims map[string]any
	codes  map[string][2]string // code → nonce, challenge
	// Nonce, when set, replaces the nonce asked for in the ID token.
	Nonce string
}

// Start runs an identity provider whose user has the e-mail address and the
// group "developers"; the client is "authdebug".
func Start(t testing.TB, email string) *IdP {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	idp := &IdP{key: key, codes: map[string][2]string{},
		claims: map[string]any{"sub": "u1", "email": email, "groups": []string{"developers"}}}
	keys := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: "k1", Algorithm: oidc.RS256}}}
	mux := http.NewServeMux()
	mux.Handle("/", keys)
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code := rand.Text()
		idp.mu.Lock()
		idp.codes[code] = [2]string{q.Get("nonce"), q.Get("code_challenge")}
		idp.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+q.Get("state"), http.StatusFound)
	})
	mux.HandleFunc("/token", idp.token)
	idp.Server = httptest.NewServer(mux)
	keys.SetIssuer(idp.URL)
	t.Cleanup(idp.Close)
	return idp
}

// Set sets a claim of the ID tokens issued from now on; nil removes it.
func (idp *IdP) Set(name string, value any) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	if value == nil {
		delete(idp.claims, name)
		return
	}
	idp.claims[name] = value
}

func (idp *IdP) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	idp.mu.Lock()
	defer idp.mu.Unlock()
	c, ok := idp.codes[r.PostForm.Get("code")]
	delete(idp.codes, r.PostForm.Get("code"))
	if !ok || oauth2.S256ChallengeFromVerifier(r.PostForm.Get("code_verifier")) != c[1] {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	claims := map[string]any{}
	for k, v := range idp.claims {
		claims[k] = v
	}
	now := time.Now().Unix()
	claims["iss"], claims["aud"], claims["nonce"], claims["iat"], claims["exp"] = idp.URL, "authdebug", c[0], now, now+300
	if idp.Nonce != "" {
		claims["nonce"] = idp.Nonce
	}
	raw, _ := json.Marshal(claims)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": "a", "token_type": "bearer", "expires_in": 300,
		"id_token": oidctest.SignIDToken(idp.key, "k1", oidc.RS256, string(raw))})
}
