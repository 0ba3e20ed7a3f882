package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/token"
)

// Tests of each behaviour hydra.md measured on a real Hydra, in current
// Hydra's error format and in Hydra 1.x's.

// bothFormats runs a test against a sandbox speaking each format.
func bothFormats(t *testing.T, cfg Config, test func(t *testing.T, ts *testSandbox)) {
	for _, legacy := range []bool{false, true} {
		name := map[bool]string{false: "current", true: "legacy"}[legacy]
		t.Run(name, func(t *testing.T) {
			cfg.LegacyErrors = legacy
			test(t, newTestSandboxWith(t, cfg))
		})
	}
}

// reason is the specific reason of an error in either format, after
// checking that the format is the sandbox's.
func (ts *testSandbox) reason(t *testing.T, code, description, hint string) string {
	t.Helper()
	generic := ngi.GenericDescription(code)
	if generic == "" { // NGI's own codes: its words, whatever the format
		return description
	}
	if ts.sb.legacy {
		if generic != "" && description != generic {
			t.Errorf("legacy error_description = %q, want the generic %q", description, generic)
		}
		return hint
	}
	if hint != "" {
		t.Errorf("current Hydra sends no error_hint, got %q", hint)
	}
	r, g := ngi.SplitDescription(code, description)
	if generic != "" && g == "" {
		t.Errorf("error_description %q does not start with the generic sentence of %s", description, code)
	}
	return r
}

