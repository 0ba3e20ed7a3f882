package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The seed's example callbacks, from NGI's "How do I authorize" page.
const (
	seedSuccess = "https://api-eksempelbank.no/v1/callback?code=wi-w8zIdwwBHggkHhSjR24wH8pN6MDqxdObTBDuzaZo.sciTzz9qgwMlGBZ6X0jYIDyib8MupoIp5gbIJBxnTCs&scope=debt.unsecured.presentation&state=thisShouldBeARandomValue"
	seedError   = "https://api-eksempelbank.no/v1/callback?error=consent_denied&error_description=&state=thisShouldBeARandomValue"
)

func TestBrowserAuthorizeBuildsURLAndFindings(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")

	// The sandbox is the default, with its demo client pre-filled.
	if got := b.eval(`document.querySelector('#env').value`); got != "sandbox" {
		t.Fatalf("default environment = %q, want sandbox", got)
	}
	if got := b.eval(`document.querySelector('#client-id').value`); got != "authdebug-demo" {
		t.Fatalf("client id = %q, want the demo client", got)
	}
	u, err := url.Parse(b.text("#authorize-url"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/sandbox/oauth2/auth" || q.Get("client_id") != "authdebug-demo" || q.Get("response_type") != "code" ||
		q.Get("scope") != "debt.unsecured.presentation" || q.Get("redirect_uri") != srv.URL+"/callback" || len(q.Get("state")) < 16 {
		t.Fatalf("authorize URL = %s", u)
	}
	// The tool's own http://127.0.0.1 callback is only a warning.
	if got := b.eval(`[...document.querySelectorAll('#authorize-findings li')].map(e => e.dataset.level + ':' + e.dataset.field).join(',')`); got != "warning:redirect_uri" {
		t.Fatalf("findings of the default request = %s: %s", got, b.text("#authorize-findings"))
	}

	// openid first is an error; a duration above the maximum is a warning.
	b.input("#authorize-scope", "openid debt.unsecured.processing.40")
	b.waitJS(`document.querySelectorAll('#authorize-findings li[data-level=error]').length === 1`)
	findings := b.text("#authorize-findings")
	if !strings.Contains(findings, "openid must be the last scope") || !strings.Contains(findings, "clamps it to 28 days") {
		t.Fatalf("findings = %s", findings)
	}
	if b.eval(`document.querySelectorAll('#authorize-findings li[data-level=warning][data-field=scope]').length.toString()`) != "1" {
		t.Fatalf("want one warning: %s", findings)
	}

	// The builder puts openid last and the days on the scope.
	b.input("#authorize-scope", "debt.unsecured.presentation")
	b.waitJS(`!document.querySelector('#openid').checked`)
	b.input("#days", "100")
	b.check("#openid", true)
	b.waitJS(`document.querySelector('#authorize-url').innerText.includes('scope=debt.unsecured.presentation.100+openid')`)
	b.screenshot("authorize")
	if !strings.Contains(b.text("#authorize-url"), "nonce=") {
		t.Fatalf("openid without a nonce: %s", b.text("#authorize-url"))
	}

	// A new state on request; http on a non-loopback host is an error.
	before := b.eval(`document.querySelector('#state').value`)
	b.click("#state-regenerate")
	b.waitJS(`document.querySelector('#state').value !== ` + jsString(before))
	b.input("#redirect-uri", "http://app.example/cb#x")
	b.waitJS(`document.querySelectorAll('#authorize-findings li[data-level=error][data-field=redirect_uri]').length === 2`)
	b.noConsoleErrors()
}

func TestBrowserDeepLinkPrefillsAuthorize(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	link := srv.URL + "/?env=preprod&client_id=my-client&scope=" + url.QueryEscape("debt.unsecured.processing.10 openid") +
		"&redirect_uri=" + url.QueryEscape("https://api-eksempelbank.no/v1/callback")
	b.open(link)
	b.waitJS(`document.querySelector('#env').value === 'preprod'`)
	got := b.text("#authorize-url")
	for _, want := range []string{"https://access-preprod.norskgjeld.no/oauth2/auth?", "client_id=my-client", "scope=debt.unsecured.processing.10+openid", "redirect_uri=https%3A%2F%2Fapi-eksempelbank.no%2Fv1%2Fcallback"} {
		if !strings.Contains(got, want) {
			t.Errorf("authorize URL %s lacks %s", got, want)
		}
	}
	// Prod is marked as production.
	b.choose("#env", "prod")
	b.waitJS(`!!document.querySelector('#env-production')`)

	// On the sandbox, a deep link's client_id wins over the demo client.
	b.open(srv.URL + "/?env=sandbox&client_id=my-own-client")
	if got := b.eval(`document.querySelector('#client-id').value`); got != "my-own-client" {
		t.Fatalf("client id = %q", got)
	}
	b.noConsoleErrors()
}

func TestBrowserCallbackReadsSeedExamples(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	// Record a pending request like the seed's, then read its callbacks.
	recordRequest(b, "https://api-eksempelbank.no/v1/callback", "thisShouldBeARandomValue")

	b.click("#nav-callback")
	b.waitJS(`!!document.querySelector('#callback-input')`)
	b.input("#callback-input", seedSuccess)
	b.waitAttr("#callback-result", "data-outcome", "success")
	if s, r := b.attr("#callback-result", "data-state"), b.attr("#callback-result", "data-redirect"); s != "match" || r != "match" {
		t.Fatalf("state %s, redirect %s; page:\n%s", s, r, b.text("#callback-result"))
	}
	if !strings.Contains(b.text("#callback-params"), "wi-w8zIdwwBHggkHhSjR24wH8pN6MDqxdObTBDuzaZo") {
		t.Fatalf("the code is not listed: %s", b.text("#callback-params"))
	}

	b.input("#callback-input", seedError)
	b.waitAttr("#callback-result", "data-outcome", "error")
	if got := b.attr("#callback-result", "data-error"); got != "consent_denied" {
		t.Fatalf("data-error = %q", got)
	}
	if !strings.Contains(b.text("#callback-error-meaning"), "declined") {
		t.Fatalf("meaning = %s", b.text("#callback-error-meaning"))
	}

	// Hydra's answers in both formats: the specific reason is the headline.
	const why = "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls."
	const generic = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."
	for _, q := range []url.Values{
		{"error": {"invalid_request"}, "error_description": {generic + " " + why}, "state": {"thisShouldBeARandomValue"}},
		{"error": {"invalid_request"}, "error_description": {generic}, "error_hint": {why}, "state": {"thisShouldBeARandomValue"}},
	} {
		b.input("#callback-input", "https://api-eksempelbank.no/v1/callback?"+q.Encode())
		b.waitJS(`(e => e && e.innerText.includes("pre-registered redirect urls"))(document.querySelector('#callback-error-reason'))`)
		if d := b.text("#callback-error-description"); d != generic {
			t.Fatalf("error_description shown as %q", d)
		}
	}

	// Another state is a mismatch; a trailing slash is a named redirect difference.
	b.input("#callback-input", strings.Replace(seedSuccess, "v1/callback?", "v1/callback/?", 1))
	b.waitJS(`document.querySelector('#callback-result').dataset.redirect === 'mismatch'`)
	if !strings.Contains(b.text("#callback-redirect-check"), "Trailing slash") {
		t.Fatalf("redirect check = %s", b.text("#callback-redirect-check"))
	}
	b.input("#callback-input", strings.Replace(seedSuccess, "thisShouldBeARandomValue", "forged", 1))
	b.waitAttr("#callback-result", "data-state", "mismatch")

	// Broken input gets an answer, never a panic.
	b.input("#callback-input", "not a url at all")
	b.waitAttr("#callback-result", "data-outcome", "invalid")
	b.input("#callback-input", "https://x.example/cb?code=a&code=b&state=s")
	b.waitJS(`document.querySelector('#callback-reason').innerText.includes('given twice')`)

	// The registered list is checked with the same diff.
	b.input("#callback-input", seedSuccess)
	b.input("#registered-uris", "https://API-eksempelbank.no/v1/callback\nhttps://other.example/cb")
	b.waitAttr("#registered-check", "data-result", "mismatch")
	if !strings.Contains(b.text("#registered-check"), "Host case") {
		t.Fatalf("registered check = %s", b.text("#registered-check"))
	}
	b.noConsoleErrors()
}

func TestBrowserCallbackRouteReadsOwnURL(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/callback#error=login_cancelled&error_description=The+person+cancelled&state=abc")
	b.waitAttr("#callback-result", "data-outcome", "error")
	if got := b.attr("#callback-result", "data-error"); got != "login_cancelled" {
		t.Fatalf("data-error = %q", got)
	}
	if got := b.attr("#callback-result", "data-state"); got != "unknown" {
		t.Fatalf("with no pending request, data-state = %q", got)
	}
	// Typing, key by key, updates the reading as it goes.
	b.input("#callback-input", "")
	// The live region stays, empty, so that the next reading is announced.
	b.waitJS(`(r => r && !r.dataset.outcome && r.innerText.trim() === '')(document.querySelector('#callback-result'))`)
	if err := chromedp.Do(b.ctx, chromedp.SendKeys(chromedp.ID("callback-input"), "https://a.example/cb?error=access_denied&state=x")); err != nil {
		t.Fatal(err)
	}
	b.waitAttr("#callback-result", "data-error", "access_denied")
	b.noConsoleErrors()
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
