package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/token"
)

// grant is an authorization code and what it was issued for.
type grant struct {
	req       *authRequest
	person    string
	consentID string
	created   time.Time
	used      bool
	issued    []string // access tokens issued from it, revoked on a second use
}

// issued is an access token the sandbox handed out.
type issued struct {
	client  string
	person  string
	expires time.Time
	revoked bool
}

// oauthError is Hydra's error body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Hint        string `json:"error_hint,omitempty"`
}

// Hydra's words for the errors the domain notes list.
const (
	descInvalidClient  = "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."
	descInvalidRequest = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."
	descInvalidGrant   = "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
)

// clientForm reads a client's POST to the token or revocation endpoint and
// authenticates it; ok is false when it has already answered with an error.
func (s *Server) clientForm(w http.ResponseWriter, r *http.Request) (client Client, ok bool) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, oauthError{"invalid_request", descInvalidRequest, "This endpoint takes POST only."})
		return Client{}, false
	}
	if err := r.ParseForm(); err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, oauthError{"invalid_request", descInvalidRequest, fmt.Sprintf("The body is larger than %d bytes.", MaxBody)})
			return Client{}, false
		}
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", descInvalidRequest, "The body is not application/x-www-form-urlencoded."})
		return Client{}, false
	}
	client, e := s.authenticate(r)
	if e != nil {
		writeError(w, *e)
		return Client{}, false
	}
	return client, true
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	client, ok := s.clientForm(w, r)
	if !ok {
		return
	}
	switch r.PostForm.Get("grant_type") {
	case flow.GrantAuthorizationCode:
		s.exchangeCode(w, r, client)
	case flow.GrantClientCredentials:
		s.clientCredentials(w, r, client)
	case "":
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", descInvalidRequest, "The grant_type parameter is missing."})
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "The authorization grant type is not supported by the authorization server.", "The client is not allowed to use grant type '" + r.PostForm.Get("grant_type") + "'."})
	}
}

type statusError struct {
	status int
	body   oauthError
}

