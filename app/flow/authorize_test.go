package flow

import (
	"net/url"
	"strings"
	"testing"

	"authdebug/app/ngi"
)

func validRequest() AuthRequest {
	return AuthRequest{
		Endpoint: ngi.Preprod().Endpoints.Authorize, ClientID: "client", RedirectURI: "https://api-eksempelbank.no/v1/callback",
		Scope: "debt.unsecured.presentation", State: "thisShouldBeARandomValue",
	}
}

func TestAuthorizeURLMatchesSeedExample(t *testing.T) {
	r := validRequest()
	r.ClientID = "your_client_id_here"
	want := "https://access-preprod.norskgjeld.no/oauth2/auth?client_id=your_client_id_here&response_type=code&scope=debt.unsecured.presentation&redirect_uri=https%3A%2F%2Fapi-eksempelbank.no%2Fv1%2Fcallback&state=thisShouldBeARandomValue"
	if got := r.URL(); got != want {
		t.Fatalf("URL =\n%s\nwant\n%s", got, want)
	}
}

func TestAuthorizeURLCarriesOptionalParameters(t *testing.T) {
	r := validRequest()
	r.Scope, r.Nonce, r.ResponseMode = "debt.unsecured.presentation openid", "n1", "fragment"
	p := NewPKCE()
	r.CodeChallenge = p.Challenge
	u, err := url.Parse(r.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("scope") != r.Scope || q.Get("nonce") != "n1" || q.Get("response_mode") != "fragment" ||
		q.Get("code_challenge") != ChallengeOf(p.Verifier) || q.Get("code_challenge_method") != "S256" {
		t.Fatalf("query = %v", q)
	}
	if len(p.Verifier) < 43 {
		t.Errorf("verifier %q is shorter than RFC 7636 allows", p.Verifier)
	}
}

func TestCheckAuthorizeFindings(t *testing.T) {
	pre := ngi.Preprod()
	sandboxLike := pre
	sandboxLike.PKCE = true
	tests := []struct {
		name   string
		edit   func(*AuthRequest)
		env    ngi.Environment
		level  Level
		field  string
		phrase string
	}{
		{"missing client id", func(r *AuthRequest) { r.ClientID = "" }, pre, LevelError, "client_id", "client id is missing"},
		{"missing redirect", func(r *AuthRequest) { r.RedirectURI = "" }, pre, LevelError, "redirect_uri", "missing"},
		{"missing state", func(r *AuthRequest) { r.State = "" }, pre, LevelError, "state", "state is missing"},
		{"short state", func(r *AuthRequest) { r.State = "abcdefghij" }, pre, LevelWarning, "state", "short"},
		{"state Hydra refuses", func(r *AuthRequest) { r.State = "abc" }, pre, LevelError, "state", "invalid_state"},
		{"http redirect", func(r *AuthRequest) { r.RedirectURI = "http://app.example/cb" }, pre, LevelError, "redirect_uri", "must use https"},
		{"loopback http", func(r *AuthRequest) { r.RedirectURI = "http://127.0.0.1:8000/callback" }, pre, LevelWarning, "redirect_uri", "loopback"},
		{"localhost http", func(r *AuthRequest) { r.RedirectURI = "http://localhost/callback" }, pre, LevelWarning, "redirect_uri", "loopback"},
		{"ipv6 loopback", func(r *AuthRequest) { r.RedirectURI = "http://[::1]:9/cb" }, pre, LevelWarning, "redirect_uri", "loopback"},
		{"fragment", func(r *AuthRequest) { r.RedirectURI = "https://app.example/cb#x" }, pre, LevelError, "redirect_uri", "fragment"},
		{"relative", func(r *AuthRequest) { r.RedirectURI = "/callback" }, pre, LevelError, "redirect_uri", "not an absolute URL"},
		{"custom scheme", func(r *AuthRequest) { r.RedirectURI = "com.example.app://cb" }, pre, LevelError, "redirect_uri", "must use https"},
		{"pkce not advertised", func(r *AuthRequest) { r.CodeChallenge = "x" }, pre, LevelInfo, "code_challenge", "Hydra checks a challenge whenever one is sent"},
		{"form_post not advertised", func(r *AuthRequest) { r.ResponseMode = "form_post" }, pre, LevelWarning, "response_mode", "form_post"},
		{"scope rule", func(r *AuthRequest) { r.Scope = "openid debt.unsecured.presentation" }, pre, LevelError, "scope", "last"},
		{"nonce without openid", func(r *AuthRequest) { r.Nonce = "n" }, pre, LevelInfo, "nonce", "without openid"},
		{"production", func(r *AuthRequest) {}, ngi.Prod(), LevelInfo, "environment", "production"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			tt.edit(&r)
			fs := CheckAuthorize(r, tt.env)
			for _, f := range fs {
				if f.Level == tt.level && f.Field == tt.field && strings.Contains(f.Message, tt.phrase) {
					return
				}
			}
			t.Fatalf("no %s finding on %s with %q in %v", tt.level, tt.field, tt.phrase, fs)
		})
	}
	if fs := CheckAuthorize(validRequest(), pre); len(fs) != 0 {
		t.Errorf("a valid request has findings: %v", fs)
	}
	r := validRequest()
	r.CodeChallenge = "x"
	if fs := CheckAuthorize(r, sandboxLike); len(fs) != 0 {
		t.Errorf("PKCE on an environment that advertises it: %v", fs)
	}
}

func TestRandomValuesDiffer(t *testing.T) {
	a, b := RandomValue(), RandomValue()
	if a == b || len(a) < 16 {
		t.Fatalf("RandomValue gave %q and %q", a, b)
	}
}

// The URL a bank's app sends, read back.
func TestReadAuthorizeURL(t *testing.T) {
	r, params, fs, ok := ReadAuthorizeURL("https://access-preprod.norskgjeld.no/oauth2/auth?client_id=bank&response_type=code&scope=debt.unsecured.presentation+openid" +
		"&state=s1s2s3s4s5&state=other&redirect_uri=https%3A%2F%2Fbank.example%2Fcb&nonce=n&code_challenge=c&code_challenge_method=plain&foo=1")
	if !ok || r.Endpoint != "https://access-preprod.norskgjeld.no/oauth2/auth" || r.ClientID != "bank" || r.State != "s1s2s3s4s5" ||
		r.RedirectURI != "https://bank.example/cb" || r.Scope != "debt.unsecured.presentation openid" || r.Nonce != "n" || r.CodeChallenge != "c" {
		t.Fatalf("read %+v", r)
	}
	if len(params) != 10 {
		t.Errorf("%d params", len(params))
	}
	for _, want := range []struct {
		level        Level
		field, words string
	}{{LevelWarning, "state", "more than once"}, {LevelInfo, "foo", "ignored"}, {LevelError, "code_challenge_method", "S256"}} {
		if !hasFinding(fs, want.level, want.field, want.words) {
			t.Errorf("no %s finding on %s: %+v", want.level, want.field, fs)
		}
	}
	if _, _, fs, ok := ReadAuthorizeURL("client_id=x"); ok || !hasFinding(fs, LevelError, "url", "not a URL") {
		t.Errorf("not a URL: %v %+v", ok, fs)
	}
	if _, _, fs, _ := ReadAuthorizeURL("https://a.example/oauth2/auth?client_id=x&scope=s&state=12345678&redirect_uri=https://b/cb"); !hasFinding(fs, LevelError, "response_type", "code only") {
		t.Errorf("no response_type: %+v", fs)
	}
}
