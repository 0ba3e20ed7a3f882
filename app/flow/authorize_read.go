package flow

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// authorizeParams are the parameters of an authorize request the tool knows.
var authorizeParams = []string{"client_id", "response_type", "scope", "redirect_uri", "state", "nonce",
	"code_challenge", "code_challenge_method", "response_mode", "prompt", "max_age", "ui_locales", "login_hint", "acr_values", "audience"}

// ReadAuthorizeURL reads the authorize URL an app sends: the request it
// makes, its parameters as written, and what is odd about it beyond NGI's
// rules (which CheckAuthorize applies). ok is false when it is no URL.
func ReadAuthorizeURL(raw string) (r AuthRequest, params []Param, fs []Finding, ok bool) {
	raw, fs = repair(strings.TrimSpace(raw))
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return r, nil, append(fs, errorf("url", "This is not a URL: paste the whole address your app sends the browser to, like https://access-preprod.norskgjeld.no/oauth2/auth?client_id=...")), false
	}
	params, err = parseParams(u.RawQuery)
	if err != nil {
		return r, nil, append(fs, errorf("url", "The query cannot be read: "+err.Error()+".")), false
	}
	seen := map[string]bool{}
	for _, p := range params {
		switch {
		case seen[p.Name]:
			fs = append(fs, warningf(p.Name, fmt.Sprintf("%s is given more than once: Hydra reads the first value only.", p.Name)))
		case !slices.Contains(authorizeParams, p.Name):
			fs = append(fs, infof(p.Name, fmt.Sprintf("%s is not a parameter NGI reads: it is ignored.", p.Name)))
		}
		seen[p.Name] = true
	}
	first := func(name string) string {
		for _, p := range params {
			if p.Name == name {
				return p.Value
			}
		}
		return ""
	}
	u.RawQuery, u.Fragment = "", ""
	r = AuthRequest{Endpoint: u.String(), ClientID: first("client_id"), RedirectURI: first("redirect_uri"), Scope: first("scope"),
		State: first("state"), Nonce: first("nonce"), CodeChallenge: first("code_challenge"), ResponseMode: first("response_mode")}
	if rt := first("response_type"); rt != "code" {
		fs = append(fs, errorf("response_type", fmt.Sprintf("response_type is %q: NGI takes code only (unsupported_response_type).", rt)))
	}
	if m := first("code_challenge_method"); r.CodeChallenge != "" && m != "S256" {
		fs = append(fs, errorf("code_challenge_method", fmt.Sprintf("code_challenge_method is %q: Hydra takes S256 only.", m)))
	}
	return r, params, fs, true
}
