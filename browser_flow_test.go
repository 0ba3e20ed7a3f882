package main

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"authdebug/app/ngi"
	"authdebug/app/sandbox"
)

// exchangeTheCode takes the callback's code to the Token tab and exchanges
// it with the demo client's secret.
func exchangeTheCode(b *browser) {
	b.t.Helper()
	b.click("#nav-token")
	b.waitJS(`!!document.querySelector('#exchange')`)
	b.input("#client-secret", sandbox.DemoClientSecret)
	b.click("#exchange")
	b.waitAttr("#token-result", "data-outcome", "success")
}

// authorizeAndDecide builds a sandbox request on the Authorize tab (already
// open), opens it, and picks an outcome on the consent page; it returns on
// the tool's /callback.
func authorizeAndDecide(b *browser, openid bool, mode, button string) {
	b.t.Helper()
	b.check("#openid", openid)
	b.choose("#response-mode", mode)
	want := "response_mode=fragment"
	if mode == "query" {
		b.waitJS(`!document.querySelector('#authorize-url').innerText.includes('response_mode')`)
	} else {
		b.waitJS(`document.querySelector('#authorize-url').innerText.includes(` + jsString(want) + `)`)
	}
	if openid {
		b.waitJS(`document.querySelector('#authorize-url').innerText.includes('openid')`)
	}
	b.clickAndLoad("#authorize-open")
	b.waitPage(`document.querySelector('#approve')`)
	if openid && mode == "query" && button == "approve" {
		b.screenshot("sandbox-consent")
	}
	if !strings.Contains(b.text("#consent-request"), "debt.unsecured.presentation") {
		b.t.Fatalf("consent page: %s", b.text("body"))
	}
	b.clickAndLoad("#" + button)
	b.waitApp()
	b.waitPage(`(r => r && r.dataset.outcome)(document.querySelector('#callback-result'))`)
}

// exchangeOnTokenTab moves to the Token tab by the nav and sends the code
// just read, with the demo client's secret, expecting a token.
func exchangeOnTokenTab(b *browser) {
	b.t.Helper()
	b.click("#nav-token")
	b.waitJS(`!!document.querySelector('#exchange')`)
	b.input("#client-secret", sandbox.DemoClientSecret)
	b.waitJS(`document.querySelector('#token-findings').innerText.includes('Ready to send')`)
	b.click("#exchange")
	b.waitAttr("#token-result", "data-outcome", "success")
}

