package main

import (
	"strings"
	"testing"
)

// Check with the server: the sandbox answers before anyone logs in.
func TestBrowserPreflight(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	b.click("#preflight")
	b.waitAttr("#preflight-result", "data-verdict", "accepted")
	if !strings.Contains(b.text("#preflight-result"), "the next page would be the login") {
		t.Fatalf("accepted: %s", b.text("#preflight-result"))
	}
	b.input("#redirect-uri", srv.URL+"/callback/")
	b.click("#preflight")
	b.waitAttr("#preflight-result", "data-verdict", "refused")
	if b.attr("#preflight-result", "data-error") != "invalid_request" || !strings.Contains(b.text("#preflight-result"), "is not registered for client authdebug-demo") {
		t.Fatalf("refused: %s", b.text("#preflight-result"))
	}

	// QA's list, one preflight per URI, and the table for a ticket.
	b.click("#nav-callback")
	b.waitJS(`!!document.querySelector('#probe-uris')`)
	localhost := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	b.input("#probe-uris", srv.URL+"/callback\n"+srv.URL+"/callback/\n"+localhost+"/callback\nhttps://api-eksempelbank.no/v1/callback")
	b.click("#probe-run")
	b.waitJS(`document.querySelectorAll('#probe-results tr[data-uri]').length === 4 && !document.querySelector('#probe-run').disabled`)
	verdicts := b.eval(`Array.from(document.querySelectorAll('#probe-results tr[data-uri]')).map(r => r.dataset.verdict).join(',')`)
	if verdicts != "accepted,refused,refused,accepted" {
		t.Fatalf("verdicts %s:\n%s", verdicts, b.text("#probe-results"))
	}
	md := b.eval(`document.querySelector('#probe-markdown').textContent`)
	for _, want := range []string{"| redirect_uri | registered | request |", "not registered", "client `authdebug-demo` at sandbox", "scope: `debt.unsecured.presentation`", "/sandbox/oauth2/auth", "The sandbox accepts"} {
		if !strings.Contains(md, want) {
			t.Fatalf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "NGI") {
		t.Errorf("the sandbox's answers are said to be NGI's:\n%s", md)
	}
	// A scope the client may not use: Hydra still answers at a registered
	// URI, which proves it registered, while the request is refused.
	b.input("#probe-uris", srv.URL+"/callback\n"+srv.URL+"/callback/")
	b.input("#probe-scope", "debt.unsecured.unknown")
	b.click("#probe-run")
	b.waitJS(`document.querySelectorAll('#probe-results tr[data-uri]').length === 2 && !document.querySelector('#probe-run').disabled`)
	registered := b.eval(`Array.from(document.querySelectorAll('#probe-results tr[data-uri]')).map(r => r.dataset.registered + '/' + r.dataset.verdict).join(',')`)
	if registered != "match/refused,mismatch/refused" {
		t.Fatalf("registered/verdict %s:\n%s", registered, b.text("#probe-results"))
	}
	// Preflights are in the history.
	b.waitJS(`document.querySelectorAll('#history tr[data-kind="preflight"]').length >= 6`)
	b.noConsoleErrors()
}
