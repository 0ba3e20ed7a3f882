package flow

import (
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
	Exchanged   bool            // this page already sent this code
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
	if x.Exchanged {
		fs = append(fs, warningf("code", "This code was already exchanged from this page: a code is single-use, and a second use fails with invalid_grant (and may revoke the first tokens)."))
	}
	if !x.ReceivedAt.IsZero() && now.Sub(x.ReceivedAt) > ngi.CodeLifetime {
		fs = append(fs, warningf("code", fmt.Sprintf("The code was received %s ago: codes live a few minutes, so it has probably expired.", Age(now.Sub(x.ReceivedAt)))))
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
func (e OAuthError) Reason() (reason, generic string) {
	reason, generic = ngi.SplitDescription(e.Error, e.Description)
	if reason == "" {
		reason = e.Hint
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