// expectFallback checks that an authorize request goes to the error page
// with an error, and that the page explains it.
func (ts *testSandbox) expectFallback(t *testing.T, authURL, code, phrase string) {
	t.Helper()
	_, resp, _ := ts.consent(t, authURL)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || loc.Path != "/sandbox/oauth2/fallbacks/error" {
		t.Fatalf("want a redirect to the error page, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("error") != code || !strings.Contains(ts.reason(t, code, q.Get("error_description"), q.Get("error_hint")), phrase) {
		t.Errorf("error page query %v, want %s with %q", q, code, phrase)
	}
	page, err := http.Get(ts.URL + loc.String())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.Contains(string(b), `data-error="`+code+`"`) {
		t.Errorf("error page: %d\n%s", page.StatusCode, b)
	}
}

// expectRedirectError checks that an authorize request is sent back to the
// client with an error and the state.
func (ts *testSandbox) expectRedirectError(t *testing.T, authURL, code, phrase string) flow.Callback {
	t.Helper()
	_, resp, _ := ts.consent(t, authURL)
	cb := flow.ReadCallback(resp.Header.Get("Location"))
	u, _ := url.Parse(authURL)
	if resp.StatusCode != http.StatusSeeOther || cb.Outcome != flow.OutcomeError || cb.Error != code || cb.Base != u.Query().Get("redirect_uri") {
		t.Fatalf("want a redirect with %s, got %d %+v", code, resp.StatusCode, cb)
	}
	if r := ts.reason(t, code, cb.ErrorDescription, cb.ErrorHint); !strings.Contains(r, phrase) {
		t.Errorf("%s: reason %q, want %q", code, r, phrase)
	}
	return cb
}

func TestHydraAuthorizeErrorPage(t *testing.T) {
	bothFormats(t, Config{}, func(t *testing.T, ts *testSandbox) {
		for _, tt := range []struct {
			name       string
			mod        func(url.Values)
			code, want string
		}{
			{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }, "invalid_client", "The requested OAuth 2.0 Client does not exist."},
			{"no client", func(q url.Values) { q.Del("client_id") }, "invalid_client", "does not exist"},
			{"trailing slash", func(q url.Values) { q.Set("redirect_uri", testRedirect+"/") }, "invalid_request", "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls."},
			{"host case", func(q url.Values) { q.Set("redirect_uri", "https://APP.example/callback") }, "invalid_request", "does not match any"},
			{"port", func(q url.Values) { q.Set("redirect_uri", "https://app.example:443/callback") }, "invalid_request", "does not match any"},
			{"scheme", func(q url.Values) { q.Set("redirect_uri", "http://app.example/callback") }, "invalid_request", "does not match any"},
			{"extra query", func(q url.Values) { q.Set("redirect_uri", testRedirect+"?x=1") }, "invalid_request", "does not match any"},
			{"no redirect with openid", func(q url.Values) { q.Del("redirect_uri") }, "invalid_request", "The 'redirect_uri' parameter is required when using OpenID Connect 1.0."},
			{"unknown response_mode", func(q url.Values) { q.Set("response_mode", "jwt") }, "unsupported_response_mode", "jwt"},
			{"request object", func(q url.Values) { q.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, "invalid_request", "does not have any JSON Web Keys registered"},
		} {
			t.Run(tt.name, func(t *testing.T) { ts.expectFallback(t, ts.authorizeURL(tt.mod), tt.code, tt.want) })
		}
	})
}

func TestHydraAuthorizeRedirectsErrorsToTheClient(t *testing.T) {
	bothFormats(t, Config{}, func(t *testing.T, ts *testSandbox) {
		for _, tt := range []struct {
			name       string
			mod        func(url.Values)
			code, want string
		}{
			{"response_type token", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type", "The client is not allowed to request response_type 'token'."},
			{"response_type code id_token", func(q url.Values) { q.Set("response_type", "code id_token") }, "unsupported_response_type", "'code id_token'"},
			{"no response_type", func(q url.Values) { q.Del("response_type") }, "unsupported_response_type", "''"},
			{"unregistered scope", func(q url.Values) { q.Set("scope", "debt.unsecured.presentation admin") }, "invalid_scope", "The OAuth 2.0 Client is not allowed to request scope 'admin'."},
			{"plain pkce", func(q url.Values) { q.Set("code_challenge", "abc"); q.Set("code_challenge_method", "plain") }, "invalid_request", "Clients must use code_challenge_method=S256, plain is not allowed."},
			{"challenge without method", func(q url.Values) { q.Set("code_challenge", "abc") }, "invalid_request", "code_challenge_method=S256"},
			{"prompt none", func(q url.Values) { q.Set("prompt", "none") }, "login_required", "Prompt 'none' was requested, but no existing login session was found."},
			// NGI's own consent app: its scope rules, after Hydra's.
			{"openid first", func(q url.Values) { q.Set("scope", "openid debt.unsecured.presentation") }, "invalid_scopes", "last"},
			{"two debt scopes", func(q url.Values) { q.Set("scope", "debt.unsecured.presentation debt.unsecured.processing") }, "invalid_scopes", ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				cb := ts.expectRedirectError(t, ts.authorizeURL(tt.mod), tt.code, tt.want)
				if cb.State != "state-123" {
					t.Errorf("state = %q", cb.State)
				}
			})
		}
	})
}

// Hydra refuses a state shorter than 8 characters, and echoes it, empty
// when there was none.
func TestHydraStateEntropy(t *testing.T) {
	bothFormats(t, Config{}, func(t *testing.T, ts *testSandbox) {
		for state, present := range map[string]bool{"": false, "1234567": true} {
			u := ts.authorizeURL(func(q url.Values) {
				if present {
					q.Set("state", state)
				} else {
					q.Del("state")
				}
			})
			cb := ts.expectRedirectError(t, u, "invalid_state", "Request parameter 'state' must be at least be 8 characters long to ensure sufficient entropy.")
			if got, ok := cb.Param("state"); !ok || got != state {
				t.Errorf("state %q echoed as %q (%v)", state, got, ok)
			}
		}
		if id, _, _ := ts.consent(t, ts.authorizeURL(func(q url.Values) { q.Set("state", "12345678") })); id == "" {
			t.Error("an 8-character state was refused")
		}
	})
}

func TestHydraRedirectURIRules(t *testing.T) {
	loopback := Client{ID: "native", Secret: "s", RedirectURIs: []string{"http://127.0.0.1:8000/callback"}}
	single := Client{ID: "single", Secret: "s", RedirectURIs: []string{"https://single.example/cb"}}
	ts := newTestSandboxWith(t, Config{Clients: []Client{ngiClient(loopback), ngiClient(single)}})
	// A loopback IP takes any port (RFC 8252 §7.3).
	id, _, page := ts.consent(t, ts.authorizeURL(func(q url.Values) {
		q.Set("client_id", "native")
		q.Set("redirect_uri", "http://127.0.0.1:49152/callback")
	}))
	if id == "" {
		t.Fatalf("loopback on another port refused:\n%s", page)
	}
	if cb := ts.decide(t, id, "deny"); cb.Base != "http://127.0.0.1:49152/callback" {
		t.Errorf("the answer went to %q, not the port asked for", cb.Base)
	}
	// Without redirect_uri and openid, the single registered URI is used, and
	// the code exchanges without redirect_uri too.
	noRedirect := func(q url.Values) {
		q.Set("client_id", "single")
		q.Del("redirect_uri")
		q.Set("scope", "debt.unsecured.presentation")
	}
	id, _, page = ts.consent(t, ts.authorizeURL(noRedirect))
	if id == "" {
		t.Fatalf("no redirect_uri, one registered:\n%s", page)
	}
	cb := ts.decide(t, id, "approve")
	if cb.Base != "https://single.example/cb" {
		t.Fatalf("answered at %q", cb.Base)
	}
	auth := flow.BasicAuth("single", "s")
	f := url.Values{"grant_type": {"authorization_code"}, "code": {cb.Code}, "redirect_uri": {"https://single.example/cb"}}
	if status, body := ts.tokenCall(t, auth, f); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("a redirect_uri the authorize request did not send: %d %v", status, body)
	}
	f.Del("redirect_uri")
	if status, body := ts.tokenCall(t, auth, f); status != 200 {
		t.Errorf("the same code without redirect_uri: %d %v", status, body)
	}
}

