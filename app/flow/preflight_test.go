package flow

import (
	"strings"
	"testing"
)

func TestReadPreflight(t *testing.T) {
	const auth = "https://access-preprod.norskgjeld.no/oauth2/auth"
	for _, tt := range []struct {
		name, redirect, location string
		status                   int
		verdict, err, where      string
		reason                   string
	}{
		{"accepted", "https://bank.example/cb", "https://access-preprod.norskgjeld.no/login?login_challenge=abc", 302, PreflightAccepted, "", "", ""},
		{"error page, current Hydra", "https://bank.example/cb/", "/oauth2/fallbacks/error?error=invalid_request&error_description=The+request+is+missing+a+required+parameter%2C+includes+an+invalid+parameter+value%2C+includes+a+parameter+more+than+once%2C+or+is+otherwise+malformed.+The+%27redirect_uri%27+parameter+does+not+match+any+of+the+OAuth+2.0+Client%27s+pre-registered+redirect+urls.",
			302, PreflightRefused, "invalid_request", "error_page", "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls."},
		{"the client's redirect_uri, Hydra 1.x", "https://bank.example/cb?tenant=1", "https://bank.example/cb?tenant=1&error=invalid_state&error_description=The+state+is+missing+or+does+not+have+enough+characters+and+is+therefore+considered+too+weak.&error_hint=Request+parameter+%27state%27+must+be+at+least+be+8+characters+long+to+ensure+sufficient+entropy.&state=1234567",
			303, PreflightRefused, "invalid_state", "redirect_uri", "Request parameter 'state' must be at least be 8 characters long to ensure sufficient entropy."},
		{"fragment", "https://bank.example/cb", "https://bank.example/cb#error=login_required&state=s1s2s3s4s5", 302, PreflightRefused, "login_required", "redirect_uri", ""},
		{"a page", "https://bank.example/cb", "", 200, PreflightUnclear, "", "", ""},
		{"elsewhere", "https://bank.example/cb", "https://other.example/", 302, PreflightUnclear, "", "", ""},
	} {
		p := ReadPreflight(auth, tt.redirect, tt.status, tt.location)
		if p.Verdict != tt.verdict || p.Error != tt.err || p.Where != tt.where || p.Reason != tt.reason {
			t.Errorf("%s: %+v", tt.name, p)
		}
	}
}

func TestReadPreflightCorners(t *testing.T) {
	const auth = "https://access-preprod.norskgjeld.no/oauth2/auth"
	// A Location on an answer that is no redirect is not read as one.
	if p := ReadPreflight(auth, "https://bank.example/cb", 200, "/login?login_challenge=x"); p.Verdict != PreflightUnclear {
		t.Errorf("200 with a Location: %+v", p)
	}
	// The client's redirect_uri with its own query: the error went back to the client.
	if p := ReadPreflight(auth, "https://bank.example/cb?t=1", 302, "https://bank.example/cb?t=1&error=invalid_scope"); p.Where != "redirect_uri" {
		t.Errorf("%+v", p)
	}
	// Another page of the same host is Hydra's error page, not the client.
	if p := ReadPreflight(auth, "https://bank.example/cb", 302, "https://bank.example/other?error=invalid_request"); p.Where != "error_page" {
		t.Errorf("%+v", p)
	}
}

// Hydra's redirect to a URI proves it registered, whatever the request's
// other faults: a scope the client may not use does not make it "refused".
func TestPreflightRegisteredApartFromAccepted(t *testing.T) {
	const auth = "https://access-preprod.norskgjeld.no/oauth2/auth"
	scope := ReadPreflight(auth, "https://bank.example/cb", 302, "https://bank.example/cb?error=invalid_scope&error_description=The+requested+scope+is+invalid%2C+unknown%2C+or+malformed.+The+OAuth+2.0+Client+is+not+allowed+to+request+scope+%27x%27.&state=s1s2s3s4")
	if scope.Verdict != PreflightRefused || scope.Registered() != MatchYes {
		t.Errorf("invalid_scope at the redirect_uri: %s, registered %s", scope.Verdict, scope.Registered())
	}
	unregistered := ReadPreflight(auth, "https://bank.example/cb/", 302, "/oauth2/fallbacks/error?error=invalid_request&error_description=The+request+is+missing+a+required+parameter%2C+includes+an+invalid+parameter+value%2C+includes+a+parameter+more+than+once%2C+or+is+otherwise+malformed.+The+%27redirect_uri%27+parameter+does+not+match+any+of+the+OAuth+2.0+Client%27s+pre-registered+redirect+urls.")
	if unregistered.Registered() != MatchNo {
		t.Errorf("an unregistered URI: %s", unregistered.Registered())
	}
	unknownClient := ReadPreflight(auth, "https://bank.example/cb", 302, "/oauth2/fallbacks/error?error=invalid_client&error_description=x")
	if unknownClient.Registered() != MatchUnknown {
		t.Errorf("an unknown client: %s", unknownClient.Registered())
	}
	if !AnyPortOnly("http://127.0.0.1:49152/cb") || AnyPortOnly("https://bank.example:8443/cb") || AnyPortOnly("http://127.0.0.1/cb") {
		t.Error("AnyPortOnly")
	}
}

// The words the page and authdebug check both use for a preflight.
func TestPreflightInWords(t *testing.T) {
	accepted := Preflight{Verdict: PreflightAccepted}
	unregistered := Preflight{Verdict: PreflightRefused, Where: "error_page", Error: "invalid_request", Reason: "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls."}
	scope := Preflight{Verdict: PreflightRefused, Where: "redirect_uri", Error: "invalid_scope", Reason: "The OAuth 2.0 Client is not allowed to request scope 'x'."}
	for _, tt := range []struct{ got, want string }{
		{accepted.Sentence("https://b/cb", "c", "the sandbox", 302), "The sandbox accepts this request"},
		{accepted.RegisteredText("https://b/cb", "NGI"), "registered (NGI answered at it)"},
		{accepted.RegisteredText("http://127.0.0.1:4000/cb", "NGI"), "perhaps on another port"},
		{accepted.AcceptedText(), "accepted"},
		{unregistered.Sentence("https://b/cb/", "bank", "NGI", 302), "The redirect_uri https://b/cb/ is not registered for client bank."},
		{unregistered.RegisteredText("https://b/cb/", "NGI"), "not registered"},
		{scope.Sentence("https://b/cb", "bank", "NGI", 302), "so it is registered; the request itself is refused (invalid_scope)"},
		{scope.AcceptedText(), "refused: invalid_scope"},
		{Preflight{Verdict: PreflightUnclear}.Sentence("", "", "NGI", 200), "HTTP 200"},
		{Preflight{Verdict: PreflightUnclear}.RegisteredText("", "NGI"), "not known"},
	} {
		if !strings.Contains(tt.got, tt.want) {
			t.Errorf("%q lacks %q", tt.got, tt.want)
		}
	}
}
