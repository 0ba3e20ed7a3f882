package flow

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"authdebug/app/ngi"
)

// The grants the Token tab runs.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantClientCredentials = "client_credentials"
)

// CodeExchange is what the page knows when it is about to exchange a code.
type CodeExchange struct {
	Code        string
	RedirectURI string
	Verifier    string
	Pending     *PendingRequest // the authorize request the code came from, if known
	ReceivedAt  time.Time       // when the callback was read; zero if unknown
	Lifetime    time.Duration   // how long the environment's codes live; zero: Hydra's default
	Spent       bool            // an answer to this page said the code is used up (CodeSpent)
}

// CodeSpent says whether a token endpoint's answer used up the code it was
// sent: a token came (200), or invalid_grant says it was used before or its
// PKCE check failed. A wrong secret (401), an expired code or another
// redirect_uri leave it as it was: fixing the mistake may still work.
func CodeSpent(tok *TokenResponse, oerr *OAuthError) bool {
	if tok != nil {
		return true
	}
	if oerr == nil || oerr.Error != "invalid_grant" {
		return false
	}
	reason, _ := oerr.Reason()
	return ngi.CodeUsedUp(reason)
}

// CheckCodeExchange warns about what will make the exchange fail.
func CheckCodeExchange(x CodeExchange, now time.Time) []Finding {
	var fs []Finding
	if x.Code == "" {
		fs = append(fs, errorf("code", "No code: read a successful callback first, or paste the code."))
	}
	if x.RedirectURI == "" {
		fs = append(fs, errorf("redirect_uri", "No redirect_uri: NGI wants the same one the authorize request sent."))
	}
	if p := x.Pending; p != nil {
		if x.RedirectURI != p.RedirectURI {
			fs = append(fs, warningf("redirect_uri", fmt.Sprintf("The redirect_uri %q differs from the authorize request's %q: NGI answers invalid_grant.", x.RedirectURI, p.RedirectURI)))
		}
		if p.Verifier != "" && x.Verifier == "" {
			fs = append(fs, warningf("code_verifier", "The authorize request sent a PKCE challenge, but no code_verifier is given: the exchange will fail."))
		}
	}
	if x.Spent {
		fs = append(fs, warningf("code", "This code is used up: NGI's answer to this page said so (a token was issued for it, or it was used before, or its PKCE check failed). A code works once, and a second use also revokes the tokens of the first: start a new authorize request."))
	}
	lifetime := cmp.Or(x.Lifetime, ngi.CodeLifetime)
	if !x.ReceivedAt.IsZero() && now.Sub(x.ReceivedAt) > lifetime {
		fs = append(fs, warningf("code", fmt.Sprintf("The code was received %s ago, and this environment's codes live %s: it has expired.", Age(now.Sub(x.ReceivedAt)), Age(lifetime))))
	}
	return fs
}

// CheckClientAuth reports what the token endpoint needs to know the client:
// its id and secret, sent with HTTP Basic.
func CheckClientAuth(clientID, secret string) []Finding {
	var fs []Finding
	if clientID == "" {
		fs = append(fs, errorf("client_id", "No client id: type it in the Client id box at the top of the page."))
	}
	if secret == "" {
		fs = append(fs, errorf("client_secret", "No client secret: type it in the Client secret field (it stays in this page)."))
	}
	return fs
}

// CheckClientCredentials warns about an audience or scope that will fail.
func CheckClientCredentials(env ngi.Environment, audience, scope string) []Finding {
	var fs []Finding
	if strings.TrimSpace(audience) == "" {
		fs = append(fs, warningf("audience", "No audience: Hydra still issues a token, but one for no API, so NGI's API refuses it. Give the URL of the API the token is for."))
	}
	if strings.TrimSpace(scope) == "" {
		fs = append(fs, errorf("scope", "No scope: give the scope of the service."))
	}
	if owner := ngi.AudienceOwner(audience); owner != "" && owner != env.ID && env.IsNGI() {
		fs = append(fs, warningf("audience", fmt.Sprintf("This audience belongs to %s, but the request goes to %s: NGI will refuse it.", owner, env.ID)))
	}
	return fs
}

