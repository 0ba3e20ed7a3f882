package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"authdebug/app/flow"
	"authdebug/app/ngi"
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

func newTestSandbox(t *testing.T) *testSandbox {
	ts := &testSandbox{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	mux := http.NewServeMux()
	ts.Server = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	sb, err := New(Config{Origin: ts.URL, Now: func() time.Time { return ts.now },
		Clients: []Client{{ID: "bank", Secret: oddSecret, RedirectURIs: []string{testRedirect}}}})
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

// tokenCall posts to the token endpoint with Basic credentials as given.
func (ts *testSandbox) tokenCall(t *testing.T, authorization string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+"/sandbox/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
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

func TestSandboxAuthorizeErrors(t *testing.T) {
	ts := newTestSandbox(t)
	// Not redirected: an error page that explains.
	pages := []struct {
		name   string
		mod    func(url.Values)
		phrase string
	}{
		{"no client", func(q url.Values) { q.Del("client_id") }, "client_id is missing"},
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }, "No client with id"},
		{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", testRedirect+"/") }, "Trailing slash"},
		{"no redirect", func(q url.Values) { q.Del("redirect_uri") }, "has no redirect_uri"},
	}
	for _, tt := range pages {
		_, resp, page := ts.consent(t, ts.authorizeURL(tt.mod))
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(page, tt.phrase) {
			t.Errorf("%s: %d %q\n%s", tt.name, resp.StatusCode, resp.Header.Get("Location"), page)
		}
	}
	// Redirected with an error, as RFC 6749 §4.1.2.1 says.
	redirects := []struct {
		name string
		mod  func(url.Values)
		code string
	}{
		{"openid first", func(q url.Values) { q.Set("scope", "openid debt.unsecured.presentation") }, "invalid_scopes"},
		{"two debt scopes", func(q url.Values) { q.Set("scope", "debt.unsecured.presentation debt.unsecured.processing") }, "invalid_scopes"},
		{"bad days", func(q url.Values) { q.Set("scope", "debt.unsecured.presentation.0") }, "invalid_scopes"},
		{"response type", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		{"no state", func(q url.Values) { q.Del("state") }, "invalid_request"},
		{"form_post", func(q url.Values) { q.Set("response_mode", "form_post") }, "invalid_request"},
		{"plain pkce", func(q url.Values) { q.Set("code_challenge", "abc"); q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"duplicate", func(q url.Values) { q.Add("scope", "debt.unsecured.processing") }, "invalid_request"},
	}
	for _, tt := range redirects {
		_, resp, _ := ts.consent(t, ts.authorizeURL(tt.mod))
		cb := flow.ReadCallback(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || cb.Outcome != flow.OutcomeError || cb.Error != tt.code || cb.Base != testRedirect {
			t.Errorf("%s: %d %+v", tt.name, resp.StatusCode, cb)
		}
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

func TestSandboxTokenErrors(t *testing.T) {
	ts := newTestSandbox(t)
	raw := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	}
	tests := []struct {
		name   string
		auth   string
		form   func() url.Values
		status int
		code   string
		phrase string
	}{
		{"wrong secret", flow.BasicAuth("bank", "nope"), func() url.Values { return codeForm(ts.code(t, nil)) }, 401, "invalid_client", "Client authentication failed"},
		{"unknown client", flow.BasicAuth("ghost", oddSecret), func() url.Values { return codeForm("x") }, 401, "invalid_client", ""},
		{"secret not form-encoded", raw("bank", "s3cr%t"), func() url.Values { return codeForm("x") }, 400, "invalid_request", "could not be decoded from 'application/x-www-form-urlencoded'"},
		{"secret in body", "", func() url.Values {
			f := codeForm("x")
			f.Set("client_secret", oddSecret)
			return f
		}, 401, "invalid_client", "client_secret_basic"},
		{"no authentication", "", func() url.Values { return codeForm("x") }, 401, "invalid_client", ""},
		{"unknown code", bankAuth, func() url.Values { return codeForm("nope.nope") }, 400, "invalid_grant", "unknown"},
		{"redirect differs", bankAuth, func() url.Values {
			f := codeForm(ts.code(t, nil))
			f.Set("redirect_uri", testRedirect+"/")
			return f
		}, 400, "invalid_grant", "redirect_uri"},
		{"expired code", bankAuth, func() url.Values {
			f := codeForm(ts.code(t, nil))
			ts.now = ts.now.Add(ngi.CodeLifetime + time.Second)
			return f
		}, 400, "invalid_grant", "expired"},
		{"pkce missing verifier", bankAuth, func() url.Values {
			p := flow.NewPKCE()
			return codeForm(ts.code(t, func(q url.Values) { q.Set("code_challenge", p.Challenge); q.Set("code_challenge_method", "S256") }))
		}, 400, "invalid_grant", "PKCE"},
		{"pkce wrong verifier", bankAuth, func() url.Values {
			p := flow.NewPKCE()
			f := codeForm(ts.code(t, func(q url.Values) { q.Set("code_challenge", p.Challenge); q.Set("code_challenge_method", "S256") }))
			f.Set("code_verifier", flow.NewPKCE().Verifier)
			return f
		}, 400, "invalid_grant", "did not match"},
		{"unsupported grant", bankAuth, func() url.Values { return url.Values{"grant_type": {"password"}} }, 400, "unsupported_grant_type", ""},
		{"audience not allowed", bankAuth, func() url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "audience": {"https://evil.example/api"}, "scope": {"consent.create"}}
		}, 400, "invalid_request", "has not been whitelisted"},
		{"scope not allowed", bankAuth, func() url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "audience": {"https://api-preprod.norskgjeld.no/v1/debt"}, "scope": {"admin"}}
		}, 400, "invalid_scope", "admin"},
		{"no audience", bankAuth, func() url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "scope": {"consent.create"}}
		}, 400, "invalid_request", "audience"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := ts.tokenCall(t, tt.auth, tt.form())
			desc := body["error_description"].(string) + " " + stringOf(body["error_hint"])
			if status != tt.status || body["error"] != tt.code || !strings.Contains(desc, tt.phrase) {
				t.Fatalf("got %d %v, want %d %s with %q", status, body, tt.status, tt.code, tt.phrase)
			}
		})
	}
}

func stringOf(v any) string { s, _ := v.(string); return s }

func TestSandboxCodeIsSingleUseAndReuseRevokes(t *testing.T) {
	ts := newTestSandbox(t)
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
	if status != 400 || body["error"] != "invalid_grant" || !strings.Contains(body["error_hint"].(string), "already been used") {
		t.Fatalf("second use = %d %v", status, body)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/sandbox/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("the first use's token still works after the reuse: %d", resp.StatusCode)
	}
}

func TestSandboxClientCredentials(t *testing.T) {
	ts := newTestSandbox(t)
	for _, f := range []url.Values{
		{"grant_type": {"client_credentials"}, "audience": {"https://api-preprod.norskgjeld.no/v1/consent/agreement"}, "scope": {"consent.create"}},
		{"grant_type": {"client_credentials"}, "audience": {"https://api.norskgjeld.no/v1/debt"}, "scope": {"debt.unsecured.presentation debt.unsecured.processing"}},
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
