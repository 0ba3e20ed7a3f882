package sandbox

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
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
	Req       authRequest
	Person    string
	ConsentID string
	SID       string // the login session, in the ID token
	Created   time.Time
	Used      bool
	PKCE      bool     // its PKCE data is still there: a failed check removes it
	Issued    []string // tokenKeys of the access tokens issued from it, revoked on a second use
}

// issued is an access token the sandbox handed out.
type issued struct {
	Client   string
	Audience []string
	Scope    []string
	Grant    *grant // nil for client credentials
	IssuedAt time.Time
	Expires  time.Time
	Revoked  bool
}

// form reads a POST body, url-encoded or multipart (Hydra takes both).
func form(r *http.Request) (url.Values, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(MaxBody); err != nil {
			return nil, err
		}
		return r.PostForm, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	return r.PostForm, nil
}

// clientForm reads a client's POST to the token or revocation endpoint and
// authenticates it with client_secret_basic, the only method NGI's clients
// have; noAuth is the answer when no authentication came at all. ok is
// false when it has already answered with an error.
func (s *Server) clientForm(w http.ResponseWriter, r *http.Request, noAuth *oauthError) (url.Values, Client, bool) {
	f, err := form(r)
	if err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			s.writeError(w, errorOf(http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("The body is larger than %d bytes.", MaxBody)))
			return nil, Client{}, false
		}
		s.writeError(w, errorOf(http.StatusBadRequest, "invalid_request", "Unable to parse HTTP body, make sure to send a properly formatted form request body."))
		return nil, Client{}, false
	}
	id, secret, isBasic, err := flow.ParseBasic(r.Header.Get("Authorization"))
	switch {
	case err != nil:
		s.writeError(w, errorOf(http.StatusBadRequest, "invalid_request", sentence(err)))
		return nil, Client{}, false
	case f.Has("client_secret"):
		s.writeError(w, errorOf(http.StatusUnauthorized, "invalid_client",
			"The OAuth 2.0 Client supports client authentication method 'client_secret_basic', but method 'client_secret_post' was requested. You must configure the OAuth 2.0 client's 'token_endpoint_auth_method' value to accept 'client_secret_post'."))
		return nil, Client{}, false
	case !isBasic:
		s.writeError(w, noAuth)
		return nil, Client{}, false
	}
	c, ok := s.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		s.writeError(w, errorOf(http.StatusUnauthorized, "invalid_client", ""))
		return nil, Client{}, false
	}
	return f, c, true
}

// sentence turns an error into a sentence: capitalised, with a full stop.
func sentence(err error) string {
	s := err.Error()
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	f, client, ok := s.clientForm(w, r, errorOf(http.StatusUnauthorized, "invalid_client", ""))
	if !ok {
		return
	}
	if sc := s.trigger(r.Context(), client.ID, ScenarioToken, ""); sc != nil {
		s.failOAuth(w, r, sc)
		return
	}
	switch g := f.Get("grant_type"); {
	case g == "":
		s.writeError(w, errorOf(http.StatusBadRequest, "invalid_request", "Request parameter 'grant_type' is missing"))
	case !slices.Contains(knownGrants, g) || g == "implicit":
		s.writeError(w, errorOf(http.StatusBadRequest, "invalid_request", fmt.Sprintf("The grant_type '%s' is not supported.", g)))
	case !client.allows(g):
		s.writeError(w, errorOf(http.StatusBadRequest, "unauthorized_client", fmt.Sprintf("The OAuth 2.0 Client is not allowed to use authorization grant '%s'.", g)))
	case g == flow.GrantAuthorizationCode:
		s.exchangeCode(r.Context(), w, f, client)
	case g == flow.GrantClientCredentials:
		s.clientCredentials(r.Context(), w, f, client)
	default: // refresh_token: the sandbox issues none
		s.writeError(w, errorOf(http.StatusBadRequest, "invalid_grant", "The refresh token is malformed or not valid."))
	}
}

