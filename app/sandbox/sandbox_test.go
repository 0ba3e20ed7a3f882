package sandbox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"authdebug/app/flow"
	"authdebug/app/token"
)

const testRedirect = "https://app.example/callback"

// testSandbox is the sandbox on loopback, with a client whose secret needs
// form-url-encoding, and a clock the test moves.
type testSandbox struct {
	*httptest.Server
	sb    *Server
	now   time.Time
	agent *http.Client
}

const oddSecret = "s3cr+t %&/?= x"

func newTestSandbox(t *testing.T) *testSandbox { return newTestSandboxWith(t, Config{}) }

// newTestSandboxWith starts a sandbox with cfg, its origin, clock and the
// client "bank" (registered like NGI's) filled in.
func newTestSandboxWith(t *testing.T, cfg Config) *testSandbox {
	ts := &testSandbox{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	mux := http.NewServeMux()
	ts.Server = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	cfg.Origin, cfg.Now = ts.URL, func() time.Time { return ts.now }
	cfg.Clients = append(cfg.Clients, ngiClient(Client{ID: "bank", Secret: oddSecret, RedirectURIs: []string{testRedirect}}))
	sb, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.sb = sb
	mux.Handle("/sandbox/", sb)
	ts.agent = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return ts
}

func (ts *testSandbox) authorizeURL(mod func(url.Values)) string {
	q := url.Values{"client_id": {"bank"}, "response_type": {"code"}, "scope": {"debt.unsecured.presentation openid"},
		"redirect_uri": {testRedirect}, "state": {"state-123"}, "nonce": {"nonce-456"}}
	if mod != nil {
		mod(q)
	}
	return ts.URL + "/sandbox/oauth2/auth?" + q.Encode()
}

// consent opens the authorize URL and returns the consent page's request id,
// or the redirect it answered with.
func (ts *testSandbox) consent(t *testing.T, authURL string) (requestID string, resp *http.Response, page string) {
	t.Helper()
	resp, err := ts.agent.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	// Accepted: Hydra's redirect to the login app, which shows the consent page.
	if loc := resp.Header.Get("Location"); resp.StatusCode == http.StatusFound && strings.Contains(loc, "/oauth2/login?login_challenge=") {
		resp.Body.Close()
		if resp, err = ts.agent.Get(ts.URL + loc); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="request" value="([^"]+)"`).FindStringSubmatch(string(b))
	if m != nil {
		requestID = m[1]
	}
	return requestID, resp, string(b)
}

// postDecision posts the consent form as a browser would, from origin.
func (ts *testSandbox) postDecision(t *testing.T, origin string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+"/sandbox/oauth2/auth/decide", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	resp, err := ts.agent.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// decide posts the consent form and reads the callback it redirects to.
func (ts *testSandbox) decide(t *testing.T, requestID, action string) flow.Callback {
	t.Helper()
	resp := ts.postDecision(t, ts.URL, url.Values{"request": {requestID}, "action": {action}, "person": {"29868099311"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("decide answered %d", resp.StatusCode)
	}
	return flow.ReadCallback(resp.Header.Get("Location"))
}

func (ts *testSandbox) code(t *testing.T, mod func(url.Values)) string {
	t.Helper()
	id, _, page := ts.consent(t, ts.authorizeURL(mod))
	if id == "" {
		t.Fatalf("no consent page:\n%s", page)
	}
	cb := ts.decide(t, id, "approve")
	if cb.Outcome != flow.OutcomeSuccess {
		t.Fatalf("approve gave %+v", cb)
	}
	return cb.Code
}

// tokenCall posts a form to the token endpoint with Basic credentials as given.
func (ts *testSandbox) tokenCall(t *testing.T, authorization string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, body := ts.tokenRequest(t, "POST", "/sandbox/oauth2/token", "application/x-www-form-urlencoded", authorization, strings.NewReader(form.Encode()))
	return resp.StatusCode, body
}

var bankAuth = flow.BasicAuth("bank", oddSecret)

func codeForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "client_id": {"bank"}}
}

func TestSandboxDiscoveryAndKeys(t *testing.T) {
	ts := newTestSandbox(t)
	resp, _ := http.Get(ts.URL + "/sandbox/.well-known/openid-configuration")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checks, err := flow.CheckDiscovery(body, ts.sb.Environment())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if !c.OK {
			t.Errorf("discovery %s: %s (got %q, want %q)", c.Field, c.Message, c.Got, c.Want)
		}
	}
	if !strings.HasSuffix(ts.sb.Environment().Issuer, "/sandbox/") {
		t.Errorf("issuer %q lacks the trailing slash", ts.sb.Environment().Issuer)
	}
	resp, _ = http.Get(ts.URL + "/sandbox/.well-known/jwks.json")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	set, err := token.ParseJWKS(body)
	if err != nil || len(set.Keys) != 1 || set.Keys[0].Kid == "" || set.Keys[0].Alg != "RS256" {
		t.Fatalf("jwks = %s (%v)", body, err)
	}
}