// form_post answers with a page that posts the parameters to the client.
func TestHydraFormPost(t *testing.T) {
	ts := newTestSandbox(t)
	id, _, _ := ts.consent(t, ts.authorizeURL(func(q url.Values) { q.Set("response_mode", "form_post") }))
	resp := ts.postDecision(t, ts.URL, url.Values{"request": {id}, "action": {"approve"}})
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || !strings.Contains(page, `<form method="post" action="https://app.example/callback">`) ||
		!regexp.MustCompile(`name="code" value="ory_ac_[^"]+"`).MatchString(page) || !strings.Contains(page, `name="state" value="state-123"`) {
		t.Errorf("form_post page: %d\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(csp, "script-src "+formPostScriptHash) || !strings.Contains(csp, "form-action https://app.example") {
		t.Errorf("form_post CSP = %q", csp)
	}
}

// A parameter given twice is not refused: the first value counts.
func TestHydraDuplicateParameters(t *testing.T) {
	ts := newTestSandbox(t)
	u := ts.authorizeURL(nil) + "&state=second-state&scope=debt.unsecured.processing"
	id, _, page := ts.consent(t, u)
	if id == "" || !strings.Contains(page, "debt.unsecured.presentation") {
		t.Fatalf("duplicates refused, or the second scope used:\n%s", page)
	}
	if cb := ts.decide(t, id, "approve"); cb.State != "state-123" {
		t.Errorf("state = %q, want the first", cb.State)
	}
}

// NGI's consent app answers with its own codes, in its own words, whatever the format.
func TestHydraConsentRejection(t *testing.T) {
	bothFormats(t, Config{}, func(t *testing.T, ts *testSandbox) {
		id, _, _ := ts.consent(t, ts.authorizeURL(nil))
		cb := ts.decide(t, id, "deny")
		info, _ := ngi.ExplainError(ngi.ErrConsentDenied)
		if cb.Error != ngi.ErrConsentDenied || cb.ErrorDescription != info.Meaning || cb.ErrorHint != "" || cb.State != "state-123" {
			t.Errorf("%+v", cb)
		}
	})
}

// tokenRequest posts a token request with a content type of the test's choosing.
func (ts *testSandbox) tokenRequest(t *testing.T, method, path, contentType, authorization string, body io.Reader) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, ts.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	if m == nil {
		m = map[string]any{"raw": string(b)}
	}
	return resp, m
}

