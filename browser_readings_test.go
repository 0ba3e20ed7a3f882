package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"authdebug/app/ngi"
	"authdebug/app/sandbox"
)

// The readings a person trusts most, in the shapes people paste them.
func TestBrowserReadingsAreTrueInPastedShapes(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	b.waitApp()
	recordRequest(b, "https://bank.example/v1/callback", "GYTKa1b2c3d4")
	b.click("#nav-callback")
	b.waitJS(`!!document.querySelector('#callback-input')`)

	// In a sentence, the trailing period is not part of the state: accepted,
	// not called forged, and the page says what it left out.
	b.input("#callback-input", "Redirected to https://bank.example/v1/callback?code=abc&state=GYTKa1b2c3d4.")
	b.waitAttr("#callback-result", "data-verdict", "accept")
	if !strings.Contains(b.text("#callback-findings"), `"." after it`) {
		t.Errorf("the trimmed period is not said: %s", b.text("#callback-findings"))
	}

	// NGI's own error page: its channel, no "no state came back", no
	// advice about the secret, and the pointer to the registered URIs.
	b.input("#callback-input", "https://access-preprod.norskgjeld.no/oauth2/fallbacks/error?error=invalid_request&error_description=The+request+is+missing+a+required+parameter%2C+includes+an+invalid+parameter+value%2C+includes+a+parameter+more+than+once%2C+or+is+otherwise+malformed.+The+%27redirect_uri%27+parameter+does+not+match+any+of+the+OAuth+2.0+Client%27s+pre-registered+redirect+urls.")
	b.waitAttr("#callback-result", "data-channel", "error-page")
	result := b.text("#callback-result")
	if strings.Contains(result, "No state came back") || strings.Contains(result, "Basic") || !strings.Contains(b.text("#callback-error-next"), "Which redirect URIs are registered?") {
		t.Errorf("the error page's reading: %s", result)
	}

	// A callback at a URI that is not registered: the summary is not green,
	// and says it cannot have come from NGI.
	b.input("#registered-uris", "https://bank.example/v1/other")
	b.input("#callback-input", "https://bank.example/v1/callback?code=abc&state=GYTKa1b2c3d4")
	b.waitAttr("#callback-result", "data-channel", "redirect")
	b.waitAttr("#registered-check", "data-result", "mismatch")
	if findings := b.text("#callback-findings"); strings.Contains(findings, "Nothing else to note") || !strings.Contains(findings, "cannot have come from NGI") {
		t.Errorf("the summary beside an unregistered URI: %s", findings)
	}
	b.noConsoleErrors()
}

// A click in the same moment as the typing that fixed the last error sends:
// the page does not lose it to a button its next render would enable.
func TestBrowserClickRightAfterTypingSends(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/token")
	b.waitApp()
	b.choose("#token-grant", "client_credentials")
	b.waitJS(`document.querySelector('#token-findings').innerText.includes('secret')`)
	// Type the secret and click, in one task: no render can come between.
	b.eval(`(e => { e.value = ` + jsString(sandbox.DemoClientSecret) + `; e.dispatchEvent(new Event('input', {bubbles: true})); document.querySelector('#exchange').click(); return "" })(document.querySelector('#client-secret'))`)
	b.waitAttr("#token-result", "data-outcome", "success")
	b.noConsoleErrors()
}