func TestSandboxConsentOutcomes(t *testing.T) {
	ts := newTestSandbox(t)
	tests := []struct{ action, errorCode string }{
		{"approve", ""}, {"deny", "consent_denied"}, {"cancel-login", "login_cancelled"}, {"server-error", "server_error"},
	}
	for _, tt := range tests {
		for _, mode := range []string{"query", "fragment"} {
			t.Run(tt.action+"/"+mode, func(t *testing.T) {
				id, _, page := ts.consent(t, ts.authorizeURL(func(q url.Values) { q.Set("response_mode", mode) }))
				for _, hook := range []string{`id="person"`, `id="approve"`, `id="deny"`, `id="cancel-login"`, `id="server-error"`, "14842249091", "29868099311"} {
					if !strings.Contains(page, hook) {
						t.Errorf("consent page lacks %s", hook)
					}
				}
				cb := ts.decide(t, id, tt.action)
				if cb.Mode != mode || cb.State != "state-123" || cb.Base != testRedirect {
					t.Errorf("callback %+v", cb)
				}
				switch tt.errorCode {
				case "":
					if cb.Outcome != flow.OutcomeSuccess || cb.Scope != "debt.unsecured.presentation openid" || !token.LooksOpaque(cb.Code) {
						t.Errorf("approve: %+v", cb)
					}
				default:
					if cb.Outcome != flow.OutcomeError || cb.Error != tt.errorCode || cb.ErrorDescription == "" {
						t.Errorf("%s: %+v", tt.action, cb)
					}
				}
			})
		}
	}
}

func TestSandboxConsentPageShowsClampedDuration(t *testing.T) {
	ts := newTestSandbox(t)
	_, _, page := ts.consent(t, ts.authorizeURL(func(q url.Values) { q.Set("scope", "debt.unsecured.processing.90") }))
	if !strings.Contains(page, "28 days (asked 90, clamped to the maximum)") {
		t.Fatalf("duration not shown clamped:\n%s", page)
	}
}