func TestHydraClientAuthentication(t *testing.T) {
	bothFormats(t, Config{}, func(t *testing.T, ts *testSandbox) {
		cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"consent.create"}}
		raw := func(id, secret string) string {
			return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
		}
		for _, tt := range []struct {
			name, auth string
			form       url.Values
			status     int
			code, want string
		}{
			{"wrong secret", flow.BasicAuth("bank", "nope"), cc, 401, "invalid_client", ""},
			{"unknown client", flow.BasicAuth("ghost", oddSecret), cc, 401, "invalid_client", ""},
			{"no authentication", "", cc, 401, "invalid_client", ""},
			{"secret not form-url-encoded", raw("bank", "s3cr%t"), cc, 400, "invalid_request", "could not be decoded from 'application/x-www-form-urlencoded'"},
			{"Basic and client_secret", bankAuth, url.Values{"grant_type": {"client_credentials"}, "client_secret": {oddSecret}}, 401, "invalid_client",
				"supports client authentication method 'client_secret_basic', but method 'client_secret_post' was requested"},
			{"client_secret alone", "", url.Values{"grant_type": {"client_credentials"}, "client_id": {"bank"}, "client_secret": {oddSecret}}, 401, "invalid_client", "client_secret_post"},
		} {
			resp, body := ts.tokenRequest(t, "POST", "/sandbox/oauth2/token", "application/x-www-form-urlencoded", tt.auth, strings.NewReader(tt.form.Encode()))
			if resp.StatusCode != tt.status || body["error"] != tt.code {
				t.Errorf("%s: %d %v", tt.name, resp.StatusCode, body)
				continue
			}
			if r := ts.reason(t, tt.code, stringOf(body["error_description"]), stringOf(body["error_hint"])); !strings.Contains(r, tt.want) {
				t.Errorf("%s: reason %q", tt.name, r)
			}
			if resp.Header.Get("WWW-Authenticate") != "" {
				t.Errorf("%s: WWW-Authenticate %q", tt.name, resp.Header.Get("WWW-Authenticate"))
			}
			if ts.sb.legacy && body["status_code"] != float64(tt.status) {
				t.Errorf("%s: legacy status_code %v", tt.name, body["status_code"])
			}
		}
		// "basic" in lower case, and a multipart body, are accepted.
		lower := "basic" + strings.TrimPrefix(bankAuth, "Basic")
		if resp, body := ts.tokenRequest(t, "POST", "/sandbox/oauth2/token", "application/x-www-form-urlencoded", lower, strings.NewReader(cc.Encode())); resp.StatusCode != 200 {
			t.Errorf("lower-case basic: %d %v", resp.StatusCode, body)
		}
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		mw.WriteField("grant_type", "client_credentials")
		mw.WriteField("scope", "consent.create")
		mw.Close()
		if resp, body := ts.tokenRequest(t, "POST", "/sandbox/oauth2/token", mw.FormDataContentType(), bankAuth, &mp); resp.StatusCode != 200 {
			t.Errorf("multipart: %d %v", resp.StatusCode, body)
		}
		// GET on a POST endpoint: Hydra's 404 page.
		for _, path := range []string{"/sandbox/oauth2/token", "/sandbox/oauth2/revoke"} {
			resp, _ := ts.tokenRequest(t, "GET", path, "", bankAuth, nil)
			if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
	})
}

func TestHydraCodeExchangeErrors(t *testing.T) {
	other := ngiClient(Client{ID: "other", Secret: "s", RedirectURIs: []string{testRedirect}})
	bothFormats(t, Config{Clients: []Client{other}}, func(t *testing.T, ts *testSandbox) {
		withPKCE := func(p flow.PKCE) func(url.Values) {
			return func(q url.Values) { q.Set("code_challenge", p.Challenge); q.Set("code_challenge_method", "S256") }
		}
		expect := func(name string, form url.Values, auth string, status int, code, want string) {
			t.Helper()
			got, body := ts.tokenCall(t, auth, form)
			if got != status || body["error"] != code {
				t.Errorf("%s: %d %v, want %d %s", name, got, body, status, code)
				return
			}
			if r := ts.reason(t, code, stringOf(body["error_description"]), stringOf(body["error_hint"])); !strings.Contains(r, want) {
				t.Errorf("%s: reason %q, want %q", name, r, want)
			}
		}
		noCode := codeForm("")
		expect("code missing", noCode, bankAuth, 400, "invalid_grant", "")
		expect("grant_type missing", url.Values{"code": {"x"}}, bankAuth, 400, "invalid_request", "Request parameter 'grant_type' is missing")
		expect("password", url.Values{"grant_type": {"password"}, "username": {"u"}}, bankAuth, 400, "invalid_request", "")
		expect("refresh_token not registered", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, bankAuth, 400, "unauthorized_client",
			"The OAuth 2.0 Client is not allowed to use authorization grant 'refresh_token'.")

		// Another client's code.
		expect("another client's code", codeForm(ts.code(t, nil)), flow.BasicAuth("other", "s"), 400, "invalid_grant",
			"The OAuth 2.0 Client ID from this request does not match the one from the authorize request.")

		// A wrong or missing redirect_uri does not spend the code.
		code := ts.code(t, nil)
		wrong := codeForm(code)
		wrong.Set("redirect_uri", testRedirect+"/")
		expect("redirect_uri differs", wrong, bankAuth, 400, "invalid_grant", "redirect_uri")
		wrong.Del("redirect_uri")
		expect("redirect_uri missing", wrong, bankAuth, 400, "invalid_grant", "redirect_uri")
		if status, body := ts.tokenCall(t, bankAuth, codeForm(code)); status != 200 {
			t.Errorf("the right redirect_uri after two wrong ones: %d %v", status, body)
		}
		expect("second use", codeForm(code), bankAuth, 400, "invalid_grant", "The authorization code has already been used.")

		// PKCE: too short; wrong, which spends its PKCE data for good.
		p := flow.NewPKCE()
		f := codeForm(ts.code(t, withPKCE(p)))
		expect("no verifier", f, bankAuth, 400, "invalid_grant", "The PKCE code verifier must be at least 43 characters.")
		f = codeForm(ts.code(t, withPKCE(p)))
		f.Set("code_verifier", "short")
		expect("short verifier", f, bankAuth, 400, "invalid_grant", "at least 43 characters")
		f = codeForm(ts.code(t, withPKCE(p)))
		f.Set("code_verifier", flow.NewPKCE().Verifier)
		expect("wrong verifier", f, bankAuth, 400, "invalid_grant", "The PKCE code challenge did not match the code verifier.")
		f.Set("code_verifier", p.Verifier)
		expect("right verifier after a wrong one", f, bankAuth, 400, "invalid_grant", "Unable to find initial PKCE data tied to this request")
		f = codeForm(ts.code(t, nil))
		f.Set("code_verifier", p.Verifier)
		expect("verifier without challenge", f, bankAuth, 400, "invalid_grant", "Unable to find initial PKCE data tied to this request")
	})
}

