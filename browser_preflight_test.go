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
	if md := b.eval(`document.querySelector('#probe-markdown').textContent`); !strings.Contains(md, "| redirect_uri | verdict | error |") || !strings.Contains(md, "not registered") {
		t.Fatalf("markdown:\n%s", md)
	}
	b.noConsoleErrors()
}
