package ui

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// These tests drive the page's state natively, without a browser: the
// browser's fetch is replaced by a fetcher whose answers the test gives.

type call struct {
	method, path string
	body         any
	done         func(fetchResult)
}

type testPage struct {
	*Shell
	calls []*call
	now   time.Time
}

func sandboxEnv() ngi.Environment {
	e := ngi.Hydra("sandbox", "Sandbox", "http://tool.example/sandbox/")
	e.DemoClient = &ngi.DemoClient{ID: "authdebug-demo", Secret: "demo-secret"}
	e.Services = ngi.Preprod().Services
	return e
}

func newTestPage(t *testing.T) *testPage {
	p := &testPage{Shell: &Shell{}, now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	p.OnInit()
	p.sh.fetcher = func(method, path string, body any, done func(fetchResult)) {
		p.calls = append(p.calls, &call{method, path, body, done})
	}
	p.sh.setEnvironments([]ngi.Environment{sandboxEnv(), ngi.Preprod(), ngi.Prod()})
	return p
}

func (p *testPage) open(rawURL string) { p.navigate(rawURL, p.now) }

// answer completes the oldest call to path with a relay result.
func (p *testPage) answer(t *testing.T, path string, res flow.RelayResult) {
	t.Helper()
	for i, c := range p.calls {
		if strings.HasPrefix(c.path, path) {
			p.calls = append(p.calls[:i], p.calls[i+1:]...)
			b, _ := json.Marshal(res)
			c.done(fetchResult{Status: 200, Body: string(b)})
			return
		}
	}
	t.Fatalf("no call to %s is waiting (calls: %d)", path, len(p.calls))
}

func okResponse(body string) flow.RelayResult {
	return flow.RelayResult{Request: &flow.WireRequest{Method: "POST"}, Response: &flow.WireResponse{Status: 200, Body: body,
		Headers: []flow.Header{{Name: "Content-Type", Value: "application/json"}}}}
}

func answered(status int, body string) flow.RelayResult {
	r := okResponse(body)
	r.Response.Status = status
	return r
}

func TestDeepLinkFillsTheAuthorizeTab(t *testing.T) {
	p := newTestPage(t)
	p.open("http://tool.example/?env=preprod&client_id=bank-client&scope=debt.unsecured.processing.30+openid&redirect_uri=https%3A%2F%2Fbank.example%2Fcb&response_mode=fragment")
	r := p.authorize.request()
	if p.tab != TabAuthorize || p.sh.envID != "preprod" || r.ClientID != "bank-client" || r.RedirectURI != "https://bank.example/cb" ||
		r.Scope != "debt.unsecured.processing.30 openid" || r.ResponseMode != "fragment" || r.Nonce == "" {
		t.Errorf("deep link read as env %s, request %+v", p.sh.envID, r)
	}
	if !strings.HasPrefix(r.URL(), ngi.Preprod().Endpoints.Authorize+"?") {
		t.Errorf("URL = %s", r.URL())
	}
}

func TestChoosingAnEnvironmentSwapsOnlyTheDemoClient(t *testing.T) {
	p := newTestPage(t)
	if p.sh.clientID != "authdebug-demo" {
		t.Fatalf("sandbox client = %q", p.sh.clientID)
	}
	p.selectEnv("preprod")
	if p.sh.clientID != "" || p.token.audience != ngi.Preprod().Services[0].Audience {
		t.Errorf("on preprod: client %q, audience %q", p.sh.clientID, p.token.audience)
	}
	p.sh.clientID = "bank-client"
	p.selectEnv("sandbox")
	if p.sh.clientID != "bank-client" {
		t.Errorf("a client id the person typed was replaced by %q", p.sh.clientID)
	}
}

func TestCallbackHandsItsCodeToTheTokenTab(t *testing.T) {
	p := newTestPage(t)
	p.sh.origin = "http://tool.example"
	p.selectEnv("preprod")
	p.sh.clientID = "bank-client"
	p.authorize.usePKCE = true
	p.authorize.record("Opened", p.now)
	state := p.authorize.state
	p.selectEnv("sandbox")
	p.now = p.now.Add(time.Minute)
	p.open("http://tool.example/callback?code=the-code&scope=debt.unsecured.presentation&state=" + state)
	if p.callback.read.Outcome != flow.OutcomeSuccess || p.sh.envID != "preprod" || p.sh.clientID != "bank-client" {
		t.Fatalf("callback read as %+v, env %s, client %s", p.callback.read.Outcome, p.sh.envID, p.sh.clientID)
	}
	p.open("http://tool.example/token")
	tk := &p.token
	if tk.code != "the-code" || tk.redirectURI != "http://tool.example/callback" || tk.verifier != p.authorize.pkce.Verifier || tk.pending == nil {
		t.Errorf("token tab got code %q, redirect %q, verifier %q", tk.code, tk.redirectURI, tk.verifier)
	}
	// Typed over, the code is not taken again on the next visit.
	tk.code = "typed"
	p.open("http://tool.example/inspect")
	p.open("http://tool.example/token")
	if tk.code != "typed" {
		t.Errorf("the handed-over code came back over the typed one")
	}
}

// An answer that comes while the person is on another tab is there when they
// come back; an ID token in it reaches Inspect even when they are already there.
func TestTokenAnswerLandsAfterLeavingTheTab(t *testing.T) {
	p := newTestPage(t)
	p.open("http://tool.example/token")
	p.token.grant, p.token.secret = flow.GrantClientCredentials, "s"
	p.token.exchange()
	if !p.token.busy {
		t.Fatal("not sending")
	}
	p.open("http://tool.example/inspect")
	p.answer(t, "/api/token", okResponse(`{"access_token":"a.b","token_type":"bearer","expires_in":3599,"id_token":"h.c.s"}`))
	if p.token.busy || p.token.result == nil || p.token.result.outcome() != "success" {
		t.Fatalf("after the answer: busy %v, result %+v", p.token.busy, p.token.result)
	}
	if !strings.Contains(p.inspect.input, "h.c.s") {
		t.Errorf("the ID token did not reach the Inspect tab the person is on: %q", p.inspect.input)
	}
	p.open("http://tool.example/token")
	if p.token.result == nil {
		t.Error("the answer is gone after coming back")
	}
}

// Discovery and the keys load even when the person leaves before they come.
func TestDiscoveryAndKeysLandAfterLeavingTheTab(t *testing.T) {
	p := newTestPage(t)
	p.open("http://tool.example/discovery")
	p.open("http://tool.example/")
	p.answer(t, "/api/discovery", okResponse(`{"issuer":"http://tool.example/sandbox/"}`))
	p.answer(t, "/api/jwks", okResponse(`{"keys":[]}`))
	k := p.sh.keys["sandbox"]
	if p.discovery.loading || p.discovery.result == nil || len(p.discovery.checks) == 0 || k == nil || k.loading || k.set == nil {
		t.Errorf("discovery loading %v, checks %d, keys %+v", p.discovery.loading, len(p.discovery.checks), k)
	}
}

// A code counts as spent only when the environment's answer says so.
func TestCodeIsSpentOnlyWhenTheAnswerSaysSo(t *testing.T) {
	p := newTestPage(t)
	p.token.code, p.token.redirectURI, p.token.secret = "c1", "https://bank.example/cb", "s"
	spent := func() bool {
		for _, f := range p.token.findings(p.now) {
			if strings.Contains(f.Message, "used up") {
				return true
			}
		}
		return false
	}
	for _, unspent := range []flow.RelayResult{
		{Error: &flow.RelayError{Kind: "timeout", Message: "no answer"}},
		answered(401, `{"error":"invalid_client","error_description":"Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."}`),
		answered(400, `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client. The 'redirect_uri' from this request does not match the one from the authorize request."}`),
		answered(400, `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client. Token expired."}`),
	} {
		p.token.exchange()
		p.answer(t, "/api/token", unspent)
		if spent() {
			t.Errorf("the code is called used up after %+v", unspent)
		}
	}
	p.token.exchange()
	p.answer(t, "/api/token", answered(400, `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client. The authorization code has already been used."}`))
	if !spent() {
		t.Error("a code NGI called used is not marked as used up")
	}
	p.token.code = "c2"
	p.token.exchange()
	p.answer(t, "/api/token", answered(200, `{"access_token":"at","token_type":"bearer","expires_in":3600}`))
	if !spent() {
		t.Error("a code that got a token is not marked as used up")
	}
}

// The page re-renders every second; the ID token is verified again only when
// it, the keys or what it is checked against changed.
func TestInspectVerifiesOnlyWhenSomethingChanged(t *testing.T) {
	p := newTestPage(t)
	p.open("http://tool.example/inspect")
	p.answer(t, "/api/jwks", okResponse(`{"keys":[]}`))
	exp := time.Now().Add(time.Hour).Unix()
	p.inspect.setInput(jwtFor(t, map[string]any{"iss": "http://tool.example/sandbox/", "aud": "authdebug-demo", "exp": exp, "iat": exp - 3600}), nil)
	for range 3 {
		p.Render()
	}
	if p.inspect.verifications != 1 {
		t.Errorf("%d verifications for three renders of the same token", p.inspect.verifications)
	}
	p.sh.refetchKeys()
	p.answer(t, "/api/jwks", okResponse(`{"keys":[]}`))
	p.Render()
	if p.inspect.verifications != 2 {
		t.Errorf("new keys: %d verifications, want 2", p.inspect.verifications)
	}
}

func jwtFor(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64URL(b)
	}
	return enc(map[string]string{"alg": "RS256", "kid": "k1"}) + "." + enc(claims) + ".c2ln"
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// A token is revoked as the client it was issued to, in its environment;
// after a switch the page says so rather than revoking as someone else.
func TestRevokeAsTheTokensClient(t *testing.T) {
	p := newTestPage(t)
	p.sh.clientID, p.token.grant, p.token.secret = "client-a", flow.GrantClientCredentials, "s"
	p.token.exchange()
	p.answer(t, "/api/token", answered(200, `{"access_token":"at-a","token_type":"bearer","expires_in":3600}`))
	p.sh.clientID = "client-b"
	p.token.revoke()
	if len(p.calls) != 0 || !strings.Contains(p.token.revoked, "client-a") {
		t.Fatalf("revoked as another client: %d calls, %q", len(p.calls), p.token.revoked)
	}
	p.sh.clientID = "client-a"
	p.token.revoke()
	if len(p.calls) != 1 || p.calls[0].body.(flow.RelayRequest).ClientID != "client-a" {
		t.Fatalf("the revocation: %+v", p.calls)
	}
	p.answer(t, "/api/revoke", answered(200, ""))
	if !strings.Contains(p.token.revoked, "does not prove") {
		t.Errorf("a 200 read as %q", p.token.revoked)
	}
}

// After an environment switch, the Token tab's token is another
// environment's: the Call tab says so instead of "Ready to call."
func TestCallRefusesAnotherEnvironmentsToken(t *testing.T) {
	p := newTestPage(t)
	p.sh.clientID, p.token.grant, p.token.secret = "authdebug-demo", flow.GrantClientCredentials, "s"
	p.token.exchange()
	p.answer(t, "/api/token", answered(200, `{"access_token":"at-sandbox","token_type":"bearer","expires_in":3600}`))
	p.call.take(p.sh.token)
	p.sh.envID = "preprod"
	if fs := p.call.findings(p.now); !strings.Contains(findingText(fs), "issued by the sandbox environment") {
		t.Errorf("findings after the switch: %+v", fs)
	}
}

func findingText(fs []flow.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Message + "\n")
	}
	return b.String()
}

