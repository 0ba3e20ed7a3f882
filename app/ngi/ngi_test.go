package ngi

import (
	"strings"
	"testing"
)

func TestEnvironmentsFollowTheDomainNotes(t *testing.T) {
	pre, prod := Preprod(), Prod()
	if pre.Issuer != "https://access-preprod.norskgjeld.no/" || pre.Endpoints.Token != "https://access-preprod.norskgjeld.no/oauth2/token" || pre.Production {
		t.Errorf("preprod = %+v", pre)
	}
	if prod.Issuer != "https://access.norskgjeld.no/" || prod.Endpoints.Authorize != "https://access.norskgjeld.no/oauth2/auth" || !prod.Production {
		t.Errorf("prod = %+v", prod)
	}
	e := Hydra("x", "X", "https://auth.example/base")
	want := Endpoints{
		Authorize: "https://auth.example/base/oauth2/auth", Token: "https://auth.example/base/oauth2/token",
		Discovery: "https://auth.example/base/.well-known/openid-configuration", JWKS: "https://auth.example/base/.well-known/jwks.json",
		Revoke: "https://auth.example/base/oauth2/revoke", Userinfo: "https://auth.example/base/userinfo", Logout: "https://auth.example/base/oauth2/sessions/logout",
	}
	if e.Endpoints != want {
		t.Errorf("Hydra endpoints = %+v", e.Endpoints)
	}
	if len(pre.Services) != 3 || pre.Services[1].Audience != "https://api-preprod.norskgjeld.no/v1/consent/agreement" || pre.Services[1].Scope != "consent.create" {
		t.Errorf("services = %+v", pre.Services)
	}
}

func TestAudienceOwner(t *testing.T) {
	tests := map[string]string{
		"https://api-preprod.norskgjeld.no/v1/debt": "preprod",
		"https://api.norskgjeld.no/feed/v1/consent": "prod",
		"https://api.norskgjeld.no.evil/v1/debt":    "",
		"https://example.com":                       "",
	}
	for aud, want := range tests {
		if got := AudienceOwner(aud); got != want {
			t.Errorf("AudienceOwner(%q) = %q, want %q", aud, got, want)
		}
	}
}

func TestExplainError(t *testing.T) {
	for _, code := range []string{"consent_denied", "login_cancelled", "invalid_scopes", "server_error", "invalid_request",
		"unauthorized_client", "access_denied", "unsupported_response_type", "invalid_scope", "temporarily_unavailable", "invalid_client", "invalid_grant"} {
		if info, known := ExplainError(code); !known || info.Meaning == "" || info.Next == "" {
			t.Errorf("%s: %+v", code, info)
		}
	}
	if info, known := ExplainError("made_up"); known || info.Source != "unknown" {
		t.Errorf("made_up: %+v", info)
	}
}

// A malformed issuer is refused when the environment is made, not on each call.
func TestEnvironmentCheck(t *testing.T) {
	for _, e := range []Environment{Preprod(), Prod(), Hydra("x", "x", "http://127.0.0.1:4444/")} {
		if err := e.Check(); err != nil {
			t.Errorf("%s: %v", e.ID, err)
		}
	}
	for _, bad := range []string{"http://[::1", "https://", "ftp://auth.example/", "auth.example", "https://u:p@auth.example/", "https://auth.example/?a=1", "https://auth.example/#x"} {
		if err := Hydra("bad", "bad", bad).Check(); err == nil {
			t.Errorf("issuer %q passed", bad)
		}
	}
}

// invalid_grant's advice follows Hydra's reason: a PKCE failure is not a redirect_uri problem.
func TestNextStepFollowsTheReason(t *testing.T) {
	for reason, want := range map[string]string{
		"The PKCE code challenge did not match the code verifier.":                                "code_verifier",
		"The 'redirect_uri' from this request does not match the one from the authorize request.": "character for character",
		"The authorization code has already been used.":                                           "works once",
	} {
		if got := NextStep("invalid_grant", reason); !strings.Contains(got, want) {
			t.Errorf("%q: %q", reason, got)
		}
	}
	if info, _ := ExplainError("invalid_client"); NextStep("invalid_client", "x") != info.Next {
		t.Error("another code's advice changed with the reason")
	}
}
