package ngi

// Document is NGI's discovery document for an environment, with exactly the
// fields the domain notes give for preprod. The sandbox serves it; the
// Discovery tab compares a live document with it.
func Document(e Environment) map[string]any {
	p := e.Endpoints
	return map[string]any{
		"issuer":                                      e.Issuer,
		"authorization_endpoint":                      p.Authorize,
		"token_endpoint":                              p.Token,
		"jwks_uri":                                    p.JWKS,
		"userinfo_endpoint":                           p.Userinfo,
		"revocation_endpoint":                         p.Revoke,
		"end_session_endpoint":                        p.Logout,
		"subject_types_supported":                     []string{"pairwise"},
		"response_types_supported":                    []string{"code"},
		"claims_supported":                            []string{"sub"},
		"grant_types_supported":                       []string{"authorization_code", "client_credentials"},
		"response_modes_supported":                    AdvertisedResponseModes,
		"scopes_supported":                            []string{"openid"},
		"token_endpoint_auth_methods_supported":       []string{"client_secret_basic"},
		"userinfo_signing_alg_values_supported":       []string{"none", "RS256"},
		"id_token_signing_alg_values_supported":       []string{"RS256"},
		"request_parameter_supported":                 true,
		"request_uri_parameter_supported":             true,
		"require_request_uri_registration":            true,
		"claims_parameter_supported":                  false,
		"request_object_signing_alg_values_supported": []string{"RS256", "none"},
	}
}

// Expectation is one field of the discovery document the Discovery tab checks.
type Expectation struct {
	Field string
	Want  []string // a list field must contain exactly these; a string field equals Want[0]
	List  bool
}

// checkedFields are the fields that decide whether the tool can talk to an
// environment: its endpoints and what its flows accept.
var checkedFields = []string{"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "revocation_endpoint",
	"userinfo_endpoint", "response_types_supported", "response_modes_supported", "grant_types_supported",
	"token_endpoint_auth_methods_supported", "id_token_signing_alg_values_supported", "subject_types_supported"}

// Expectations returns what an environment's discovery document should say
// in the fields that matter to the tool, read from Document.
func Expectations(e Environment) []Expectation {
	doc := Document(e)
	out := make([]Expectation, 0, len(checkedFields))
	for _, f := range checkedFields {
		switch v := doc[f].(type) {
		case string:
			out = append(out, Expectation{Field: f, Want: []string{v}})
		case []string:
			out = append(out, Expectation{Field: f, Want: v, List: true})
		}
	}
	return out
}