// sentence turns an error into a sentence: capitalised, with a full stop.
func sentence(err error) string {
	s := err.Error()
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func writeError(w http.ResponseWriter, e statusError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="sandbox"`)
	}
	writeJSON(w, e.status, e.body)
}

// authenticate checks client_secret_basic, the only method NGI's clients use.
func (s *Server) authenticate(r *http.Request) (Client, *statusError) {
	id, secret, isBasic, err := flow.ParseBasic(r.Header.Get("Authorization"))
	switch {
	case err != nil:
		// Hydra appends the reason to its general description.
		return Client{}, &statusError{http.StatusBadRequest, oauthError{"invalid_request", descInvalidRequest + " " + sentence(err), ""}}
	case !isBasic && r.PostForm.Get("client_secret") != "":
		return Client{}, &statusError{http.StatusUnauthorized, oauthError{"invalid_client", descInvalidClient,
			"The OAuth 2.0 Client supports client authentication method 'client_secret_basic', but method 'client_secret_post' was requested. You must configure the OAuth 2.0 client's 'token_endpoint_auth_method' value to accept 'client_secret_post'."}}
	case !isBasic:
		return Client{}, &statusError{http.StatusUnauthorized, oauthError{"invalid_client", descInvalidClient, "No client authentication was included: send the client id and secret with HTTP Basic."}}
	}
	s.mu.Lock()
	c, ok := s.clients[id]
	s.mu.Unlock()
	if !ok || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return Client{}, &statusError{http.StatusUnauthorized, oauthError{"invalid_client", descInvalidClient, ""}}
	}
	return c, nil
}

func (s *Server) exchangeCode(w http.ResponseWriter, r *http.Request, client Client) {
	f := r.PostForm
	invalidGrant := func(hint string) {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", descInvalidGrant, hint})
	}
	now := s.now()
	s.mu.Lock()
	g, _ := s.codes.get(now, f.Get("code"))
	if g != nil && g.used {
		// A second use is a sign the code leaked: revoke what the first issued.
		for _, t := range g.issued {
			if tok, _ := s.tokens.get(now, t); tok != nil {
				tok.revoked = true
			}
		}
	}
	s.mu.Unlock()
	switch {
	case f.Get("code") == "":
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", descInvalidRequest, "The code parameter is missing."})
		return
	case g == nil:
		invalidGrant("The authorization code is unknown: it was never issued by this sandbox, or the sandbox restarted.")
		return
	case g.used:
		invalidGrant("The authorization code has already been used. The tokens issued with it have been revoked.")
		return
	case now.Sub(g.created) > ngi.CodeLifetime:
		invalidGrant("The authorization code has expired.")
		return
	case g.req.client.ID != client.ID:
		invalidGrant("The OAuth 2.0 Client ID from this request does not match the one from the authorize request.")
		return
	case f.Get("redirect_uri") != g.req.redirectURI:
		invalidGrant("The 'redirect_uri' from this request does not match the one from the authorize request.")
		return
	}
	if g.req.challenge != "" {
		v := f.Get("code_verifier")
		if v == "" {
			invalidGrant("The PKCE code verifier must be at least 43 characters.")
			return
		}
		if flow.ChallengeOf(v) != g.req.challenge {
			invalidGrant("The PKCE code challenge did not match the code verifier.")
			return
		}
	} else if f.Get("code_verifier") != "" {
		invalidGrant("The PKCE code verifier was sent, but no code challenge was sent in the authorize request.")
		return
	}
	access := opaque()
	scope := g.req.scope.Echo()
	resp := map[string]any{"access_token": access, "expires_in": int(TokenLifetime.Seconds()), "scope": scope, "token_type": "bearer"}
	if g.req.scope.OpenID {
		idToken, err := s.idToken(client.ID, g, access, now)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, oauthError{ngi.ErrServerError, "The sandbox could not sign the ID token.", err.Error()})
			return
		}
		resp["id_token"] = idToken
	}
	s.mu.Lock()
	g.used = true
	g.issued = append(g.issued, access)
	s.tokens.put(now, access, &issued{client: client.ID, person: g.person, expires: now.Add(TokenLifetime)})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) idToken(clientID string, g *grant, access string, now time.Time) (string, error) {
	claims := jwt.MapClaims{
		"iss":        s.issuer,
		"aud":        []string{clientID},
		"sub":        pairwise(clientID, g.person),
		"exp":        now.Add(time.Hour).Unix(),
		"iat":        now.Unix(),
		"auth_time":  g.created.Unix(),
		"rat":        g.req.created.Unix(),
		"at_hash":    token.AtHash(access),
		"pid":        g.person,
		"consent_id": g.consentID,
		"jti":        randomText(16),
	}
	if g.req.nonce != "" {
		claims["nonce"] = g.req.nonce
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = s.kid
	return t.SignedString(s.key)
}

// pairwise makes a subject that differs per client, as NGI's does.
func pairwise(clientID, person string) string {
	sum := sha256.Sum256([]byte("sandbox-pairwise|" + clientID + "|" + person))
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// allowedAudiences are the audiences of NGI's services in both environments;
// every sandbox client may use them all, and every scope of ngi.ServiceScopes.
func allowedAudiences() []string {
	var out []string
	for _, e := range []ngi.Environment{ngi.Preprod(), ngi.Prod()} {
		for _, svc := range e.Services {
			out = append(out, svc.Audience)
		}
	}
	return out
}

func (s *Server) clientCredentials(w http.ResponseWriter, r *http.Request, client Client) {
	f := r.PostForm
	audiences := strings.Fields(f.Get("audience"))
	if len(audiences) == 0 {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", descInvalidRequest, "NGI requires an audience: the URL of the API the token is for."})
		return
	}
	allowed := allowedAudiences()
	for _, a := range audiences {
		if !slices.Contains(allowed, a) {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", descInvalidRequest, "Requested audience '" + a + "' has not been whitelisted by the OAuth 2.0 Client."})
			return
		}
	}
	scopes := strings.Fields(f.Get("scope"))
	for _, sc := range scopes {
		if !slices.Contains(ngi.ServiceScopes(), sc) {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_scope", "The requested scope is invalid, unknown, or malformed.", "The OAuth 2.0 Client is not allowed to request scope '" + sc + "'."})
			return
		}
	}
	access := opaque()
	scope := strings.Join(scopes, " ")
	now := s.now()
	s.mu.Lock()
	s.tokens.put(now, access, &issued{client: client.ID, expires: now.Add(TokenLifetime)})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "expires_in": int(TokenLifetime.Seconds()), "scope": scope, "token_type": "bearer"})
}

// revoke follows RFC 7009: an unknown token is not an error.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	client, ok := s.clientForm(w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("token") == "" {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", descInvalidRequest, "The token parameter is missing."})
		return
	}
	s.mu.Lock()
	if t, _ := s.tokens.get(s.now(), r.PostForm.Get("token")); t != nil && t.client == client.ID {
		t.revoked = true
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	t, _ := s.tokens.get(s.now(), bearer)
	s.mu.Unlock()
	switch {
	case !ok || t == nil:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{"request_unauthorized", "The request could not be authorized.", "Send an access token from the sandbox as a Bearer token."})
	case t.revoked || s.now().After(t.expires):
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{"request_unauthorized", "The request could not be authorized.", "The access token is revoked or expired."})
	case t.person == "":
		writeJSON(w, http.StatusForbidden, oauthError{"request_forbidden", "The request is not allowed.", "A client-credentials token has no person behind it."})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"sub": pairwise(t.client, t.person)})
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	render(w, http.StatusOK, "error", map[string]any{"Title": "Logged out", "Message": "The sandbox keeps no login session, so there is nothing to end."})
}