func TestBrowserSandboxFullFlowToVerifiedIDToken(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	b.check("#pkce", true)
	b.waitJS(`document.querySelector('#authorize-url').innerText.includes('code_challenge=')`)
	authorizeAndDecide(b, true, "query", "approve")

	if o, s, r := b.attr("#callback-result", "data-outcome"), b.attr("#callback-result", "data-state"), b.attr("#callback-result", "data-redirect"); o != "success" || s != "match" || r != "match" {
		t.Fatalf("callback outcome %s state %s redirect %s:\n%s", o, s, r, b.text("#callback-result"))
	}
	b.screenshot("callback")
	// On to the Token tab by the nav: the code, redirect_uri and verifier came along.
	b.click("#nav-token")
	b.waitJS(`!!document.querySelector('#exchange')`)
	if b.eval(`document.querySelector('#code').value`) == "" || b.eval(`document.querySelector('#code-verifier').value`) == "" {
		t.Fatalf("the code or verifier did not come along: %s", b.text("#token"))
	}
	// The verifier came through NGI's redirect in sessionStorage, not at rest.
	if v := b.eval(`document.querySelector('#code-verifier').value`); strings.Contains(b.eval(`JSON.stringify(localStorage)`), v) {
		t.Fatal("the PKCE verifier is in localStorage")
	}
	// The demo secret is one click away; nothing needs typing.
	b.click("#use-demo-secret")
	b.waitJS(`document.querySelector('#client-secret').value === ` + jsString(sandbox.DemoClientSecret))
	b.click("#exchange")
	b.waitJS(`!!document.querySelector('#token-result')`)
	b.waitAttr("#token-result", "data-outcome", "success")
	if got := b.attr("#token-result", "data-status"); got != "200" {
		t.Fatalf("status %s", got)
	}
	req := b.text("#token-request")
	basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(sandbox.DemoClientID) + ":" + url.QueryEscape(sandbox.DemoClientSecret)))
	if strings.Contains(req, basic) || strings.Contains(req, sandbox.DemoClientSecret) || !strings.Contains(req, "grant_type=authorization_code") {
		t.Fatalf("request shown:\n%s", req)
	}
	// What is copied for a ticket hides the code, the verifier and the tokens;
	// the table's own Copy buttons give the raw values on purpose.
	access, response := b.text("#access-token"), b.text("#token-response")
	if code := b.eval(`document.querySelector('#code').value`); strings.Contains(req, code) || strings.Contains(response, access) ||
		!strings.Contains(response, "[hidden: ") || !strings.Contains(response, "expires_in") {
		t.Fatalf("request or response shown with a secret:\n%s\n%s", req, response)
	}
	curl := b.text("#token-curl")
	if !strings.Contains(curl, "$CLIENT_SECRET") || strings.Contains(curl, sandbox.DemoClientSecret) {
		t.Fatalf("curl:\n%s", curl)
	}
	if !strings.Contains(b.text("#token-expiry"), "3599 s") {
		t.Fatalf("expiry: %s", b.text("#token-expiry"))
	}
	// The copy button says what the browser did with the clipboard.
	b.click("#copy-access-token")
	b.waitJS(`document.querySelector('#copy-access-token').innerText !== 'Copy'`)
	// The countdown counts down.
	b.waitJS(`document.querySelector('#token-expiry').innerText !== ` + jsString(b.text("#token-expiry")))

	// The id_token goes to Inspect, where every check passes.
	b.click("#to-inspect")
	b.waitJS(`!!document.querySelector('#id-token-check')`)
	b.waitAttr("#id-token-check", "data-signature", "valid")
	checks := b.eval(`[...document.querySelectorAll('#id-token-check [data-check]')].map(e => e.dataset.check + '=' + e.dataset.result).join(' ')`)
	for _, name := range []string{"signature", "iss", "aud", "exp", "iat", "nonce", "at_hash"} {
		if !strings.Contains(checks, name+"=pass") {
			t.Errorf("check %s did not pass: %s\n%s", name, checks, b.text("#id-token-check"))
		}
	}
	// pid is masked until revealed; consent_id is there to copy.
	pid := b.text(`#jwt-claims [data-claim=pid]`)
	if strings.Contains(pid, "14842249091") {
		t.Fatalf("pid shown unmasked: %s", pid)
	}
	b.screenshot("inspect")
	b.click("#reveal-pid")
	b.waitJS(`document.querySelector('#jwt-claims [data-claim=pid]').innerText.includes('14842249091')`)
	if b.attr(`#jwt-claims [data-claim=consent_id]`, "data-claim") != "consent_id" || b.attr("#copy-consent-id", "id") != "copy-consent-id" {
		t.Fatal("consent_id or its copy button is missing")
	}

	// Back on the Token tab, the same code again: a warning first, then invalid_grant.
	b.click("#nav-token")
	b.waitJS(`document.querySelector('#token-findings').innerText.includes('used up')`)
	b.click("#exchange")
	b.waitAttr("#token-result", "data-error", "invalid_grant")
	if b.attr("#token-result", "data-outcome") != "error" || b.attr("#token-result", "data-status") != "400" {
		t.Fatalf("reuse: %s", b.text("#token-result"))
	}
	b.noConsoleErrors()
}