// The code lifetime is Hydra's ttl.auth_code, 10 minutes unless set.
func TestHydraCodeLifetime(t *testing.T) {
	for _, lifetime := range []time.Duration{0, 5 * time.Second} {
		ts := newTestSandboxWith(t, Config{CodeLifetime: lifetime})
		want := lifetime
		if want == 0 {
			want = ngi.CodeLifetime
		}
		code := ts.code(t, nil)
		ts.now = ts.now.Add(want - time.Second)
		if status, _ := ts.tokenCall(t, bankAuth, codeForm(code)); status != 200 {
			t.Errorf("lifetime %s: a code %s old was refused", want, want-time.Second)
		}
		code = ts.code(t, nil)
		ts.now = ts.now.Add(want + time.Second)
		if status, body := ts.tokenCall(t, bankAuth, codeForm(code)); status != 400 || body["error"] != "invalid_grant" || !strings.Contains(stringOf(body["error_description"]), "expired") {
			t.Errorf("lifetime %s: an expired code: %d %v", want, status, body)
		}
	}
}

// Eight simultaneous exchanges of one code give one token.
// userinfo is the status of a userinfo call with the token.
func (ts *testSandbox) userinfo(t *testing.T, access string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+"/sandbox/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestHydraCodeIsSingleUseUnderConcurrency(t *testing.T) {
	onEachStore(t, func(t *testing.T, ts *testSandbox) {
		for round := range 10 {
			code := ts.code(t, nil)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var issued []string
			for range 8 {
				wg.Go(func() {
					if status, body := ts.tokenCall(t, bankAuth, codeForm(code)); status == 200 {
						mu.Lock()
						issued = append(issued, stringOf(body["access_token"]))
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(issued) != 1 {
				t.Fatalf("round %d: %d tokens from one code", round, len(issued))
			}
			// The seven others were replays, after the code was spent: the
			// token is revoked, even when a replay raced its issuing.
			if status := ts.userinfo(t, issued[0]); status != http.StatusUnauthorized {
				t.Errorf("round %d: the token after replays: userinfo %d, want 401", round, status)
			}
		}
	})
}

func TestHydraClientCredentials(t *testing.T) {
	bothFormats(t, Config{}, func(t *testing.T, ts *testSandbox) {
		debt := ngi.Preprod().Services[0].Audience
		for _, tt := range []struct {
			name            string
			audience, scope string
			status          int
			code, want      string
		}{
			{"registered", debt, "debt.unsecured.presentation", 200, "", ""},
			{"wildcard day count", debt, "debt.unsecured.processing.14", 200, "", ""},
			{"openid", debt, "openid", 200, "", ""},
			{"no audience", "", "consent.create", 200, "", ""},
			{"prod's audience from a preprod client", ngi.Prod().Services[0].Audience, "consent.create", 400, "invalid_request",
				"Requested audience '" + ngi.Prod().Services[0].Audience + "' has not been whitelisted by the OAuth 2.0 Client."},
			{"unregistered scope", debt, "admin", 400, "invalid_scope", "The OAuth 2.0 Client is not allowed to request scope 'admin'."},
		} {
			f := url.Values{"grant_type": {"client_credentials"}, "scope": {tt.scope}}
			if tt.audience != "" {
				f.Set("audience", tt.audience)
			}
			resp, body := ts.tokenRequest(t, "POST", "/sandbox/oauth2/token", "application/x-www-form-urlencoded", bankAuth, strings.NewReader(f.Encode()))
			switch {
			case resp.StatusCode != tt.status:
				t.Errorf("%s: %d %v", tt.name, resp.StatusCode, body)
			case tt.status == 200:
				access := stringOf(body["access_token"])
				prefixed := strings.HasPrefix(access, ngi.PrefixAccess)
				if body["token_type"] != "bearer" || body["expires_in"] != float64(3599) || body["scope"] != tt.scope || prefixed == ts.sb.legacy || body["refresh_token"] != nil {
					t.Errorf("%s: %v", tt.name, body)
				}
				h := resp.Header
				if h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" || h.Get("Content-Type") != "application/json;charset=UTF-8" {
					t.Errorf("%s: headers %v", tt.name, h)
				}
			default:
				if r := ts.reason(t, tt.code, stringOf(body["error_description"]), stringOf(body["error_hint"])); body["error"] != tt.code || !strings.Contains(r, tt.want) {
					t.Errorf("%s: %v", tt.name, body)
				}
			}
		}
	})
}

func TestHydraRevocationAndUserinfo(t *testing.T) {
	bothFormats(t, Config{}, func(t *testing.T, ts *testSandbox) {
		revoke := func(auth string, form url.Values) (*http.Response, map[string]any) {
			return ts.tokenRequest(t, "POST", "/sandbox/oauth2/revoke", "application/x-www-form-urlencoded", auth, strings.NewReader(form.Encode()))
		}
		userinfo := func(access string) (int, map[string]any) {
			resp, body := ts.tokenRequest(t, "GET", "/sandbox/userinfo", "", "Bearer "+access, nil)
			return resp.StatusCode, body
		}
		_, body := ts.tokenCall(t, bankAuth, codeForm(ts.code(t, nil)))
		access := stringOf(body["access_token"])
		status, info := userinfo(access)
		if status != 200 || info["pid"] != "29868099311" || info["consent_id"] == nil || info["sub"] == nil || info["iss"] != ts.sb.issuer || info["auth_time"] == nil || info["rat"] == nil {
			t.Errorf("userinfo for a code-flow token: %d %v", status, info)
		}
		_, body = ts.tokenCall(t, bankAuth, url.Values{"grant_type": {"client_credentials"}, "scope": {"consent.create"}, "audience": {ngi.Preprod().Services[1].Audience}})
		status, info = userinfo(stringOf(body["access_token"]))
		if status != 200 || len(info) != 3 || info["iss"] != ts.sb.issuer || info["aud"] == nil || info["iat"] == nil {
			t.Errorf("userinfo for a client-credentials token: %d %v", status, info)
		}
		if status, info := userinfo("nope.nope"); status != 401 || info["error"] != "request_unauthorized" {
			t.Errorf("userinfo, unknown token: %d %v", status, info)
		}
		for _, tt := range []struct {
			name   string
			auth   string
			form   url.Values
			status int
			code   string
		}{
			{"another client's token", flow.BasicAuth("authdebug-demo", DemoClientSecret), url.Values{"token": {access}}, 200, ""},
			{"unknown token", bankAuth, url.Values{"token": {"nope.nope"}}, 200, ""},
			{"no token", bankAuth, url.Values{"token_type_hint": {"access_token"}}, 200, ""},
			{"wrong secret", flow.BasicAuth("bank", "nope"), url.Values{"token": {access}}, 401, "invalid_client"},
			{"no authentication", "", url.Values{"token": {access}}, 400, "invalid_request"},
			{"its own token", bankAuth, url.Values{"token": {access}}, 200, ""},
		} {
			resp, body := revoke(tt.auth, tt.form)
			if resp.StatusCode != tt.status || (tt.code != "" && body["error"] != tt.code) || (tt.code == "" && body["raw"] != "") {
				t.Errorf("revoke, %s: %d %v", tt.name, resp.StatusCode, body)
			}
			if tt.name == "another client's token" {
				if s, _ := userinfo(access); s != 200 {
					t.Errorf("another client revoked the token: userinfo %d", s)
				}
			}
		}
		if status, info := userinfo(access); status != 401 || info["error"] != "request_unauthorized" {
			t.Errorf("userinfo after revocation: %d %v", status, info)
		}
	})
}

// The ID token has Hydra's header and claims, sid included.
func TestHydraIDTokenShape(t *testing.T) {
	ts := newTestSandbox(t)
	_, body := ts.tokenCall(t, bankAuth, codeForm(ts.code(t, nil)))
	d, err := token.Decode(stringOf(body["id_token"]))
	if err != nil {
		t.Fatal(err)
	}
	if d.Header["alg"] != "RS256" || d.Header["typ"] != "JWT" || d.Header["kid"] == nil {
		t.Errorf("header %v", d.Header)
	}
	for _, c := range []string{"at_hash", "aud", "auth_time", "exp", "iat", "iss", "jti", "nonce", "rat", "sid", "sub", "pid", "consent_id"} {
		if _, ok := d.Claim(c); !ok {
			t.Errorf("no %s claim", c)
		}
	}
	aud, _ := d.Claim("aud")
	exp, _ := d.Claim("exp")
	iat, _ := d.Claim("iat")
	e, _ := exp.(json.Number).Int64()
	i, _ := iat.(json.Number).Int64()
	if _, isList := aud.([]any); !isList || e-i != 3600 {
		t.Errorf("aud %v, exp-iat %d", aud, e-i)
	}
}

// Codes and tokens carry current Hydra's prefixes, none in the legacy format.
func TestHydraTokenPrefixes(t *testing.T) {
	bothFormats(t, Config{}, func(t *testing.T, ts *testSandbox) {
		code := ts.code(t, nil)
		_, body := ts.tokenCall(t, bankAuth, codeForm(code))
		access := stringOf(body["access_token"])
		want := !ts.sb.legacy
		if strings.HasPrefix(code, ngi.PrefixCode) != want || strings.HasPrefix(access, ngi.PrefixAccess) != want || !token.LooksOpaque(access) {
			t.Errorf("code %q, access token %q", code, access)
		}
	})
}

// Clients in Hydra's own format, as "hydra get client" prints them.
func TestReadClients(t *testing.T) {
	clients, err := ReadClients([]byte(`[{"client_id":"bank-prod-like","client_secret":"s","redirect_uris":["https://bank.example/cb"],
		"scope":"openid debt.unsecured.presentation.*","audience":["https://api-preprod.norskgjeld.no/v1/debt"],
		"grant_types":["authorization_code"],"token_endpoint_auth_method":"client_secret_basic"},
		{"client_id":"defaults","client_secret":"s","redirect_uris":["https://d.example/cb"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(clients) != 2 || clients[1].GrantTypes[0] != "authorization_code" || len(clients[1].GrantTypes) != 1 {
		t.Fatalf("%+v", clients)
	}
	ts := newTestSandboxWith(t, Config{Clients: clients})
	// Registered for presentation.* only: the plain scope is not covered.
	ts.expectRedirectError(t, ts.authorizeURL(func(q url.Values) {
		q.Set("client_id", "bank-prod-like")
		q.Set("redirect_uri", "https://bank.example/cb")
	}), "invalid_scope", "debt.unsecured.presentation'")
	auth := flow.BasicAuth("bank-prod-like", "s")
	if status, body := ts.tokenCall(t, auth, url.Values{"grant_type": {"client_credentials"}}); status != 400 || body["error"] != "unauthorized_client" {
		t.Errorf("client credentials for a client without that grant: %d %v", status, body)
	}
	for _, bad := range []string{`{}`, `[{"client_secret":"s"}]`, `[{"client_id":"x"}]`, `[{"client_id":"x","client_secret":"s","grant_types":["password"]}]`} {
		if _, err := ReadClients([]byte(bad)); err == nil {
			t.Errorf("ReadClients(%s) accepted", bad)
		}
	}
}