// Keyboard users keep their place: a cross-tab link puts the focus on the
// new tab's heading, and a button that marks itself used keeps it.
func TestBrowserKeyboardFocusFollows(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/callback")
	b.waitApp()
	// Live regions exist before their first result, so that it is announced.
	if b.eval(`String(document.querySelector('#callback-result[aria-live]') !== null)`) != "true" {
		t.Error("the callback's live region comes with its first result")
	}
	// The two lists of URIs say at a glance which one asks the server.
	if !strings.Contains(b.text("label[for=registered-uris]"), "in this page") || b.attr("#probe", "class") != "asks-server" {
		t.Errorf("the two URI boxes look alike: %q", b.text("label[for=registered-uris]"))
	}
	b.input("#callback-input", "https://bank.example/cb?code=abc&state=s1s2s3s4s5")
	b.waitAttr("#callback-result", "data-outcome", "success")
	b.eval(`document.querySelector('#callback-to-token').focus(); ""`)
	if err := chromedp.Do(b.ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	b.waitJS(`document.querySelector('#app').dataset.tab === 'token'`)
	if b.eval(`String(document.querySelector('#token-live[aria-live]') !== null && !document.querySelector('#token-result'))`) != "true" {
		t.Error("the token answer's live region comes with its first result")
	}
	b.waitJS(`document.activeElement && document.activeElement.tagName === 'H2' && document.activeElement.closest('#tab') !== null`)
	b.eval(`document.querySelector('#use-demo-secret').focus(); ""`)
	if err := chromedp.Do(b.ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	b.waitJS(`document.querySelector('#client-secret').value !== ''`)
	b.waitJS(`document.querySelector('#use-demo-secret').getAttribute('aria-disabled') === 'true'`)
	if id := b.eval(`document.activeElement.id`); id != "use-demo-secret" {
		t.Errorf("the focus went to %q", id)
	}
}

// From the page: the sandbox is asked to fail the next token call, and the
// answer is explained as a real one would be; the call after is normal.
func TestBrowserArrangesATokenFailure(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	demoClientCredentials(b, srv)
	b.eval(`document.querySelector('#token-failure').open = true; ""`)
	b.choose("#token-failure-choice", "3")
	b.click("#token-failure-arm")
	b.waitJS(`document.querySelector('#token-failure-said').innerText.startsWith('Armed')`)
	b.click("#exchange")
	b.waitAttr("#token-result", "data-error", "temporarily_unavailable")
	if b.attr("#token-result", "data-status") != "503" || b.text("#token-error-meaning") == "" {
		t.Errorf("the arranged failure: %s", b.text("#token-result"))
	}
	b.click("#exchange")
	b.waitAttr("#token-result", "data-outcome", "success")
	b.noConsoleErrors("503 (Service Unavailable)")
}

// The Call tab arranges an API failure the same way: the next call of the
// chosen operation answers 500 with a trace_id, shown to quote to NGI.
func TestBrowserArrangesAnAPIFailure(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	demoClientCredentials(b, srv)
	b.choose("#service", ngi.Preprod().Services[2].Audience)
	b.click("#exchange")
	b.waitAttr("#token-result", "data-outcome", "success")
	b.click("#nav-call")
	b.waitJS(`!!document.querySelector('#call-operation')`)
	b.choose("#call-operation", "lastSequenceNr")
	b.eval(`document.querySelector('#call-failure').open = true; ""`)
	b.choose("#call-failure-choice", "2")
	b.click("#call-failure-arm")
	b.waitJS(`document.querySelector('#call-failure-said').innerText.startsWith('Armed')`)
	b.click("#call-send")
	b.waitAttr("#call-result", "data-status", "500")
	if b.text("#call-trace-id") == "" {
		t.Errorf("no trace_id shown: %s", b.text("#call-result"))
	}
	b.click("#call-send")
	b.waitAttr("#call-result", "data-status", "200")
	b.noConsoleErrors("500 (Internal Server Error)")
}

// recordRequest records an authorize request on the Authorize tab (open)
// with a redirect_uri and state, as Copy does.
func recordRequest(b *browser, redirectURI, state string) {
	b.t.Helper()
	b.input("#redirect-uri", redirectURI)
	b.input("#state", state)
	b.click("#authorize-copy")
	// Headless and unfocused, the browser refuses the clipboard: the page says so, and still records.
	b.waitJS(`(t => t.startsWith('Copied:') || t.includes('not copied'))(document.querySelector('#authorize-recorded').innerText)`)
}

// demoClientCredentials opens the Token tab for a client-credentials call
// of the sandbox's demo client, its secret typed.
func demoClientCredentials(b *browser, srv *testServer) {
	b.t.Helper()
	b.open(srv.URL + "/token")
	b.waitApp()
	b.choose("#token-grant", "client_credentials")
	b.waitJS(`!!document.querySelector('#service')`)
	b.input("#client-secret", sandbox.DemoClientSecret)
}
