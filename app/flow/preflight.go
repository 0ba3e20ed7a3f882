package flow

import (
	"cmp"
	"fmt"
	"net/url"
	"strings"

	"authdebug/app/ngi"
)

// Verdicts of a preflight.
const (
	PreflightAccepted = "accepted"
	PreflightRefused  = "refused"
	PreflightUnclear  = "unclear"
)

// PreflightParams are the authorize parameters a preflight may send; each
// value is data, put in the query of the configured authorize endpoint.
var PreflightParams = []string{"client_id", "response_type", "scope", "redirect_uri", "state", "nonce",
	"code_challenge", "code_challenge_method", "response_mode", "prompt"}

// PreflightRequest asks the relay to send an authorize request and report
// where the server would send the browser, without following it.
type PreflightRequest struct {
	Env    string            `json:"env"`
	Params map[string]string `json:"params"`
}

// Preflight is what the server's answer to an authorize request says.
type Preflight struct {
	Verdict     string `json:"verdict"`
	Location    string `json:"location,omitempty"`
	Error       string `json:"error,omitempty"`
	Reason      string `json:"reason,omitempty"` // the specific reason, in either Hydra format
	Description string `json:"error_description,omitempty"`
	// Where a refusal went: "error_page" (Hydra's own; the client or its
	// redirect_uri is not trusted) or "redirect_uri" (back to the client).
	Where string `json:"where,omitempty"`
}

// ReadPreflight reads an authorize endpoint's answer the way Hydra gives
// it: a redirect to the login (accepted), to its error page or to the
// redirect_uri with an error (refused), anything else unclear.
func ReadPreflight(authorizeEndpoint, redirectURI string, status int, location string) Preflight {
	p := Preflight{Verdict: PreflightUnclear, Location: location}
	if status < 300 || status > 399 || location == "" {
		return p
	}
	base, err := url.Parse(authorizeEndpoint)
	if err != nil {
		return p
	}
	loc, err := base.Parse(location)
	if err != nil {
		return p
	}
	p.Location = loc.String()
	params := loc.Query()
	if frag, err := url.ParseQuery(loc.Fragment); err == nil && frag.Has("error") {
		params = frag
	}
	if params.Has("error") {
		e := OAuthError{Error: params.Get("error"), Description: params.Get("error_description"), Hint: params.Get("error_hint")}
		p.Verdict, p.Error, p.Description = PreflightRefused, e.Error, e.Description
		p.Reason, _ = e.Reason()
		p.Where = "error_page"
		if r, err := url.Parse(redirectURI); err == nil && r.Scheme == loc.Scheme && r.Host == loc.Host && r.Path == loc.Path {
			p.Where = "redirect_uri"
		}
		return p
	}
	if loc.Query().Has("login_challenge") || loc.Query().Has("consent_challenge") {
		p.Verdict = PreflightAccepted
	}
	return p
}

// Registered says what the answer proves about the redirect_uri: Hydra
// sends the browser to the login, or back to the redirect_uri with an
// error, only for a registered URI; its error page names an unregistered
// one. Other refusals on the error page (an unknown client) leave it open.
func (p Preflight) Registered() Match {
	switch {
	case p.Verdict == PreflightAccepted || (p.Verdict == PreflightRefused && p.Where == "redirect_uri"):
		return MatchYes
	case p.Verdict == PreflightRefused && ngi.RedirectNotRegistered(p.Reason):
		return MatchNo
	}
	return MatchUnknown
}

// AnyPortOnly says whether a registered verdict for uri may rest on Hydra's
// rule that a loopback IP comes back on any port (RFC 8252 §7.3): the URI
// registered may have another port.
func AnyPortOnly(uri string) bool {
	u, err := url.Parse(uri)
	return err == nil && u.Scheme == "http" && u.Port() != "" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "::1")
}

// RegisteredText says whether the redirect_uri is registered, and how the
// answer shows it; who names the server in a sentence ("NGI", "the sandbox").
func (p Preflight) RegisteredText(uri, who string) string {
	switch p.Registered() {
	case MatchYes:
		if AnyPortOnly(uri) {
			return "registered, perhaps on another port: " + who + " accepts a loopback IP on any port (RFC 8252)"
		}
		return "registered (" + who + " answered at it)"
	case MatchNo:
		return "not registered"
	}
	return "not known"
}

// AcceptedText says whether the request as a whole was accepted.
func (p Preflight) AcceptedText() string {
	switch p.Verdict {
	case PreflightAccepted:
		return "accepted"
	case PreflightRefused:
		return "refused: " + p.Error
	}
	return "unclear"
}

// Sentence says the answer in plain words, as the page and authdebug check
// show it; status is the HTTP status the authorize endpoint answered.
func (p Preflight) Sentence(uri, clientID, who string, status int) string {
	if who != "" {
		who = strings.ToUpper(who[:1]) + who[1:] // it starts the sentence
	}
	reason := cmp.Or(p.Reason, p.Description, "no reason given")
	switch {
	case p.Verdict == PreflightUnclear:
		return fmt.Sprintf("Unclear: the server answered HTTP %d, not with a redirect to its login or an error. Location: %q.", status, p.Location)
	case p.Verdict == PreflightAccepted:
		return who + " accepts this request: the next page would be the login."
	case p.Where == "error_page":
		s := fmt.Sprintf("%s refuses it before the login, on its own error page (%s): %s", who, p.Error, reason)
		if p.Registered() == MatchNo && uri != "" {
			s += fmt.Sprintf(" The redirect_uri %s is not registered for client %s.", uri, clientID)
		}
		return s
	}
	return fmt.Sprintf("%s sent the error back to the redirect_uri, so it is registered; the request itself is refused (%s): %s", who, p.Error, reason)
}
