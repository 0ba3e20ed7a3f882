package ngi

// Reference is a link to the text that states a rule.
type Reference struct {
	Label, URL string
}

const (
	rfc6749 = "https://www.rfc-editor.org/rfc/rfc6749"
	rfc7636 = "https://www.rfc-editor.org/rfc/rfc7636"
	oidc    = "https://openid.net/specs/openid-connect-core-1_0.html"
)

var errorRefs = map[string]Reference{
	"invalid_request":           {"RFC 6749 §5.2", rfc6749 + "#section-5.2"},
	"invalid_client":            {"RFC 6749 §5.2", rfc6749 + "#section-5.2"},
	"invalid_grant":             {"RFC 6749 §5.2", rfc6749 + "#section-5.2"},
	"unauthorized_client":       {"RFC 6749 §5.2", rfc6749 + "#section-5.2"},
	"unsupported_grant_type":    {"RFC 6749 §5.2", rfc6749 + "#section-5.2"},
	"invalid_scope":             {"RFC 6749 §4.1.2.1", rfc6749 + "#section-4.1.2.1"},
	"access_denied":             {"RFC 6749 §4.1.2.1", rfc6749 + "#section-4.1.2.1"},
	"unsupported_response_type": {"RFC 6749 §4.1.2.1", rfc6749 + "#section-4.1.2.1"},
	"server_error":              {"RFC 6749 §4.1.2.1", rfc6749 + "#section-4.1.2.1"},
	"temporarily_unavailable":   {"RFC 6749 §4.1.2.1", rfc6749 + "#section-4.1.2.1"},
	"login_required":            {"OpenID Connect Core §3.1.2.6", oidc + "#AuthError"},
	"consent_required":          {"OpenID Connect Core §3.1.2.6", oidc + "#AuthError"},
	"interaction_required":      {"OpenID Connect Core §3.1.2.6", oidc + "#AuthError"},
}

// ErrorRef links the text that defines an error code; ok is false for
// codes with no public definition (NGI's own, Hydra's own).
func ErrorRef(code string) (Reference, bool) {
	r, ok := errorRefs[code]
	return r, ok
}

var fieldRefs = map[string]Reference{
	"client_id":      {"RFC 6749 §2.2", rfc6749 + "#section-2.2"},
	"client_secret":  {"RFC 6749 §2.3.1", rfc6749 + "#section-2.3.1"},
	"redirect_uri":   {"RFC 6749 §3.1.2", rfc6749 + "#section-3.1.2"},
	"state":          {"RFC 6749 §10.12", rfc6749 + "#section-10.12"},
	"scope":          {"RFC 6749 §3.3", rfc6749 + "#section-3.3"},
	"response_type":  {"RFC 6749 §3.1.1", rfc6749 + "#section-3.1.1"},
	"code":           {"RFC 6749 §4.1.3", rfc6749 + "#section-4.1.3"},
	"code_verifier":  {"RFC 7636 §4.5", rfc7636 + "#section-4.5"},
	"code_challenge": {"RFC 7636 §4.2", rfc7636 + "#section-4.2"},
	"nonce":          {"OpenID Connect Core §3.1.2.1", oidc + "#AuthRequest"},
	"response_mode":  {"OAuth 2.0 Multiple Response Types §2.1", "https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseModes"},
	"audience":       {"RFC 8707 §2", "https://www.rfc-editor.org/rfc/rfc8707#section-2"},
}

// FieldRef links the text that states the rules of a request field.
func FieldRef(field string) (Reference, bool) {
	r, ok := fieldRefs[field]
	return r, ok
}
