package flow

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"authdebug/app/ngi"
)

// Rules that the tests of each file did not reach on their own; found by
// go run ./tools/mutate ./app/flow.

func TestRedirectURIWithSurroundingSpaces(t *testing.T) {
	if fs := CheckRedirectURI("https://bank.example/cb "); !hasFinding(fs, LevelError, "redirect_uri", "spaces before or after") {
		t.Errorf("%+v", fs)
	}
	if fs := CheckRedirectURI("https://bank.example/cb"); len(fs) != 0 {
		t.Errorf("a clean URI: %+v", fs)
	}
}

func TestParseBasicWithoutColon(t *testing.T) {
	if _, _, ok, err := ParseBasic("Bearer x"); ok || err != nil {
		t.Errorf("a Bearer header read as Basic: %v %v", ok, err)
	}
	noColon := "Basic " + base64.StdEncoding.EncodeToString([]byte("client-without-secret"))
	if _, _, ok, err := ParseBasic(noColon); !ok || err == nil || !strings.Contains(err.Error(), "no colon") {
		t.Errorf("no colon: %v %v", ok, err)
	}
	id, secret, ok, err := ParseBasic("Basic " + base64.StdEncoding.EncodeToString([]byte("a+b:c%3Ad")))
	if !ok || err != nil || id != "a b" || secret != "c:d" {
		t.Errorf("read %q %q %v %v", id, secret, ok, err)
	}
}

func TestCallbackReadingCorners(t *testing.T) {
	// The redirect URI's own query stays with the base; OAuth's parameters in the fragment.
	c := ReadCallback("https://bank.example/cb?tenant=1#code=c&state=s")
	if c.Mode != ngi.ResponseModeFragment || c.Code != "c" || c.ArrivedAt() != "https://bank.example/cb?tenant=1" {
		t.Errorf("fragment callback with a query: mode %s, code %q, arrived at %q", c.Mode, c.Code, c.ArrivedAt())
	}
	if c := ReadCallback("https://bank.example/cb#code=c&state=s"); c.ArrivedAt() != "https://bank.example/cb" {
		t.Errorf("arrived at %q", c.ArrivedAt())
	}
	if c := ReadCallback("https://bank.example/cb#foo=1"); !strings.Contains(c.Reason, "not an OAuth callback") {
		t.Errorf("a fragment without OAuth parameters: %q", c.Reason)
	}
	if c := ReadCallback("::not a url?code=x"); !strings.Contains(c.Reason, "should start like https://") {
		t.Errorf("a broken URL with parameters: %q", c.Reason)
	}
}

func TestCheckDiscoveryNamesEachDifference(t *testing.T) {
	env := ngi.Preprod()
	doc := `{"issuer":"https://access-preprod.norskgjeld.no","authorization_endpoint":"https://elsewhere.example/auth",
		"response_types_supported":["code","token"],"response_modes_supported":["query"],
		"grant_types_supported":["authorization_code","implicit"],"token_endpoint_auth_methods_supported":["client_secret_basic"]}`
	checks, err := CheckDiscovery([]byte(doc), env)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		ok      bool
		message string
	}{
		"issuer":                                {false, "differs by the trailing slash"},
		"authorization_endpoint":                {false, "differs"},
		"token_endpoint":                        {false, "missing"},
		"response_types_supported":              {false, "has also token"},
		"response_modes_supported":              {false, "lacks fragment"},
		"grant_types_supported":                 {false, "lacks client_credentials; has also implicit"},
		"token_endpoint_auth_methods_supported": {true, "as expected"},
	}
	seen := 0
	for _, c := range checks {
		w, ok := want[c.Field]
		if !ok {
			continue
		}
		seen++
		if c.OK != w.ok || c.Message != w.message {
			t.Errorf("%s: ok %v, %q; want %v, %q", c.Field, c.OK, c.Message, w.ok, w.message)
		}
	}
	if seen != len(want) || len(checks) != len(ngi.Expectations(env)) {
		t.Errorf("%d of %d fields checked, %d checks", seen, len(want), len(checks))
	}
	served, _ := CheckDiscovery([]byte(`{"issuer":"https://access-preprod.norskgjeld.no/"}`), env)
	if !served[0].OK || served[0].Message != "as expected" {
		t.Errorf("the right issuer: %+v", served[0])
	}
	if _, err := CheckDiscovery([]byte("<html>"), env); err == nil {
		t.Error("HTML read as a discovery document")
	}
}