// CodeForm is the body of an authorization-code token request.
func CodeForm(clientID string, x CodeExchange) map[string]string {
	f := map[string]string{
		"grant_type":   GrantAuthorizationCode,
		"client_id":    clientID,
		"redirect_uri": x.RedirectURI,
		"code":         x.Code,
	}
	if x.Verifier != "" {
		f["code_verifier"] = x.Verifier
	}
	return f
}

// ClientCredentialsForm is the body of a client-credentials token request.
func ClientCredentialsForm(audience, scope string) map[string]string {
	return map[string]string{"grant_type": GrantClientCredentials, "audience": audience, "scope": scope}
}

// TokenResponse is a successful token response.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// OAuthError is an error response of RFC 6749 §5.2, with Hydra's extras.
type OAuthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
	Hint        string `json:"error_hint,omitempty"`
	Debug       string `json:"error_debug,omitempty"`
	URI         string `json:"error_uri,omitempty"` // RFC 6749: a page about the error
}

// Reason reads an error in either of Hydra's formats: current Hydra appends
// the specific reason to the generic sentence of the code in
// error_description; Hydra 1.x sends it as error_hint. generic is the
// sentence when the description starts with it.
//
// The hint, when there is one, is the specific reason and comes first,
// unless the description already carries a reason after the generic
// sentence (old fosite's generic sentence may lack its period).
func (e OAuthError) Reason() (reason, generic string) {
	reason, generic = ngi.SplitDescription(e.Error, e.Description)
	if e.Hint != "" && (reason == "" || generic == "") {
		return e.Hint, generic
	}
	return reason, generic
}

// ReadTokenResponse reads a token endpoint's answer. Exactly one of the
// results is set; problem explains a body that is neither.
func ReadTokenResponse(status int, contentType, body string) (tok *TokenResponse, oerr *OAuthError, problem string) {
	trimmed := strings.TrimSpace(body)
	switch {
	case trimmed == "":
		return nil, nil, fmt.Sprintf("The server answered %d with an empty body.", status)
	case strings.HasPrefix(trimmed, "<"):
		return nil, nil, fmt.Sprintf("The server answered %d with HTML (%s), not JSON: the URL may point at a web page or a proxy's error page.", status, orUnknown(contentType))
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal([]byte(trimmed), &probe); err != nil {
		return nil, nil, fmt.Sprintf("The server answered %d with a body that is not a JSON object: %v.", status, err)
	}
	if _, ok := probe["error"]; ok {
		var e OAuthError
		if err := json.Unmarshal([]byte(trimmed), &e); err != nil {
			return nil, nil, fmt.Sprintf("The error response is malformed: %v.", err)
		}
		return nil, &e, ""
	}
	if status < 200 || status > 299 {
		return nil, nil, fmt.Sprintf("The server answered %d without an OAuth error code.", status)
	}
	var t TokenResponse
	if err := json.Unmarshal([]byte(trimmed), &t); err != nil {
		return nil, nil, fmt.Sprintf("The token response is malformed: %v.", err)
	}
	if t.AccessToken == "" {
		return nil, nil, "The response has no access_token."
	}
	return &t, nil, ""
}

func orUnknown(s string) string {
	if s == "" {
		return "no Content-Type"
	}
	return s
}

// ReadRevocation says what a revocation endpoint's answer proves. RFC 7009
// has a server answer 200 also for a token it does not know or did not
// revoke (another client's, a mistyped one), so a 200 proves only that the
// request was accepted; the API's answer to the token is the proof.
func ReadRevocation(status int, body string) string {
	if status == 200 {
		return "Accepted: the environment answered HTTP 200. That is also its answer for a token it did not revoke (RFC 7009: another client's, or one it does not know), so it does not prove the token is dead. To check, call the API with it on the Call tab: a revoked token gets 401."
	}
	if _, oerr, _ := ReadTokenResponse(status, "", body); oerr != nil {
		reason, _ := oerr.Reason()
		return fmt.Sprintf("Not revoked: HTTP %d %s: %s", status, oerr.Error, reason)
	}
	return fmt.Sprintf("Not revoked: HTTP %d %.200s", status, body)
}