func TestSandboxCodeExchangeIssuesVerifiableIDToken(t *testing.T) {
	ts := newTestSandbox(t)
	code := ts.code(t, nil)
	status, body := ts.tokenCall(t, bankAuth, codeForm(code))
	if status != 200 || body["expires_in"] != float64(3599) || body["token_type"] != "bearer" || body["scope"] != "debt.unsecured.presentation openid" {
		t.Fatalf("token = %d %v", status, body)
	}
	access, _ := body["access_token"].(string)
	idToken, _ := body["id_token"].(string)
	if !token.LooksOpaque(access) {
		t.Errorf("access token %q is not Hydra's opaque form", access)
	}
	resp, _ := http.Get(ts.URL + "/sandbox/.well-known/jwks.json")
	keys, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	set, _ := token.ParseJWKS(keys)
	d, err := token.Decode(idToken)
	if err != nil {
		t.Fatal(err)
	}
	v := token.VerifyIDToken(idToken, d, token.Expect{Issuer: ts.sb.Environment().Issuer, ClientID: "bank", Nonce: "nonce-456", AccessToken: access, Keys: &set, Now: ts.now})
	if v.Signature != token.SignatureValid || len(v.Failed()) != 0 {
		t.Fatalf("verification = %+v", v)
	}
	for _, c := range v.Checks {
		if c.Result != token.Pass {
			t.Errorf("check %s = %s: %s", c.Name, c.Result, c.Reason)
		}
	}
	for _, claim := range []string{"pid", "consent_id", "sub", "at_hash"} {
		if _, ok := d.Claim(claim); !ok {
			t.Errorf("no %s claim", claim)
		}
	}
	if pid, _ := d.Claim("pid"); pid != "29868099311" {
		t.Errorf("pid = %v", pid)
	}
	// userinfo answers for the token; revoking it ends that.
	get := func() int {
		req, _ := http.NewRequest("GET", ts.URL+"/sandbox/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		resp, _ := http.DefaultClient.Do(req)
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get(); s != 200 {
		t.Fatalf("userinfo = %d", s)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/sandbox/oauth2/revoke", strings.NewReader(url.Values{"token": {access}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", bankAuth)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("revoke = %d", resp.StatusCode)
	}
	if s := get(); s != 401 {
		t.Fatalf("userinfo after revoke = %d", s)
	}
}

func TestSandboxWithoutOpenIDHasNoIDToken(t *testing.T) {
	ts := newTestSandbox(t)
	code := ts.code(t, func(q url.Values) { q.Set("scope", "debt.unsecured.processing.14") })
	status, body := ts.tokenCall(t, bankAuth, codeForm(code))
	if status != 200 || body["id_token"] != nil || body["scope"] != "debt.unsecured.processing" {
		t.Fatalf("token = %d %v", status, body)
	}
}

func stringOf(v any) string { s, _ := v.(string); return s }

func TestSandboxCodeIsSingleUseAndReuseRevokes(t *testing.T) {
	onEachStore(t, func(t *testing.T, ts *testSandbox) {
		p := flow.NewPKCE()
		code := ts.code(t, func(q url.Values) { q.Set("code_challenge", p.Challenge); q.Set("code_challenge_method", "S256") })
		form := codeForm(code)
		form.Set("code_verifier", p.Verifier)
		status, body := ts.tokenCall(t, bankAuth, form)
		if status != 200 {
			t.Fatalf("first use = %d %v", status, body)
		}
		access := body["access_token"].(string)
		status, body = ts.tokenCall(t, bankAuth, form)
		if status != 400 || body["error"] != "invalid_grant" || !strings.Contains(stringOf(body["error_description"]), "already been used") {
			t.Fatalf("second use = %d %v", status, body)
		}
		req, _ := http.NewRequest("GET", ts.URL+"/sandbox/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		resp, _ := http.DefaultClient.Do(req)
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("the first use's token still works after the reuse: %d", resp.StatusCode)
		}
	})
}

func TestSandboxClientCredentials(t *testing.T) {
	ts := newTestSandbox(t)
	for _, f := range []url.Values{
		{"grant_type": {"client_credentials"}, "audience": {"https://api-preprod.norskgjeld.no/v1/consent/agreement"}, "scope": {"consent.create"}},
		{"grant_type": {"client_credentials"}, "audience": {"https://api-preprod.norskgjeld.no/v1/debt"}, "scope": {"debt.unsecured.presentation debt.unsecured.processing"}},
		{"grant_type": {"client_credentials"}, "audience": {"https://api-preprod.norskgjeld.no/feed/v1/consent"}, "scope": {"client.access.consent.events"}},
	} {
		status, body := ts.tokenCall(t, bankAuth, f)
		if status != 200 || body["scope"] != f.Get("scope") || body["id_token"] != nil || !token.LooksOpaque(body["access_token"].(string)) {
			t.Errorf("%v: %d %v", f, status, body)
		}
	}
}

func TestParseClientFlag(t *testing.T) {
	c, err := ParseClient("bank:p+a%s s/?=&:https://a.example/cb,http://127.0.0.1:9/cb")
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "bank" || c.Secret != "p+a%s s/?=&" || len(c.RedirectURIs) != 2 || c.RedirectURIs[1] != "http://127.0.0.1:9/cb" {
		t.Fatalf("client = %+v", c)
	}
	for _, bad := range []string{"bank", "bank:secret", ":s:https://a", "bank::https://a"} {
		if _, err := ParseClient(bad); err == nil {
			t.Errorf("ParseClient(%q) accepted", bad)
		}
	}
}
