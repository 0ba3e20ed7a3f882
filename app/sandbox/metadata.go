package sandbox

import (
	"encoding/json"
	"net/http"

	"authdebug/app/ngi"
	"authdebug/app/token"
)

// discovery serves NGI's documented discovery document. It adds
// code_challenge_methods_supported, which NGI's does not list, because the
// sandbox does verify PKCE.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	doc := ngi.Document(s.env)
	doc["code_challenge_methods_supported"] = []string{"S256"}
	writeJSON(w, http.StatusOK, doc)
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
