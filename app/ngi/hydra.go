package ngi

import "strings"

// Hydra's OAuth error codes beyond RFC 6749's, as its library (fosite) names them.
const (
	ErrInvalidState            = "invalid_state"
	ErrLoginRequired           = "login_required"
	ErrUnsupportedResponseMode = "unsupported_response_mode"
	ErrRequestUnauthorized     = "request_unauthorized"
)

// genericDescriptions are fosite's fixed error_description of each error
// code. Current Hydra appends the specific reason after it, following a
// space; Hydra 1.x sends the reason as error_hint instead.
var genericDescriptions = map[string]string{
	"invalid_request":           "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.",
	"invalid_client":            "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method).",
	"invalid_grant":             "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
	"invalid_scope":             "The requested scope is invalid, unknown, or malformed.",
	"invalid_state":             "The state is missing or does not have enough characters and is therefore considered too weak.",
	"unauthorized_client":       "The client is not authorized to request a token using this method.",
	"unsupported_response_type": "The authorization server does not support obtaining a token using this method.",
	"unsupported_response_mode": "The authorization server does not support obtaining a response using this response mode.",
	"unsupported_grant_type":    "The authorization grant type is not supported by the authorization server.",
	"access_denied":             "The resource owner or authorization server denied the request.",
	"login_required":            "The Authorization Server requires End-User authentication.",
	"consent_required":          "The Authorization Server requires End-User consent.",
	"interaction_required":      "The Authorization Server requires End-User interaction of some form to proceed.",
	"request_unauthorized":      "The request could not be authorized.",
	"request_forbidden":         "The request is not allowed.",
	"server_error":              "The authorization server encountered an unexpected condition that prevented it from fulfilling the request.",
	"temporarily_unavailable":   "The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.",
}

// GenericDescription is Hydra's fixed error_description of an error code, or "".
func GenericDescription(code string) string { return genericDescriptions[code] }

// SplitDescription reads an error_description in current Hydra's format: the
// generic sentence of its code, then the specific reason. A description
// that does not start with the generic sentence is all reason.
//
// Hydra 1.x (old fosite) ends the generic sentence without its period.
func SplitDescription(code, description string) (reason, generic string) {
	g := strings.TrimSuffix(GenericDescription(code), ".")
	if g == "" || !strings.HasPrefix(description, g) {
		return description, ""
	}
	switch rest := strings.TrimPrefix(description, g); {
	case rest == "": // Hydra 1.x
		return "", description
	case rest[0] == '.':
		return strings.TrimSpace(rest[1:]), g + "."
	case rest[0] == ' ':
		return strings.TrimSpace(rest), g
	}
	return description, "" // the sentence goes on: it is not the generic one
}

// CodeUsedUp says whether the reason of Hydra's invalid_grant means the code
// can no longer be exchanged: it was used before, or a PKCE check failed
// (which removes the code's PKCE data). A wrong redirect_uri leaves it usable.
func CodeUsedUp(reason string) bool {
	return strings.Contains(reason, "already been used") || strings.Contains(reason, "code challenge did not match") ||
		strings.Contains(reason, "initial PKCE data")
}

// RedirectNotRegistered says whether the reason of Hydra's invalid_request
// means the redirect_uri is none of the client's registered ones.
func RedirectNotRegistered(reason string) bool {
	return strings.Contains(reason, "pre-registered redirect")
}

// ErrorPagePath is Hydra's own error page, under the issuer: where it sends
// the browser instead of the client's redirect_uri when it cannot trust
// that URI (an unknown client_id, a redirect_uri not registered, a
// response_mode it does not know).
const ErrorPagePath = "/oauth2/fallbacks/error"

// Hydra's token prefixes (v2.2 and later); Hydra 1.x and NGI's documented
// examples have none.
const (
	PrefixCode    = "ory_ac_"
	PrefixAccess  = "ory_at_"
	PrefixRefresh = "ory_rt_"
)

// MinStateLength is the shortest state Hydra accepts (its minimum parameter entropy).
const MinStateLength = 8

// PKCE verifier lengths Hydra accepts (RFC 7636).
const (
	MinVerifierLength = 43
	MaxVerifierLength = 128
)