// Every registered tab is reached by its path, is its own page, and renders.
func TestEveryTabIsRegisteredOnce(t *testing.T) {
	p := newTestPage(t)
	seen := map[tabPage]string{}
	for _, tab := range tabs {
		p.open("http://tool.example" + tab.Path)
		if p.tab != tab.ID {
			t.Errorf("%s opens tab %q, want %q", tab.Path, p.tab, tab.ID)
		}
		page := p.page()
		if other, dup := seen[page]; dup {
			t.Errorf("%s and %s share their state", tab.ID, other)
		}
		seen[page] = tab.ID
		if page.render() == nil {
			t.Errorf("%s renders nothing", tab.ID)
		}
	}
}

// A key set that fails to load is not fetched again by every answer that
// lands afterwards (each runs the tab's arrive): only on request.
func TestFailedKeysAreNotFetchedInALoop(t *testing.T) {
	p := newTestPage(t)
	p.open("http://tool.example/inspect")
	p.answer(t, "/api/jwks", flow.RelayResult{Error: &flow.RelayError{Kind: "timeout", Message: "no answer"}})
	for _, c := range p.calls {
		if strings.HasPrefix(c.path, "/api/jwks") {
			t.Fatal("the failed key set was asked for again by itself")
		}
	}
	p.sh.refetchKeys()
	if len(p.calls) == 0 || !strings.HasPrefix(p.calls[len(p.calls)-1].path, "/api/jwks") {
		t.Error("asking again does not fetch the keys")
	}
}
