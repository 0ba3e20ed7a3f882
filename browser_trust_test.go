package main

import (
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"authdebug/app/sandbox"
)

// What the screen shows is what is sent: a switch of environment empties
// the client id box, and typing then gives exactly what was typed.
func TestBrowserClientIDOnScreenIsTheOneSent(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	b.waitJS(`document.querySelector('#client-id').value === 'authdebug-demo'`)
	b.choose("#env", "preprod")
	b.waitJS(`document.querySelector('#authorize-url').innerText.includes('access-preprod')`)
	if got := b.eval(`document.querySelector('#client-id').value`); got != "" {
		t.Fatalf("the box shows %q after the switch, the request has none", got)
	}
	// Typed key by key, as a person does: what is typed is all that is sent.
	if err := chromedp.Do(b.ctx, chromedp.SendKeys("#client-id", "bank-preprod")); err != nil {
		t.Fatal(err)
	}
	b.waitJS(`document.querySelector('#authorize-url').innerText.includes('client_id=bank-preprod&')`)
	if got := b.eval(`document.querySelector('#client-id').value`); got != "bank-preprod" {
		t.Fatalf("the box shows %q", got)
	}
	b.noConsoleErrors()
}

// An error finding stops a send, unless the person insists; an answer that
// belongs to another request says so.
func TestBrowserTokenSendIsGuardedAndAnswersStayWithTheirRequest(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/token")
	b.waitJS(`!!document.querySelector('#exchange')`)
	// No code, no secret: errors, so the button will not send.
	b.waitJS(`document.querySelector('#exchange').getAttribute('aria-disabled') === 'true' && document.querySelector('#exchange').innerText.includes('Fix the errors')`)
	b.click("#exchange")
	time.Sleep(300 * time.Millisecond)
	if b.eval(`String(!!document.querySelector('#token-result'))`) != "false" {
		t.Fatal("the guarded button sent")
	}
	b.click("#exchange-anyway")
	b.waitAttr("#token-result", "data-outcome", "error")
	if b.attr("#token-result", "data-error") != "invalid_client" {
		t.Fatalf("sent anyway: %s", b.text("#token-result"))
	}
	// Switching the grant leaves the answer visibly belonging to the old request.
	b.choose("#token-grant", "client_credentials")
	b.waitAttr("#token-result", "data-stale", "true")
	if !strings.Contains(b.text("#token-stale"), "previous request") {
		t.Fatalf("stale answer: %s", b.text("#token-result"))
	}
	b.noConsoleErrors("401 (Unauthorized)")
}

// The authorize URL a bank's app sends: read, checked, recorded, and its
// callback then matched against it.
func TestBrowserPastedAuthorizeURLIsRecordedAndItsCallbackMatched(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	state := "bank-app-state-42"
	pasted := "https://access-preprod.norskgjeld.no/oauth2/auth?" + url.Values{"client_id": {"bank-client"}, "response_type": {"code"},
		"scope": {"debt.unsecured.presentation"}, "state": {state}, "redirect_uri": {"https://bank.example/cb"}, "extra": {"1"}}.Encode()
	b.input("#authorize-paste", pasted)
	b.waitAttr("#authorize-paste-result", "data-ok", "true")
	if !strings.Contains(b.text("#authorize-paste-params"), "bank-client") || !strings.Contains(b.text("#authorize-paste-findings"), "extra is not a parameter") {
		t.Fatalf("reading: %s", b.text("#authorize-paste-result"))
	}
	b.click("#authorize-paste-record")
	b.waitJS(`document.querySelector('#authorize-recorded').innerText.includes('bank-app-state-42')`)
	b.click("#nav-callback")
	b.waitJS(`!!document.querySelector('#callback-input')`)
	b.input("#callback-input", "https://bank.example/cb?code=abc&scope=debt.unsecured.presentation&state="+state)
	b.waitAttr("#callback-result", "data-verdict", "accept")
	if b.attr("#callback-result", "data-redirect") != "match" || b.eval(`document.querySelector('#env').value`) != "preprod" {
		t.Fatalf("callback: %s", b.text("#callback-result"))
	}
	// A forged state is the verdict, not a line under a success.
	b.input("#callback-input", "https://bank.example/cb?code=abc&state=forged-state-1")
	b.waitAttr("#callback-result", "data-verdict", "reject")
	if !strings.Contains(b.text("#callback-verdict"), "Reject") || b.eval(`String(!!document.querySelector('#callback-to-token'))`) != "false" {
		t.Fatalf("forged: %s", b.text("#callback-result"))
	}
	// Each registered URI gets its verdict; a comma-separated list is a list, kept for the client.
	b.input("#registered-uris", "https://bank.example/cb/, https://bank.example/cb")
	b.waitAttr("#registered-check", "data-result", "match")
	if n := b.eval(`String(document.querySelectorAll('#registered-check .registered-uri').length)`); n != "2" {
		t.Fatalf("%s verdicts", n)
	}
	if !strings.Contains(b.eval(`localStorage.getItem('authdebug.registered')`), "bank.example/cb/") {
		t.Fatal("the registered list is not kept")
	}
	b.noConsoleErrors()
}

