package flow

import (
	"crypto/rand"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"authdebug/app/ngi"
)

// AuthRequest is an authorization-code request to NGI's /oauth2/auth.
type AuthRequest struct {
	Endpoint      string
	ClientID      string
	RedirectURI   string
	Scope         string
	State         string
	Nonce         string
	CodeChallenge string // S256; empty when PKCE is off
	ResponseMode  string // empty or "query" sends none
}

// Param is one query parameter, in the order it is sent.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Params lists the request's parameters in the order the URL carries them.
func (r AuthRequest) Params() []Param {
	ps := []Param{
		{"client_id", r.ClientID},
		{"response_type", "code"},
		{"scope", r.Scope},
		{"redirect_uri", r.RedirectURI},
		{"state", r.State},
	}
	if r.Nonce != "" {
		ps = append(ps, Param{"nonce", r.Nonce})
	}
	if r.CodeChallenge != "" {
		ps = append(ps, Param{"code_challenge", r.CodeChallenge}, Param{"code_challenge_method", "S256"})
	}
	if r.ResponseMode != "" && r.ResponseMode != "query" {
		ps = append(ps, Param{"response_mode", r.ResponseMode})
	}
	return ps
}

// URL is the full authorize URL.
func (r AuthRequest) URL() string {
	var b strings.Builder
	b.WriteString(r.Endpoint)
	for i, p := range r.Params() {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(p.Name + "=" + url.QueryEscape(p.Value))
	}
	return b.String()
}

// RandomValue returns a fresh unguessable value for state or nonce.
func RandomValue() string { return rand.Text() }

// CheckAuthorize checks an authorize request against NGI's rules and what the
// environment advertises.
func CheckAuthorize(r AuthRequest, env ngi.Environment) []Finding {
	var fs []Finding
	if strings.TrimSpace(r.ClientID) == "" {
		fs = append(fs, errorf("client_id", "The client id is missing: use the id NGI issued to your client."))
	}
	fs = append(fs, CheckRedirectURI(r.RedirectURI)...)
	switch {
	case r.State == "":
		fs = append(fs, errorf("state", "The state is missing: NGI requires it, and your app needs it to reject forged callbacks."))
	case len(r.State) < ngi.MinStateLength:
		fs = append(fs, errorf("state", fmt.Sprintf("The state has %d characters: Hydra refuses one shorter than %d (invalid_state).", len(r.State), ngi.MinStateLength)))
	case len(r.State) < 16:
		fs = append(fs, warningf("state", "The state is short: use a fresh random value of at least 16 characters per request."))
	}
	scope := ParseScope(r.Scope)
	fs = append(fs, scope.Findings...)
	if r.Nonce != "" && !scope.OpenID {
		fs = append(fs, infof("nonce", "A nonce is sent without openid: no ID token will carry it back."))
	}
	if r.CodeChallenge != "" && !env.PKCE {
		fs = append(fs, infof("code_challenge", env.Label+"'s discovery does not list code_challenge_methods_supported, but Hydra checks a challenge whenever one is sent (S256 only): keep PKCE."))
	}
	if m := r.ResponseMode; m != "" && !slices.Contains(env.ResponseModes, m) {
		fs = append(fs, warningf("response_mode", env.Label+" does not advertise response_mode="+m+"; it supports "+strings.Join(env.ResponseModes, ", ")+"."))
	}
	if env.Production {
		fs = append(fs, infof("environment", "This is production: the person logs in for real and a real consent is recorded."))
	}
	return fs
}

// CheckRedirectURI checks a redirect_uri on its own: present, absolute, https
// (http only on loopback, with a warning) and without a fragment.
func CheckRedirectURI(raw string) []Finding {
	if strings.TrimSpace(raw) == "" {
		return []Finding{errorf("redirect_uri", "The redirect_uri is missing: give one of the URIs NGI registered for the client.")}
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return []Finding{errorf("redirect_uri", "The redirect_uri is not an absolute URL such as https://app.example/callback.")}
	}
	var fs []Finding
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && IsLoopback(u.Hostname()):
		fs = append(fs, warningf("redirect_uri", "The redirect_uri uses http on a loopback address: fine for local testing, but NGI registers https URIs for real clients."))
	default:
		fs = append(fs, errorf("redirect_uri", "The redirect_uri must use https (scheme is "+u.Scheme+")."))
	}
	if strings.Contains(raw, "#") {
		fs = append(fs, errorf("redirect_uri", "The redirect_uri has a fragment (#...): OAuth forbids it, and the callback would lose its parameters."))
	}
	if raw != strings.TrimSpace(raw) {
		fs = append(fs, errorf("redirect_uri", "The redirect_uri has spaces before or after it: it must match the registered URI character for character."))
	}
	return fs
}

// RedirectMatch finds the registered redirect URI that a requested one
// stands for, the way Hydra matches them: character for character, except
// that on a loopback IP (http://127.0.0.1 or http://[::1]) any port is
// accepted (RFC 8252 §7.3).
func RedirectMatch(registered []string, requested string) (string, bool) {
	for _, r := range registered {
		if r == requested {
			return r, true
		}
	}
	req, err := url.Parse(requested)
	if err != nil || req.Scheme != "http" || (req.Hostname() != "127.0.0.1" && req.Hostname() != "::1") {
		return "", false
	}
	for _, r := range registered {
		reg, err := url.Parse(r)
		if err != nil || reg.Scheme != "http" || reg.Hostname() != req.Hostname() {
			continue
		}
		a, b := *reg, *req
		a.Host, b.Host = a.Hostname(), b.Hostname()
		if a.String() == b.String() {
			return r, true
		}
	}
	return "", false
}

// IsHTTPS reports whether a URL is an absolute https URL with a host: the
// only kind the page makes a link of when a callback or a server names it.
func IsHTTPS(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

// IsLoopback reports whether a host name is localhost or a loopback IP.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
