package ngi

// Expectation is what NGI's discovery document says, per the domain notes;
// the Discovery tab compares an environment's live metadata with it.
type Expectation struct {
	Field string
	Want  []string // a list field must contain exactly these; a string field equals Want[0]
	List  bool
}

// Expectations returns what an environment's discovery document should say.
func Expectations(e Environment) []Expectation {
	return []Expectation{
		{Field: "issuer", Want: []string{e.Issuer}},
		{Field: "authorization_endpoint", Want: []string{e.Endpoints.Authorize}},
		{Field: "token_endpoint", Want: []string{e.Endpoints.Token}},
		{Field: "jwks_uri", Want: []string{e.Endpoints.JWKS}},
		{Field: "revocation_endpoint", Want: []string{e.Endpoints.Revoke}},
		{Field: "userinfo_endpoint", Want: []string{e.Endpoints.Userinfo}},
		{Field: "response_types_supported", Want: []string{"code"}, List: true},
		{Field: "response_modes_supported", Want: AdvertisedResponseModes, List: true},
		{Field: "grant_types_supported", Want: []string{"authorization_code", "client_credentials"}, List: true},
		{Field: "token_endpoint_auth_methods_supported", Want: []string{"client_secret_basic"}, List: true},
		{Field: "id_token_signing_alg_values_supported", Want: []string{"RS256"}, List: true},
		{Field: "subject_types_supported", Want: []string{"pairwise"}, List: true},
	}
}