// Every consent outcome, with and without openid, in query and fragment
// mode, comes back to /callback and reads right; approvals end with a token.
func TestBrowserSandboxOutcomes(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	outcomes := []struct{ button, errorCode string }{
		{"approve", ""}, {"deny", "consent_denied"}, {"cancel-login", "login_cancelled"}, {"server-error", "server_error"},
	}
	for _, o := range outcomes {
		for _, mode := range []string{"query", "fragment"} {
			for _, openid := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/openid=%t", o.button, mode, openid), func(t *testing.T) {
					b.t = t // one browser serves every case; failures belong to the case
					b.open(srv.URL + "/")
					authorizeAndDecide(b, openid, mode, o.button)
					want := "error"
					if o.errorCode == "" {
						want = "success"
					}
					if got := b.attr("#callback-result", "data-outcome"); got != want {
						t.Fatalf("outcome %s:\n%s", got, b.text("#callback-result"))
					}
					if got := b.attr("#callback-result", "data-error"); got != o.errorCode {
						t.Fatalf("error %q, want %q", got, o.errorCode)
					}
					if s, r := b.attr("#callback-result", "data-state"), b.attr("#callback-result", "data-redirect"); s != "match" || r != "match" {
						t.Fatalf("state %s redirect %s", s, r)
					}
					if !strings.Contains(b.text("#callback-result"), "Parameters came by "+mode) {
						t.Fatalf("mode not read: %s", b.text("#callback-result"))
					}
					if o.errorCode != "" {
						return
					}
					exchangeOnTokenTab(b)
					if hasLink := b.attr("#to-inspect", "id") != "<missing>"; hasLink != openid {
						t.Fatalf("id_token link shown: %t, openid: %t", hasLink, openid)
					}
					if hint := b.attr("#no-id-token", "id") != "<missing>"; hint == openid {
						t.Fatalf("the how-to-get-an-id_token hint shown: %t, openid: %t", hint, openid)
					}
					if !openid {
						b.click("#revoke")
						b.waitJS(`document.querySelector('#revoke-result').innerText.includes('does not prove')`)
					}
				})
			}
		}
	}
	b.t = t
	// All those requests are remembered, and can be forgotten.
	b.click("#nav-callback")
	b.waitAttr("#pending", "data-count", "10")
	b.click("#pending-clear")
	b.waitAttr("#pending", "data-count", "0")
	if got := b.eval(`localStorage.getItem('authdebug.pending') || ''`); got != "" {
		t.Fatalf("pending requests still stored: %s", got)
	}
	b.noConsoleErrors()
}

func TestBrowserTokenErrorsAndClientCredentials(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	authorizeAndDecide(b, false, "query", "approve")
	b.click("#nav-token")
	b.waitJS(`!!document.querySelector('#exchange')`)

	// A wrong secret: invalid_client, explained.
	b.input("#client-secret", "wrong")
	b.click("#exchange")
	b.waitAttr("#token-result", "data-error", "invalid_client")
	if b.attr("#token-result", "data-status") != "401" || !strings.Contains(b.text("#token-error-meaning"), "secret") {
		t.Fatalf("wrong secret: %s", b.text("#token-result"))
	}

	// A redirect_uri that differs is warned about before sending.
	b.input("#token-redirect-uri", srv.URL+"/callback/")
	b.waitJS(`document.querySelector('#token-findings').innerText.includes('differs from the authorize request')`)

	// Client credentials with the environment's presets.
	b.choose("#token-grant", "client_credentials")
	b.waitJS(`!!document.querySelector('#audience')`)
	if aud := b.eval(`document.querySelector('#audience').value`); aud != "https://api-preprod.norskgjeld.no/v1/debt" {
		t.Fatalf("audience preset = %q", aud)
	}
	b.input("#client-secret", sandbox.DemoClientSecret)
	b.click("#exchange")
	b.waitJS(`document.querySelector('#token-result').dataset.outcome === 'success' && document.querySelector('#token-request').innerText.includes('client_credentials')`)
	if !strings.Contains(b.text("#token-scope-check"), "as asked") {
		t.Fatalf("scope check: %s", b.text("#token-scope-check"))
	}
	// A scope the client may not have: invalid_scope.
	b.input("#scope", "admin")
	b.click("#exchange")
	b.waitAttr("#token-result", "data-error", "invalid_scope")

	// The secret survived moving between tabs.
	b.click("#nav-authorize")
	b.waitJS(`!!document.querySelector('#authorize-url')`)
	b.click("#nav-token")
	b.waitJS(`!!document.querySelector('#client-secret')`)
	if got := b.eval(`document.querySelector('#client-secret').value`); got != sandbox.DemoClientSecret {
		t.Fatalf("secret after moving between tabs = %q", got)
	}
	// It is in no storage.
	if got := b.eval(`JSON.stringify(localStorage) + JSON.stringify(sessionStorage)`); strings.Contains(got, "sandbox-secret") {
		t.Fatalf("the secret is stored: %s", got)
	}
	b.noConsoleErrors()
}

