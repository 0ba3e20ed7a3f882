// Package ngi is the provider profile of Norsk Gjeldsinformasjon: its
// environments, endpoints, scopes, audiences and error catalogue, as the
// project's domain notes state them. It does no I/O.
package ngi

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Endpoints are the URLs of an authorization server, Hydra's paths.
type Endpoints struct {
	Authorize string `json:"authorize"`
	Token     string `json:"token"`
	Discovery string `json:"discovery"`
	JWKS      string `json:"jwks"`
	Revoke    string `json:"revoke"`
	Userinfo  string `json:"userinfo"`
	Logout    string `json:"logout"`
	// Scenarios arranges failures on demand: the sandbox's only.
	Scenarios string `json:"scenarios,omitempty"`
}

// Service is a client-credentials preset: the audience and scope of one of NGI's APIs.
type Service struct {
	Name     string `json:"name"`
	Audience string `json:"audience"`
	Scope    string `json:"scope"`
}

// DemoClient is a client the page may pre-fill; only the sandbox has one.
type DemoClient struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

// Environment is one authorization server the tool can talk to.
type Environment struct {
	ID         string      `json:"id"`
	Label      string      `json:"label"`
	Issuer     string      `json:"issuer"`
	Production bool        `json:"production"`
	Endpoints  Endpoints   `json:"endpoints"`
	APIBase    string      `json:"api_base,omitempty"`
	Services   []Service   `json:"services,omitempty"`
	DemoClient *DemoClient `json:"demo_client,omitempty"`
	// ResponseModes and PKCE are what the environment advertises in its discovery document.
	ResponseModes []string `json:"response_modes"`
	PKCE          bool     `json:"pkce"`
	// CodeLifetime is how long the environment's codes live, when it is
	// known to differ from Hydra's default (the sandbox's -sandbox-code-lifetime).
	CodeLifetime time.Duration `json:"code_lifetime,omitempty"`
}

// Response modes: where a callback's parameters go.
const (
	ResponseModeQuery    = "query"
	ResponseModeFragment = "fragment"
	ResponseModeFormPost = "form_post"
)

// ResponseModes are OAuth's response modes, all offered on the Authorize tab
// so that a refusal can be tried too.
var ResponseModes = []string{ResponseModeQuery, ResponseModeFragment, ResponseModeFormPost}

// AdvertisedResponseModes are the ones NGI's discovery document lists.
var AdvertisedResponseModes = []string{ResponseModeQuery, ResponseModeFragment}

// CheckIssuer reports why an issuer cannot be an environment's: it must be an
// absolute http(s) URL with a host, and nothing a request could not carry.
func CheckIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL: %v", issuer, err)
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("%q: the issuer must be an http:// or https:// URL", issuer)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%q: the issuer has no host", issuer)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q: the issuer may not carry a user, a query or a fragment", issuer)
	}
	return nil
}

// Check reports the first endpoint of e that is not a usable URL, so a bad
// environment stops the server at start rather than failing each call.
func (e Environment) Check() error {
	urls := []string{e.Issuer, e.Endpoints.Token, e.Endpoints.Revoke, e.Endpoints.Discovery, e.Endpoints.JWKS}
	if e.APIBase != "" {
		urls = append(urls, e.APIBase)
	}
	for _, u := range urls {
		if err := CheckIssuer(u); err != nil {
			return fmt.Errorf("environment %s: %w", e.ID, err)
		}
	}
	return nil
}

// Hydra returns an environment whose endpoints are derived from the issuer
// the way Ory Hydra lays them out.
func Hydra(id, label, issuer string) Environment {
	base := strings.TrimSuffix(issuer, "/")
	return Environment{
		ID:     id,
		Label:  label,
		Issuer: issuer,
		Endpoints: Endpoints{
			Authorize: base + "/oauth2/auth",
			Token:     base + "/oauth2/token",
			Discovery: base + "/.well-known/openid-configuration",
			JWKS:      base + "/.well-known/jwks.json",
			Revoke:    base + "/oauth2/revoke",
			Userinfo:  base + "/userinfo",
			Logout:    base + "/oauth2/sessions/logout",
		},
		ResponseModes: slices.Clone(AdvertisedResponseModes),
	}
}

// The ids of NGI's own environments, and of the tool's built-in sandbox.
const (
	PreprodID = "preprod"
	ProdID    = "prod"
	SandboxID = "sandbox"
)

// IsNGI reports whether e is one of NGI's own environments.
func (e Environment) IsNGI() bool { return e.ID == PreprodID || e.ID == ProdID }

// Who names the authorization server of e in a sentence: "NGI", "the
// sandbox", or the environment's label.
func (e Environment) Who() string {
	switch {
	case e.IsNGI():
		return "NGI"
	case e.ID == SandboxID:
		return "the sandbox"
	}
	return e.Label
}

// CodeLifetime is how long Hydra keeps an authorization code valid by
// default (ttl.auth_code).
const CodeLifetime = 10 * time.Minute

// CodeTTL is how long the environment's codes live.
func (e Environment) CodeTTL() time.Duration {
	if e.CodeLifetime > 0 {
		return e.CodeLifetime
	}
	return CodeLifetime
}

// Preprod is NGI's test environment.
func Preprod() Environment {
	e := Hydra(PreprodID, "NGI preprod", "https://access-preprod.norskgjeld.no/")
	e.APIBase = "https://api-preprod.norskgjeld.no"
	e.Services = Services(e.APIBase)
	return e
}

// Prod is NGI's production environment.
func Prod() Environment {
	e := Hydra(ProdID, "NGI production", "https://access.norskgjeld.no/")
	e.Production = true
	e.APIBase = "https://api.norskgjeld.no"
	e.Services = Services(e.APIBase)
	return e
}

// Services returns the client-credentials presets of NGI's three APIs under apiBase.
func Services(apiBase string) []Service {
	return []Service{
		{Name: "Debt lookup", Audience: apiBase + "/v1/debt", Scope: ScopePresentation + " " + ScopeProcessing},
		{Name: "Integrated consent (register a consent)", Audience: apiBase + "/v1/consent/agreement", Scope: "consent.create"},
		{Name: "Consent events feed", Audience: apiBase + "/feed/v1/consent", Scope: "client.access.consent.events"},
	}
}

// ServiceScopes lists every scope of NGI's client-credentials services.
func ServiceScopes() []string {
	var out []string
	for _, svc := range Services("") {
		for _, sc := range strings.Fields(svc.Scope) {
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		}
	}
	return out
}

// AudienceOwner names the built-in environment whose API an audience belongs
// to (PreprodID or ProdID), or "" when it is neither's.
func AudienceOwner(audience string) string {
	for _, e := range []Environment{Preprod(), Prod()} {
		if audience == e.APIBase || strings.HasPrefix(audience, e.APIBase+"/") {
			return e.ID
		}
	}
	return ""
}