func TestHasErrors(t *testing.T) {
	if HasErrors([]Finding{{Level: LevelWarning}, {Level: LevelInfo}}) || !HasErrors([]Finding{{Level: LevelWarning}, {Level: LevelError}}) {
		t.Error("HasErrors is wrong")
	}
}

func TestCheckStateWithoutState(t *testing.T) {
	now := time.Now()
	c := CheckState("", []PendingRequest{{State: "s", Created: now}}, now)
	if c.Result != MatchNo || !strings.Contains(c.Message, "carries no state") {
		t.Errorf("%+v", c)
	}
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "in the future", 42 * time.Second: "42 s", 5 * time.Minute: "5 min",
		26*time.Hour + 3*time.Minute: "26 h 3 min", 72 * time.Hour: "3 days",
	} {
		if got := Age(d); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestDiffRedirectCorners(t *testing.T) {
	d := DiffRedirect("https://bank.example/cb?tenant=2&code=x", "https://bank.example/cb?tenant=1")
	if d.Got != "https://bank.example/cb?tenant=2&code=x" || d.Got[:d.At] != "https://bank.example/cb?tenant=" {
		t.Errorf("the marker is not in the query: %q at %d", d.Got, d.At)
	}
	if d := DiffRedirect("https://u@bank.example/cb?code=x", "https://bank.example/cb"); !strings.Contains(strings.Join(d.Differences, " "), "User information") {
		t.Errorf("user info: %+v", d.Differences)
	}
	// A difference none of the named kinds explains (a URL parser lowers the
	// scheme's case) is still reported, by where it starts.
	if d := DiffRedirect("HTTPS://bank.example/cb?code=x", "https://bank.example/cb"); d.Equal || strings.Join(d.Differences, "") != "They differ from character 1 on." {
		t.Errorf("unexplained difference: %+v", d)
	}
}

func TestHeaderValueIgnoresCase(t *testing.T) {
	hs := []Header{{Name: "X-Other", Value: "1"}, {Name: "content-type", Value: "application/json"}}
	if HeaderValue(hs, "Content-Type") != "application/json" || HeaderValue(hs, "Missing") != "" {
		t.Error("HeaderValue is wrong")
	}
}

func TestScopeOrderFindingSuggestsTheFix(t *testing.T) {
	s := ParseScope("openid debt.unsecured.presentation")
	if !hasFinding(s.Findings, LevelError, "scope", `write "debt.unsecured.presentation openid"`) {
		t.Errorf("%+v", s.Findings)
	}
}

func TestCompareScopeSets(t *testing.T) {
	if f := CompareScopeSets("a b", "b a"); f.Level != LevelInfo || !strings.Contains(f.Message, "as asked") {
		t.Errorf("same set: %+v", f)
	}
	if f := CompareScopeSets("a b", "a"); f.Level != LevelWarning || !strings.Contains(f.Message, "Not granted: b") {
		t.Errorf("missing: %+v", f)
	}
	if f := CompareScopeSets("a", "a b"); f.Level != LevelInfo || !strings.Contains(f.Message, "more than asked: b") {
		t.Errorf("extra: %+v", f)
	}
}

func TestCodeFormSendsTheVerifierOnlyWhenThereIsOne(t *testing.T) {
	if f := CodeForm("c", CodeExchange{Code: "x"}); f["code_verifier"] != "" || len(f) != 4 {
		t.Errorf("without verifier: %v", f)
	}
	if f := CodeForm("c", CodeExchange{Code: "x", Verifier: "v"}); f["code_verifier"] != "v" {
		t.Errorf("with verifier: %v", f)
	}
	if _, has := CodeForm("c", CodeExchange{Code: "x"})["code_verifier"]; has {
		t.Error("an empty code_verifier field is sent")
	}
}

// Hydra's wildcard scope strategy, as hydra.md measured it with NGI's
// registration (debt.unsecured.presentation.* and friends).
func TestScopeAllowed(t *testing.T) {
	registered := []string{"openid", "debt.unsecured.presentation", "debt.unsecured.presentation.*", "consent.create"}
	for scope, want := range map[string]bool{
		"openid": true, "debt.unsecured.presentation": true, "debt.unsecured.presentation.14": true,
		"debt.unsecured.presentation.14.x": true, "debt.unsecured.presentation.": false,
		"debt.unsecured.processing": false, "debt.unsecured": false, "consent.create.x": false, "admin": false,
	} {
		if got := ScopeAllowed(registered, scope); got != want {
			t.Errorf("ScopeAllowed(%q) = %v", scope, got)
		}
	}
	if ScopeAllowed([]string{"a.*"}, "a") {
		t.Error("a.* covers a")
	}
}

// Hydra matches redirect URIs exactly, but on a loopback IP any port.
func TestRedirectMatch(t *testing.T) {
	registered := []string{"https://bank.example/cb", "http://127.0.0.1:8000/callback", "http://[::1]:9/cb", "http://localhost:8000/cb"}
	for requested, want := range map[string]string{
		"https://bank.example/cb":          "https://bank.example/cb",
		"https://bank.example/cb/":         "",
		"https://bank.example:443/cb":      "",
		"http://127.0.0.1:49152/callback":  "http://127.0.0.1:8000/callback",
		"http://127.0.0.1/callback":        "http://127.0.0.1:8000/callback",
		"http://127.0.0.1:49152/other":     "",
		"http://[::1]:1234/cb":             "http://[::1]:9/cb",
		"http://localhost:9000/cb":         "",
		"https://127.0.0.1:8000/callback":  "",
		"http://127.0.0.1:8000/callback?x": "",
	} {
		got, ok := RedirectMatch(registered, requested)
		if got != want || ok != (want != "") {
			t.Errorf("RedirectMatch(%q) = %q %v, want %q", requested, got, ok, want)
		}
	}
}

func TestStateShorterThanHydraAllowsIsAnError(t *testing.T) {
	r := AuthRequest{ClientID: "c", RedirectURI: "https://bank.example/cb", Scope: "debt.unsecured.presentation", State: "1234567"}
	if fs := CheckAuthorize(r, ngi.Preprod()); !hasFinding(fs, LevelError, "state", "invalid_state") {
		t.Errorf("7 characters: %+v", fs)
	}
	r.State = "12345678"
	if fs := CheckAuthorize(r, ngi.Preprod()); hasFinding(fs, LevelError, "state", "") || !hasFinding(fs, LevelWarning, "state", "short") {
		t.Errorf("8 characters: %+v", fs)
	}
}

func TestParseBasicTakesTheSchemeInAnyCase(t *testing.T) {
	id, _, ok, err := ParseBasic("basic " + base64.StdEncoding.EncodeToString([]byte("c:s")))
	if !ok || err != nil || id != "c" {
		t.Errorf("lower-case basic: %q %v %v", id, ok, err)
	}
}

// The marker covers the difference only, not everything after it.
func TestRedirectDiffMarksOnlyTheDifference(t *testing.T) {
	d := DiffRedirect("https://bank.example/v2/callback?code=x", "https://bank.example/v1/callback")
	g, w := d.MarkedEnds()
	if d.Got[d.At:g] != "2" || d.Want[d.At:w] != "1" {
		t.Errorf("marked %q / %q", d.Got[d.At:g], d.Want[d.At:w])
	}
	d = DiffRedirect("https://bank.example/cb/?code=x", "https://bank.example/cb")
	if g, w := d.MarkedEnds(); d.Got[d.At:g] != "/" || w != len(d.Want) {
		t.Errorf("trailing slash marked %q, want end %d", d.Got[d.At:g], w)
	}
	d = DiffRedirect("https://bank.example/søk?code=x", "https://bank.example/sæk")
	if g, w := d.MarkedEnds(); d.Got[d.At:g] != "ø" || d.Want[d.At:w] != "æ" {
		t.Errorf("marked %q / %q", d.Got[d.At:g], d.Want[d.At:w])
	}
	if g, w := DiffRedirect("https://a.example/cb?code=x", "https://a.example/cb").MarkedEnds(); g != -1 || w != -1 {
		t.Error("equal URIs have a marker")
	}
}

func TestSplitURIs(t *testing.T) {
	got := SplitURIs(" https://a.example/cb,https://b.example/cb\nhttps://c.example/cb  https://d.example/cb\r\n,")
	if len(got) != 4 || got[0] != "https://a.example/cb" || got[3] != "https://d.example/cb" {
		t.Errorf("%q", got)
	}
}