func TestBrowserRelayErrorIsShown(t *testing.T) {
	srv := startServer(t, config{Extra: []ngi.Environment{ngi.Hydra("down", "down", "http://127.0.0.1:1/")}})
	b := newBrowser(t)
	b.open(srv.URL + "/token")
	b.fillClientCredentials("down")
	b.click("#exchange")
	b.waitAttr("#token-result", "data-outcome", "relay-error")
	if got := b.attr("#token-relay-error", "data-kind"); got != "refused" {
		t.Fatalf("kind = %s: %s", got, b.text("#token-result"))
	}
	if !strings.Contains(b.text("#token-relay-error"), "refused the connection") {
		t.Fatalf("message: %s", b.text("#token-relay-error"))
	}
	// The relay answers 502 Bad Gateway, which Chromium logs; nothing else may be logged.
	b.noConsoleErrors("502 (Bad Gateway)")
}

// Past the relay's rate limit, nothing is sent and the page says when to try again.
func TestBrowserRateLimitIsExplained(t *testing.T) {
	srv := startServer(t, config{Limits: limits{CallBurst: 1, CallEvery: time.Minute}})
	b := newBrowser(t)
	b.open(srv.URL + "/token")
	b.waitJS(`!!document.querySelector('#token-grant')`)
	b.choose("#token-grant", "client_credentials")
	b.waitJS(`!!document.querySelector('#audience')`)
	b.input("#client-secret", sandbox.DemoClientSecret)
	b.click("#exchange")
	b.waitAttr("#token-result", "data-outcome", "success")
	b.click("#exchange")
	b.waitAttr("#token-result", "data-outcome", "relay-error")
	if got := b.attr("#token-relay-error", "data-kind"); got != "rate_limited" {
		t.Fatalf("kind = %s: %s", got, b.text("#token-result"))
	}
	if text := b.text("#token-result"); !strings.Contains(text, "too many calls") || !regexp.MustCompile(`Try again in \d+ s`).MatchString(text) {
		t.Fatalf("the page does not say when to try again: %s", text)
	}
	b.noConsoleErrors("429 (Too Many Requests)")
}

func TestBrowserInspectTamperedToken(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	authorizeAndDecide(b, true, "query", "approve")
	exchangeOnTokenTab(b)
	b.click("#nav-inspect")
	b.waitAttr("#id-token-check", "data-signature", "valid")

	// Paste the id_token with one claim changed: the signature fails, by name.
	idToken := b.eval(`JSON.parse(document.querySelector('#inspect-input').value).id_token`)
	parts := strings.Split(idToken, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := strings.Replace(string(claims), `"pid":"14842249091"`, `"pid":"29868099311"`, 1)
	if forged == string(claims) {
		t.Fatalf("no pid to change in %s", claims)
	}
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
	b.input("#inspect-input", tampered)
	b.waitAttr("#id-token-check", "data-signature", "invalid")
	if r := b.attr(`#id-token-check [data-check=signature]`, "data-result"); r != "fail" {
		t.Fatalf("signature check = %s", r)
	}
	if !strings.Contains(b.text(`#id-token-check [data-check=signature]`), "altered") {
		t.Fatalf("reason: %s", b.text("#id-token-check"))
	}
	// A truncated token is named as such; an opaque one is said to be opaque.
	b.input("#inspect-input", idToken[:40])
	b.waitJS(`!!document.querySelector('#inspect-problem') || !!document.querySelector('#decode-error')`)
	b.input("#inspect-input", "wi-w8zIdwwBHggkHhSjR24wH8pN6MDqxdObTBDuzaZo.sciTzz9qgwMlGBZ6X0jYIDyib8MupoIp5gbIJBxnTCs")
	b.waitJS(`document.querySelector('#opaque-token') && document.querySelector('#opaque-token').innerText.includes('Opaque')`)
	b.noConsoleErrors()
}

func TestBrowserDiscoveryMatchesProfile(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/discovery")
	b.waitJS(`!!document.querySelector('#discovery-summary')`)
	if got := b.attr("#discovery-summary", "data-mismatches"); got != "0" {
		t.Fatalf("mismatches %s:\n%s", got, b.text("#discovery"))
	}
	if !strings.Contains(b.text("#discovery-document"), "token_endpoint_auth_methods_supported") {
		t.Fatal("the document is not shown")
	}
	b.waitJS(`!!document.querySelector('#discovery-keys [data-kid]')`)
	if !strings.Contains(b.text("#discovery-keys"), "usable for RS256") {
		t.Fatalf("keys: %s", b.text("#discovery-keys"))
	}
	b.noConsoleErrors()
}
