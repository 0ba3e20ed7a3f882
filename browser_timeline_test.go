package main

import (
	"encoding/json"
	"strings"
	"testing"

	"authdebug/app/record"
	"authdebug/app/sandbox"
)

// A sandbox flow with openid and PKCE, a token and an API call, as one
// record: the steps in order, the picture, the Mermaid text, and a bundle
// that holds what support needs and none of the secrets the flow used;
// then the bundle opened in a fresh browser shows the same steps.
func TestBrowserTimelineRecordsTheRun(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	b.waitApp()
	b.check("#pkce", true)
	b.check("#openid", true)
	b.waitJS(`document.querySelector('#authorize-url').innerText.includes('code_challenge=') && !!document.querySelector('#nonce')`)
	state := b.eval(`document.querySelector('#state').value`)
	nonce := b.eval(`document.querySelector('#nonce').value`)
	b.input("#days", "")
	authorizeAndDecide(b, true, "query", "approve")
	exchangeTheCode(b)
	code := b.eval(`document.querySelector('#code').value`)
	verifier := b.eval(`document.querySelector('#code-verifier').value`)
	access := b.text("#access-token")
	idToken := b.text("#id-token")
	// Inspect verifies the ID token; its verdict goes on the token's step.
	b.click("#nav-inspect")
	b.waitAttr("#id-token-check", "data-signature", "valid")
	b.click("#nav-call")
	b.waitJS(`!!document.querySelector('#call-send') && document.querySelector('#call-token').value !== ''`)
	callAndWait(b, "#call-send")
	b.waitAttr("#call-result", "data-outcome", "success")

	b.click("#nav-timeline")
	b.waitJS(`document.querySelectorAll('#timeline li[data-step]').length >= 4`)
	kinds := b.eval(`Array.from(document.querySelectorAll('#timeline li[data-step]')).map(l => l.dataset.kind + ':' + (l.dataset.status || '')).join(',')`)
	if kinds != "authorize:,callback:,token:200,keys:200,call:200" {
		t.Errorf("steps %s", kinds)
	}
	if n := b.eval(`String(document.querySelectorAll('#timeline-diagram [data-step]').length)`); n != "8" {
		t.Errorf("%s arrows in the picture, want 8 (authorize, callback, and the token, keys and call with their answers)", n)
	}
	mermaid := b.text("#timeline-mermaid")
	for _, want := range []string{"sequenceDiagram", "B->>AS: GET /sandbox/oauth2/auth", "S->>AS: POST /sandbox/oauth2/token", "AS-->>S: 200", "S->>API: GET"} {
		if !strings.Contains(mermaid, want) {
			t.Errorf("Mermaid lacks %q:\n%s", want, mermaid)
		}
	}
	b.screenshot("timeline")
	// Clicking an arrow opens its step.
	b.eval(`document.querySelector('#timeline-diagram g[data-step="2"]').dispatchEvent(new MouseEvent('click', {bubbles: true})); ""`)
	b.waitJS(`document.querySelector('#step-2 details').open`)

	bundle := b.eval(`document.querySelector('#bundle').textContent`)
	har := b.eval(`decodeURIComponent(document.querySelector('#bundle-har').getAttribute('href').split(',').slice(1).join(','))`)
	download := b.eval(`decodeURIComponent(document.querySelector('#bundle-download').getAttribute('href').split(',').slice(1).join(','))`)
	if download != bundle || !strings.HasPrefix(b.attr("#bundle-download", "download"), "authdebug-run-") {
		t.Error("the download is not the bundle shown")
	}
	for name, secret := range map[string]string{"code": code, "verifier": verifier, "access token": access, "state": state, "nonce": nonce,
		"client secret": sandbox.DemoClientSecret, "pid": "14842249091", "ssn (other test person)": "29868099311"} {
		if secret == "" {
			t.Fatalf("the flow left no %s to look for", name)
		}
		for where, text := range map[string]string{"bundle": bundle, "HAR": har, "sessionStorage (the run)": b.eval(`sessionStorage.getItem('authdebug.run') || ''`)} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s holds the %s", where, name)
			}
		}
	}
	if sig := idToken[strings.LastIndex(idToken, ".")+1:]; idToken == "" || strings.Contains(bundle, sig) {
		t.Error("the bundle holds the ID token's signature")
	}
	var run record.Run
	if err := json.Unmarshal([]byte(bundle), &run); err != nil {
		t.Fatal(err)
	}
	if run.Schema != "authdebug-bundle/1" || run.Environment.ID != "sandbox" || run.ClientID != sandbox.DemoClientID || run.Zone == "" ||
		!strings.Contains(bundle, record.Fingerprint(code)) || !strings.Contains(bundle, `"consent_id"`) || !strings.Contains(bundle, `"signature": "dropped"`) ||
		!strings.Contains(bundle, "Inspect: the ID token's signature is valid") || len(run.Keys) == 0 || run.Keys[0].Kid == "" {
		t.Errorf("the bundle lacks what support needs: schema %q env %q client %q zone %q code %v consent %v sig %v keys %v\n%.4000s", run.Schema, run.Environment.ID, run.ClientID, run.Zone,
			strings.Contains(bundle, record.Fingerprint(code)), strings.Contains(bundle, `"consent_id"`), strings.Contains(bundle, `"signature": "dropped"`), run.Keys, bundle)
	}
	// The code's fingerprint is the same in the callback and the token request.
	if strings.Count(bundle, record.Fingerprint(code)) < 2 {
		t.Error("the code's fingerprint does not tie the callback to the token request")
	}

	// A colleague opens the bundle: the same steps, marked as opened.
	b2 := newBrowser(t)
	b2.open(srv.URL + "/timeline")
	b2.waitApp()
	quoted, _ := json.Marshal(bundle)
	b2.eval(`(e => { e.value = ` + string(quoted) + `; e.dispatchEvent(new Event('input', {bubbles: true})); return "" })(document.querySelector('#bundle-open'))`)
	b2.waitJS(`!!document.querySelector('#timeline-opened')`)
	if got := b2.eval(`Array.from(document.querySelectorAll('#timeline li[data-step]')).map(l => l.dataset.kind + ':' + (l.dataset.status || '')).join(',')`); got != kinds {
		t.Errorf("opened: %s, want %s", got, kinds)
	}
	b.noConsoleErrors()
	b2.noConsoleErrors()
}