// exchangeCode checks and spends a code in one step of the store, so that
// of simultaneous exchanges of one code (at any replica) exactly one gets a
// token. The token is stored first, so that a replay racing the exchange
// finds it to revoke.
func (s *Server) exchangeCode(ctx context.Context, w http.ResponseWriter, f url.Values, client Client) {
	now := s.now()
	access := s.prefixed(ngi.PrefixAccess, opaque())
	token := &issued{Client: client.ID, Audience: []string{client.ID}, IssuedAt: now, Expires: now.Add(TokenLifetime)}
	if err := save(ctx, s.store, tokens, tokenKey(access), token); err != nil {
		s.storeFailed(w)
		return
	}
	var e *oauthError
	var leaked []string // tokens issued from a code used twice
	err := modify(ctx, s.store, codes, f.Get("code"), func(g *grant) *grant {
		leaked, token.Grant = nil, nil
		if e = s.spendCode(f, client, now, g); e != nil {
			if g != nil && g.Used {
				leaked = g.Issued
			}
			return g // keeps that a failed PKCE check removed the PKCE data
		}
		g.Used, g.Issued = true, append(g.Issued, tokenKey(access))
		token.Grant = g
		return g
	})
	if err == nil && token.Grant != nil {
		// An update, not a put: a replay that raced in may have revoked it.
		err = modify(ctx, s.store, tokens, tokenKey(access), func(t *issued) *issued {
			if t == nil {
				return token
			}
			t.Grant = token.Grant
			return t
		})
	} else {
		s.store.Take(ctx, tokens, tokenKey(access)) // never handed out
	}
	for _, t := range leaked {
		s.revokeToken(ctx, t, "")
	}
	switch {
	case err != nil:
		s.storeFailed(w)
		return
	case e != nil:
		s.writeError(w, e)
		return
	}
	g := token.Grant
	resp := map[string]any{"access_token": access, "expires_in": int(TokenLifetime.Seconds()), "scope": g.Req.parsedScope().Echo(), "token_type": "bearer"}
	if g.Req.parsedScope().OpenID {
		idToken, err := s.idToken(client.ID, g, access, now)
		if err != nil {
			s.writeError(w, errorOf(http.StatusInternalServerError, ngi.ErrServerError, "The sandbox could not sign the ID token: "+err.Error()))
			return
		}
		resp["id_token"] = idToken
	}
	writeJSON(w, http.StatusOK, resp)
}

// spendCode checks the exchange of a code's grant (nil when the code is
// unknown) as Hydra does, in Hydra's order. A wrong redirect_uri leaves the
// code usable; a failed PKCE check removes its PKCE data for good.
func (s *Server) spendCode(f url.Values, client Client, now time.Time, g *grant) *oauthError {
	invalid := func(reason string) *oauthError { return errorOf(http.StatusBadRequest, "invalid_grant", reason) }
	switch {
	case f.Get("code") == "":
		return invalid("The authorization code is missing.")
	case g == nil:
		return invalid("The authorization code has not been found: it was never issued by this sandbox, it is older than " + RequestLifetime.String() + ", or the sandbox restarted.")
	case g.Used:
		// A second use is a sign the code leaked: what the first issued is revoked.
		return invalid("The authorization code has already been used.")
	case now.Sub(g.Created) > s.codeLifetime:
		return invalid(fmt.Sprintf("The authorization code expired %s after it was issued (the sandbox's code lifetime).", s.codeLifetime))
	case g.Req.ClientID != client.ID:
		return invalid("The OAuth 2.0 Client ID from this request does not match the one from the authorize request.")
	case f.Get("redirect_uri") != g.Req.RedirectParam:
		return invalid("The 'redirect_uri' from this request does not match the one from the authorize request.")
	}
	verifier := f.Get("code_verifier")
	switch {
	case !g.PKCE && (verifier != "" || g.Req.Challenge != ""):
		return invalid("Unable to find initial PKCE data tied to this request")
	case !g.PKCE:
		return nil
	}
	g.PKCE = false
	switch {
	case len(verifier) < ngi.MinVerifierLength:
		return invalid(fmt.Sprintf("The PKCE code verifier must be at least %d characters.", ngi.MinVerifierLength))
	case len(verifier) > ngi.MaxVerifierLength:
		return invalid(fmt.Sprintf("The PKCE code verifier can not be longer than %d characters.", ngi.MaxVerifierLength))
	case flow.ChallengeOf(verifier) != g.Req.Challenge:
		return invalid("The PKCE code challenge did not match the code verifier.")
	}
	return nil
}

