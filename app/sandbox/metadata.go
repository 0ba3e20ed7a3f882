package sandbox

import (
	"encoding/json"
	"net/http"

	"authdebug/app/token"
)

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	e := s.env.Endpoints
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.issuer,
		"authorization_endpoint":                e.Authorize,
		"token_endpoint":                        e.Token,
		"jwks_uri":                              e.JWKS,
		"revocation_endpoint":                   e.Revoke,
		"userinfo_endpoint":                     e.Userinfo,
		"end_session_endpoint":                  e.Logout,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query", "fragment"},
		"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"subject_types_supported":               []string{"pairwise"},
		"scopes_supported":                      []string{"openid"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, token.JWKS{Keys: []token.JWK{token.PublicJWK(s.kid, &s.key.PublicKey)}})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, oauthError{Error: "not_found", Description: "The sandbox has no endpoint " + r.Method + " " + r.URL.Path + "."})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
