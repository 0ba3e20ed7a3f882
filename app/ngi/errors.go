package ngi

import "strings"

// ErrorInfo explains an OAuth error code in plain words.
type ErrorInfo struct {
	Code    string
	Source  string // who defines it: "NGI", "RFC 6749" or "Hydra"
	Meaning string
	Next    string // what to do next
}

// NGI's own error codes, sent to the redirect URI.
const (
	ErrConsentDenied  = "consent_denied"
	ErrLoginCancelled = "login_cancelled"
	ErrInvalidScopes  = "invalid_scopes"
	ErrServerError    = "server_error"
)

var errorCatalogue = []ErrorInfo{
	{ErrConsentDenied, "NGI", "The person declined to share their debt information.",
		"Nothing is wrong with the request. Handle it in your app: tell the person no data was fetched and offer to try again."},
	{ErrLoginCancelled, "NGI", "The person cancelled the ID-porten login before consenting.",
		"Handle it like a cancellation: let the person start again."},
	{ErrInvalidScopes, "NGI", "The scope parameter broke NGI's rules: exactly one debt scope, an optional day count, and openid only as the last scope.",
		"Fix the scope in the authorize request; the Authorize tab's findings show which rule was broken."},
	{ErrServerError, "NGI", "Something failed at NGI while handling the request.",
		"Retry later; if it persists, contact NGI with the time and the state value."},
	{"invalid_request", "RFC 6749", "The request is missing a required parameter, repeats one, or is otherwise malformed.",
		"The reason (after the general sentence, or in error_hint on older Hydra) names the parameter: check client_id, response_type=code, scope, state and redirect_uri."},
	{"unauthorized_client", "RFC 6749", "The client is not allowed to use this grant or response type.",
		"Ask NGI to enable the grant for this client id (authorization_code for the consent flow, client_credentials for the APIs)."},
	{"access_denied", "RFC 6749", "The resource owner or the authorization server denied the request.",
		"Read the reason; the person may have refused, or the client lacks access."},
	{"unsupported_response_type", "RFC 6749", "The server does not support this response_type.",
		"Use response_type=code."},
	{"invalid_scope", "RFC 6749", "A scope is not one the client is registered for: Hydra checks this before NGI's consent app sees the request.",
		"Use one debt scope (optionally with a day count) and openid last; ask NGI which scopes the client may use."},
	{"temporarily_unavailable", "RFC 6749", "The server is overloaded or in maintenance.",
		"Wait and retry."},
	{"invalid_client", "RFC 6749", "Client authentication failed: unknown client id, wrong secret, or the secret sent the wrong way.",
		"Check the client id and secret, and send them with HTTP Basic only (client_secret_basic), each form-url-encoded before base64; never also as client_secret in the body."},
	{"invalid_grant", "RFC 6749", "The authorization code is invalid: expired, already used, for another client, a PKCE verifier that does not match, or a redirect_uri that differs from the authorize request.",
		"Start a new authorize request, exchange the code at once, with exactly the same redirect_uri and the verifier of its challenge."},
	{"unsupported_grant_type", "RFC 6749", "The server does not accept this grant_type.",
		"Use authorization_code or client_credentials."},
	{ErrInvalidState, "Hydra", "The state is missing or shorter than 8 characters: Hydra refuses it as too weak to stop forged callbacks.",
		"Send a fresh random state of at least 8 characters (the Authorize tab makes one) with every authorize request."},
	{ErrLoginRequired, "Hydra", "prompt=none was asked, but the person has no login session at NGI, so they cannot be let through silently.",
		"Send the authorize request without prompt=none, so that the person can log in with ID-porten."},
	{"consent_required", "Hydra", "The person has to consent, but the request asked not to show a consent screen (prompt=none).",
		"Send the request without prompt=none so that the consent screen is shown."},
	{"interaction_required", "Hydra", "The person has to do something (log in, consent) and the request asked for no interaction.",
		"Send the request without prompt=none."},
	{ErrUnsupportedResponseMode, "Hydra", "The response_mode is not one Hydra knows; it shows its error page instead of redirecting.",
		"Use response_mode query (the default), fragment or form_post."},
	{ErrRequestUnauthorized, "Hydra", "The request carried no valid access token: none, an unknown one, an expired or a revoked one.",
		"Send a fresh access token as Authorization: Bearer …; get a new one if it was revoked or expired."},
	{"request_forbidden", "Hydra", "Hydra refused the request, often an audience or scope the client may not ask for.",
		"Read the reason; check the audience and scope against what NGI granted the client."},
}

// ExplainError returns the catalogue entry of an error code; known is false for
// a code the catalogue does not have, and the entry then says so.
func ExplainError(code string) (info ErrorInfo, known bool) {
	for _, e := range errorCatalogue {
		if e.Code == code {
			return e, true
		}
	}
	return ErrorInfo{Code: code, Source: "unknown",
		Meaning: "This error code is neither NGI's nor one of RFC 6749's.",
		Next:    "Read error_description (and error_hint, if any), and ask the provider what it means."}, false
}

// NextStep is what to do about an error, told by Hydra's reason where that
// says more than the code: invalid_grant covers five different mistakes.
func NextStep(code, reason string) string {
	info, _ := ExplainError(code)
	if code != "invalid_grant" {
		return info.Next
	}
	switch {
	case strings.Contains(reason, "PKCE"):
		return "Send the code_verifier whose S256 hash is the authorize request's code_challenge. After a failed check the code cannot be used again: start a new authorize request."
	case strings.Contains(reason, "redirect_uri"):
		return "Send exactly the redirect_uri of the authorize request, character for character (none, if it sent none). The code is still usable."
	case strings.Contains(reason, "already been used"):
		return "A code works once, and the tokens its first use gave are now revoked: start a new authorize request."
	case strings.Contains(reason, "expired"):
		return "Exchange the code within minutes of the callback: start a new authorize request."
	case strings.Contains(reason, "Client ID"):
		return "Exchange the code with the client that asked for it."
	}
	return info.Next
}
