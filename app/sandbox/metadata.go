package sandbox

import (
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

// notFound answers as Hydra's router does: 404 and a page, whatever the
// method (a GET on the token endpoint included).
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, http.StatusNotFound, "Route not found", "The sandbox has no "+r.Method+" "+r.URL.Path+", as Hydra has none: the token and revocation endpoints take POST only.", nil, "")
}