func (s *Server) idToken(clientID string, g *grant, access string, now time.Time) (string, error) {
	claims := jwt.MapClaims{
		"iss":        s.issuer,
		"aud":        []string{clientID},
		"sub":        pairwise(clientID, g.Person),
		"exp":        now.Add(time.Hour).Unix(),
		"iat":        now.Unix(),
		"auth_time":  g.Created.Unix(),
		"rat":        g.Req.Created.Unix(),
		"at_hash":    token.AtHash(access),
		"sid":        g.SID,
		"pid":        g.Person,
		"consent_id": g.ConsentID,
		"jti":        randomText(16),
	}
	if g.Req.Nonce != "" {
		claims["nonce"] = g.Req.Nonce
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

func (s *Server) clientCredentials(ctx context.Context, w http.ResponseWriter, f url.Values, client Client) {
	audiences := strings.Fields(f.Get("audience"))
	for _, a := range audiences {
		if !slices.Contains(client.Audience, a) {
			s.writeError(w, errorOf(http.StatusBadRequest, "invalid_request", fmt.Sprintf("Requested audience '%s' has not been whitelisted by the OAuth 2.0 Client.", a)))
			return
		}
	}
	scopes := strings.Fields(f.Get("scope"))
	for _, sc := range scopes {
		if !flow.ScopeAllowed(client.scopes(), sc) {
			s.writeError(w, errorOf(http.StatusBadRequest, "invalid_scope", fmt.Sprintf("The OAuth 2.0 Client is not allowed to request scope '%s'.", sc)))
			return
		}
	}
	now := s.now()
	access := s.prefixed(ngi.PrefixAccess, opaque())
	if err := save(ctx, s.store, tokens, tokenKey(access), &issued{Client: client.ID, Audience: audiences, Scope: scopes, IssuedAt: now, Expires: now.Add(TokenLifetime)}); err != nil {
		s.storeFailed(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "expires_in": int(TokenLifetime.Seconds()), "scope": strings.Join(scopes, " "), "token_type": "bearer"})
}

// revoke follows RFC 7009 as Hydra does: an unknown token, another client's
// or none at all is 200 with an empty body.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	f, client, ok := s.clientForm(w, r, errorOf(http.StatusBadRequest, "invalid_request", "The request is missing client authentication."))
	if !ok {
		return
	}
	if sc := s.trigger(r.Context(), client.ID, ScenarioRevoke, ""); sc != nil {
		s.failOAuth(w, r, sc)
		return
	}
	if err := s.revokeToken(r.Context(), tokenKey(f.Get("token")), client.ID); err != nil {
		s.storeFailed(w)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
}

// failArranged answers with the client's scenario for the endpoint, when
// one is armed, and says whether it did.
func (s *Server) failArranged(w http.ResponseWriter, r *http.Request, clientID, endpoint string) bool {
	sc := s.trigger(r.Context(), clientID, endpoint, "")
	if sc != nil {
		s.failOAuth(w, r, sc)
	}
	return sc != nil
}

// userinfo answers with the session's claims for a code-flow token, and with
// the token's audience alone for a client-credentials one.
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	scheme, bearer, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	now := s.now()
	t, err := load[issued](r.Context(), s.store, tokens, tokenKey(bearer))
	switch {
	case err != nil:
		s.storeFailed(w)
	case !strings.EqualFold(scheme, "Bearer") || t == nil:
		s.writeError(w, errorOf(http.StatusUnauthorized, ngi.ErrRequestUnauthorized, "Check that you provided valid credentials for the right format."))
	case t.Revoked || now.After(t.Expires):
		s.writeError(w, errorOf(http.StatusUnauthorized, ngi.ErrRequestUnauthorized, "Token is inactive because it is malformed, expired or otherwise invalid."))
	case s.failArranged(w, r, t.Client, ScenarioUserinfo):
	case t.Grant == nil:
		writeJSON(w, http.StatusOK, map[string]any{"aud": t.Audience, "iat": t.IssuedAt.Unix(), "iss": s.issuer})
	default:
		g := t.Grant
		writeJSON(w, http.StatusOK, map[string]any{
			"sub": pairwise(t.Client, g.Person), "pid": g.Person, "consent_id": g.ConsentID, "aud": []string{t.Client},
			"iss": s.issuer, "auth_time": g.Created.Unix(), "rat": g.Req.Created.Unix(), "iat": t.IssuedAt.Unix(),
		})
	}
}

// tokenKey is what the store knows an access token by: its hash, so that
// no record (a grant lists what it issued) holds a usable token.
func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// revokeToken marks a token revoked (by its tokenKey): any token, or only
// the client's own when client is given.
func (s *Server) revokeToken(ctx context.Context, key, client string) error {
	return modify(ctx, s.store, tokens, key, func(t *issued) *issued {
		if t == nil || t.Revoked || (client != "" && t.Client != client) {
			return nil
		}
		t.Revoked = true
		return t
	})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, http.StatusOK, "Logged out", "The sandbox keeps no login session, so there is nothing to end.", nil, "")
}
