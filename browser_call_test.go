package main

import (
	"encoding/json"
	"strings"
	"testing"

	"authdebug/app/sandbox"
)

// callAndWait clicks a button that calls the API and waits for that call's
// answer: each call carries a fresh X-Trace-ID, shown in the request.
func callAndWait(b *browser, button string) {
	b.t.Helper()
	before := b.eval(`(e => e ? e.innerText : '')(document.querySelector('#call-result #token-request'))`)
	b.click(button)
	quoted, _ := json.Marshal(before)
	b.waitJS(`(e => e && e.innerText !== ` + string(quoted) + `)(document.querySelector('#call-result #token-request'))`)
}

// codeFlowToCall runs the sandbox's code flow and lands on the Call tab with
// the token; days is the consent's duration ("" for single use).
func codeFlowToCall(b *browser, days string) {
	b.t.Helper()
	b.input("#days", days)
	authorizeAndDecide(b, true, "query", "approve")
	exchangeTheCode(b)
	b.click("#nav-call")
	b.waitJS(`!!document.querySelector('#call-send') && document.querySelector('#call-token').value !== ''`)
}

// The code flow's token reads the debt once: the table, then a 403 that
// says the single-use consent was used.
func TestBrowserCallReadsTheDebtOnce(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	codeFlowToCall(b, "")
	if b.eval(`document.querySelector('#call-operation').value`) != "getDebtWithAuthCodeToken" {
		t.Fatalf("operation %s", b.eval(`document.querySelector('#call-operation').value`))
	}
	callAndWait(b, "#call-send")
	b.waitAttr("#call-result", "data-outcome", "success")
	b.waitJS(`document.querySelectorAll('#debt-table tr[data-loan]').length === 3`)
	table := strings.ReplaceAll(b.text("#debt-table"), "\u00a0", " ") // amounts are joined by no-break spaces
	for _, want := range []string{"Havbris Finans AS", "repayment loan", "98 750,00 kr", "10,20 %", "credit line", "charge card"} {
		if !strings.Contains(table, want) {
			t.Errorf("the debt table lacks %q:\n%s", want, table)
		}
	}
	if total := b.text("#debt-total"); !strings.Contains(total, "117\u00a0545,00\u00a0kr") {
		t.Errorf("total %q", total)
	}
	if strings.Contains(b.text("#call-result"), "14842249091") {
		t.Error("the national id number is shown unmasked")
	}
	b.screenshot("debt")
	callAndWait(b, "#call-send")
	b.waitAttr("#call-result", "data-status", "403")
	if b.attr("#call-result", "data-error") != "no valid consent" || !strings.Contains(b.text("#call-error-meaning"), "single-use") {
		t.Fatalf("second read: %s", b.text("#call-result"))
	}
	b.noConsoleErrors()
}

// A 30-day consent reads the debt again.
func TestBrowserCallThirtyDayConsentReadsTwice(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	codeFlowToCall(b, "30")
	for range 2 {
		callAndWait(b, "#call-send")
		b.waitAttr("#call-result", "data-outcome", "success")
	}
	b.noConsoleErrors()
}

// The integrated-consent journey, end to end; a token for the wrong audience
// is refused before sending, and by NGI when sent anyway.
func TestBrowserCallIntegratedConsentJourney(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/token")
	b.input("#client-secret", sandbox.DemoClientSecret)
	b.click("#nav-call")
	b.waitJS(`!!document.querySelector('#journey-1')`)
	step := func(n, wantStatus string) {
		t.Helper()
		if wantStatus == "" { // a token: it lands in the Call tab's token box
			before := b.eval(`document.querySelector('#call-token').value`)
			b.click("#journey-" + n)
			quoted, _ := json.Marshal(before)
			b.waitJS(`document.querySelector('#call-token').value !== ` + string(quoted) + ` && !document.querySelector('#journey-1').disabled`)
			return
		}
		callAndWait(b, "#journey-"+n)
		b.waitAttr("#call-result", "data-status", wantStatus)
	}
	step("1", "")
	// Before createConsent: a consent.create token for the debt call is refused here.
	b.choose("#call-operation", "getDebtWithConsentID")
	b.input("#call-consent-id", "3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8")
	b.waitJS(`document.querySelector('#call-send').getAttribute('aria-disabled') === 'true' && document.querySelector('#call-findings').innerText.includes('another API')`)
	callAndWait(b, "#call-send-anyway")
	b.waitAttr("#call-result", "data-status", "403")
	step("2", "200")
	consentID := b.eval(`document.querySelector('#call-consent-id') ? document.querySelector('#call-consent-id').value : ''`)
	step("3", "")
	step("4", "200")
	b.waitJS(`!!document.querySelector('#debt-table')`)
	if got := b.eval(`document.querySelector('#call-consent-id').value`); consentID == "" && got == "" {
		t.Fatal("no consent id handed on")
	}
	step("5", "200")
	if !strings.Contains(b.text("#call-result"), `"active": true`) {
		t.Fatalf("status before revoking: %s", b.text("#call-result"))
	}
	step("6", "204")
	step("5", "200")
	b.waitJS(`document.querySelector('#call-result').innerText.includes('"active": false')`)
	b.noConsoleErrors("403 (Forbidden)")
}