// History: a callback read and a token request sent come back with a click,
// hold no code, token or secret, and are forgotten with a click.
func TestBrowserHistoryRestoresAndForgets(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	authorizeAndDecide(b, true, "query", "approve")
	exchangeTheCode(b)
	code := b.eval(`document.querySelector('#code').value`)
	b.waitAttr("#history", "data-count", "2")
	stored := b.eval(`JSON.stringify(localStorage) + JSON.stringify(sessionStorage)`)
	access := b.text("#access-token")
	for _, secret := range []string{code, access, sandbox.DemoClientSecret, "14842249091", "29868099311"} {
		if secret != "" && strings.Contains(stored, secret) {
			t.Fatalf("the browser's storage holds %q", secret)
		}
	}
	// Bring the callback back from the Token tab: the reading returns, without its code.
	b.click(`#history tr[data-kind="callback"] .history-restore`)
	b.waitJS(`document.querySelector('#app').dataset.tab === 'callback' && !!document.querySelector('#callback-result').dataset.outcome`)
	if !strings.Contains(b.text("#callback-params"), "not-kept") {
		t.Fatalf("restored: %s", b.text("#callback-result"))
	}
	b.click("#history-forget")
	b.waitAttr("#history", "data-count", "0")
	if b.eval(`String(localStorage.getItem('authdebug.history'))`) != "null" {
		t.Fatal("the history is still stored")
	}
	b.noConsoleErrors()
}

// A shared link reproduces a reading, without the code unless asked.
func TestBrowserSharedLinkReproducesAReading(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/callback")
	b.input("#callback-input", "https://bank.example/cb?error=invalid_request&error_description=x&state=s1s2s3s4s5")
	b.waitAttr("#callback-result", "data-error", "invalid_request")
	// Colour marks the verdict, not every line of the card.
	if b.eval(`(c => c('#callback-state-check') === c('#callback-result h3.verdict') ? 'same' : 'differs')(s => getComputedStyle(document.querySelector(s)).color)`) != "differs" {
		t.Errorf("the whole error card is painted in the error's colour")
	}
	link := b.eval(`document.querySelector('#callback-share').value`)
	if !strings.HasPrefix(link, srv.URL+"/callback#read=") {
		t.Fatalf("link %q", link)
	}
	b2 := newBrowser(t)
	b2.open(link)
	b2.waitAttr("#callback-result", "data-error", "invalid_request")
	if !strings.Contains(b2.text("#callback-params"), "s1s2s3s4s5") {
		t.Fatalf("shared reading: %s", b2.text("#callback-result"))
	}
	b.input("#callback-input", "https://bank.example/cb?code=SECRET-CODE&state=s1s2s3s4s5")
	b.waitJS(`document.querySelector('#callback-share').value.includes('not-kept')`)
	b.check("#share-with-code", true)
	b.waitJS(`document.querySelector('#callback-share').value.includes('SECRET-CODE')`)
	b.noConsoleErrors()
}

// Opened by another name than its public URL, the page says so and how to fix it.
func TestBrowserWarnsWhenOpenedByAnotherName(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/")
	b.waitJS(`!!document.querySelector('#origin-warning')`)
	if w := b.text("#origin-warning"); !strings.Contains(w, "-public-url") || !strings.Contains(w, srv.URL) {
		t.Fatalf("warning: %s", w)
	}
}

// axe-core, from npm, finds no serious or critical violation on any tab,
// at desktop and at phone width.
func TestBrowserAccessibility(t *testing.T) {
	axe, err := os.ReadFile(".tools/node_modules/axe-core/axe.min.js")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core is missing (make test installs it with npm): %v", err)
		}
		t.Skip("axe-core is missing: make test installs it with npm")
	}
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	b.eval(string(axe) + `; ""`)
	for _, width := range []int64{1280, 400} {
		if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		for _, tab := range []string{"authorize", "callback", "token", "inspect", "discovery", "timeline"} {
			b.click("#nav-" + tab)
			b.waitJS(`document.querySelector('#app').dataset.tab === '` + tab + `'`)
			if tab == "callback" {
				b.input("#callback-input", "https://bank.example/cb?error=invalid_request&state=s1s2s3s4s5")
				b.waitJS(`!!document.querySelector('#callback-result').dataset.outcome`)
			}
			b.eval(`window.__axe = null; axe.run(document, {resultTypes: ['violations']}).then(r => { window.__axe = r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')) }); ""`)
			b.waitJS(`window.__axe !== null`)
			if v := b.eval(`window.__axe.join('\n')`); v != "" {
				t.Errorf("%s at %d px:\n%s", tab, width, v)
			}
		}
		if width == 400 {
			b.click("#nav-authorize")
			b.waitJS(`document.querySelector('#app').dataset.tab === 'authorize'`)
			if over := b.eval(`String(document.documentElement.scrollWidth > window.innerWidth + 1)`); over != "false" {
				t.Errorf("the page is wider than 400 px: %s", b.eval(`String(document.documentElement.scrollWidth)`))
			}
			b.screenshot("phone")
		}
	}
}
