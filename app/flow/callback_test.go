package flow

import (
	"authdebug/app/ngi"
	"net/url"
	"strings"
	"testing"
)

const (
	seedSuccess = "https://api-eksempelbank.no/v1/callback?code=wi-w8zIdwwBHggkHhSjR24wH8pN6MDqxdObTBDuzaZo.sciTzz9qgwMlGBZ6X0jYIDyib8MupoIp5gbIJBxnTCs&scope=debt.unsecured.presentation&state=thisShouldBeARandomValue"
	seedError   = "https://api-eksempelbank.no/v1/callback?error=consent_denied&error_description=&state=thisShouldBeARandomValue"
)

func TestCallbackSeedSuccess(t *testing.T) {
	c := ReadCallback(seedSuccess)
	if c.Outcome != OutcomeSuccess || c.Code != "wi-w8zIdwwBHggkHhSjR24wH8pN6MDqxdObTBDuzaZo.sciTzz9qgwMlGBZ6X0jYIDyib8MupoIp5gbIJBxnTCs" ||
		c.Scope != "debt.unsecured.presentation" || c.State != "thisShouldBeARandomValue" ||
		c.Base != "https://api-eksempelbank.no/v1/callback" || c.Mode != "query" || len(c.Params) != 3 {
		t.Fatalf("reading = %+v", c)
	}
}

func TestCallbackSeedError(t *testing.T) {
	c := ReadCallback(seedError)
	if c.Outcome != OutcomeError || c.Error != "consent_denied" || c.ErrorDescription != "" || c.State != "thisShouldBeARandomValue" {
		t.Fatalf("reading = %+v", c)
	}
}

func TestCallbackReadings(t *testing.T) {
	tests := []struct {
		name, raw string
		outcome   Outcome
		phrase    string // of the reason, for invalid
		check     func(Callback) bool
	}{
		{"fragment mode", "https://app.example/cb#code=abc&state=s", OutcomeSuccess, "", func(c Callback) bool { return c.Mode == "fragment" && c.Code == "abc" }},
		{"hydra hint and debug", "https://app.example/cb?error=invalid_request&error_description=bad&error_hint=The+state+is+missing&error_debug=x&state=s", OutcomeError, "",
			func(c Callback) bool {
				return c.ErrorHint == "The state is missing" && c.ErrorDebug == "x" && c.ErrorDescription == "bad"
			}},
		{"other params kept", "https://app.example/cb?code=a&state=s&iss=https%3A%2F%2Fi%2F&extra=1", OutcomeSuccess, "", func(c Callback) bool { return len(c.Params) == 4 && c.Iss == "https://i/" }},
		{"params only", "?code=a&state=s", OutcomeSuccess, "", func(c Callback) bool { return c.Base == "" && len(c.Findings) == 1 }},
		{"bare params", "code=a&state=s", OutcomeSuccess, "", func(c Callback) bool { return c.Base == "" }},
		{"no state", "https://app.example/cb?code=a", OutcomeSuccess, "", func(c Callback) bool { return len(c.Findings) == 1 && c.Findings[0].Field == "state" }},
		{"surrounding spaces", "  " + seedSuccess + "\n", OutcomeSuccess, "", nil},
		{"html escaped", strings.ReplaceAll(seedSuccess, "&", "&amp;"), OutcomeSuccess, "", func(c Callback) bool {
			return c.State == "thisShouldBeARandomValue" && len(c.Findings) == 1 && strings.Contains(c.Findings[0].Message, "&amp;")
		}},
		{"wrapped", seedSuccess[:60] + "\n  " + seedSuccess[60:], OutcomeSuccess, "", func(c Callback) bool {
			return c.Code == "wi-w8zIdwwBHggkHhSjR24wH8pN6MDqxdObTBDuzaZo.sciTzz9qgwMlGBZ6X0jYIDyib8MupoIp5gbIJBxnTCs" && len(c.Findings) == 1
		}},
		{"spaces a log printed decoded", "https://app.example/cb?error=access_denied&error_description=The user denied\tit&state=s", OutcomeError, "", func(c Callback) bool {
			return c.ErrorDescription == "The user denied\tit" && len(c.Findings) == 1 && strings.Contains(c.Findings[0].Message, "%20")
		}},
		{"wrapped inside a value with words", "https://app.example/cb?error=access_denied&error_description=The user\n   denied it&state=s", OutcomeError, "", func(c Callback) bool {
			return c.ErrorDescription == "The userdenied it" && len(c.Findings) == 2
		}},
		{"empty", "", OutcomeInvalid, "Nothing to read", nil},
		{"not a url", "hello", OutcomeInvalid, "not a URL", nil},
		{"no scheme", "app.example/cb?code=a", OutcomeInvalid, "not a URL", nil},
		{"no params", "https://app.example/cb", OutcomeInvalid, "no parameters", nil},
		{"both code and error", "https://app.example/cb?code=a&error=server_error&state=s", OutcomeInvalid, "Both code and error", nil},
		{"param twice", "https://app.example/cb?code=a&state=s&state=t", OutcomeInvalid, `"state" is given twice`, nil},
		{"empty code", "https://app.example/cb?code=&state=s", OutcomeInvalid, "code parameter is empty", nil},
		{"empty error", "https://app.example/cb?error=&state=s", OutcomeInvalid, "error parameter is empty", nil},
		{"neither", "https://app.example/cb?foo=bar", OutcomeInvalid, "Neither code nor error", nil},
		{"bad escape", "https://app.example/cb?code=%zz&state=s", OutcomeInvalid, "percent-encoding", nil},
		{"query and fragment", "https://app.example/cb?code=a&state=s#code=b&state=s", OutcomeInvalid, "both the query", nil},
		{"bad host", "https://[::1/cb?code=a", OutcomeInvalid, "not a URL", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ReadCallback(tt.raw)
			if c.Outcome != tt.outcome {
				t.Fatalf("outcome %s, want %s (%+v)", c.Outcome, tt.outcome, c)
			}
			if tt.phrase != "" && !strings.Contains(c.Reason, tt.phrase) {
				t.Errorf("reason %q lacks %q", c.Reason, tt.phrase)
			}
			if tt.check != nil && !tt.check(c) {
				t.Errorf("reading = %+v", c)
			}
		})
	}
}

// FuzzReadCallback: anything pasted gets an answer, never a panic, and the
// answer is consistent with itself.
func FuzzReadCallback(f *testing.F) {
	for _, s := range []string{seedSuccess, seedError, "", "?", "#", "code=&state=", "https://x/cb#code=a", "https://x?code=a&code=b",
		"https://[::1]:80/cb?error=x", "%", "http://a b/?code=1", "https://x/cb?code=a&error=b", "?code=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c := ReadCallback(raw)
		switch c.Outcome {
		case OutcomeSuccess:
			if c.Code == "" || c.Error != "" {
				t.Fatalf("success without a code or with an error: %+v", c)
			}
		case OutcomeError:
			if c.Error == "" || c.Code != "" {
				t.Fatalf("error without an error code: %+v", c)
			}
		case OutcomeInvalid:
			if c.Reason == "" {
				t.Fatal("invalid without a reason")
			}
		default:
			t.Fatalf("no outcome for %q", raw)
		}
	})
}

// error_uri is RFC 6749's pointer to a page about the error; the page links
// it only when it is https.
func TestCallbackErrorURI(t *testing.T) {
	c := ReadCallback("https://bank.example/cb?error=access_denied&error_uri=https%3A%2F%2Fdocs.example%2Ferr&state=s")
	if c.ErrorURI != "https://docs.example/err" || c.OAuthError().URI != c.ErrorURI {
		t.Errorf("error_uri read as %q", c.ErrorURI)
	}
	for uri, want := range map[string]bool{
		"https://docs.example/err": true, "http://docs.example/err": false, "javascript:alert(1)": false,
		"https://": false, "https://user@docs.example/": false, "//docs.example/err": false,
	} {
		if IsHTTPS(uri) != want {
			t.Errorf("IsHTTPS(%q) = %v", uri, !want)
		}
	}
}

// A log line holding the callback: the URL inside is read, not the line.
func TestCallbackFromALogLine(t *testing.T) {
	c := ReadCallback(`2026-11-26T10:00:00Z INFO redirect to "https://bank.example/v1/callback?code=abc&state=s1s2s3s4s5" took 3ms`)
	if c.Outcome != OutcomeSuccess || c.Code != "abc" || c.Base != "https://bank.example/v1/callback" || !strings.Contains(c.Findings[0].Message, "found inside") {
		t.Errorf("full URL in a log line: %+v", c)
	}
	c = ReadCallback("2026-11-26T10:00:00Z INFO GET /v1/callback?error=consent_denied&state=s1s2s3s4s5 HTTP/1.1 302")
	if c.Outcome != OutcomeError || c.Error != "consent_denied" || c.Base != "" || !strings.Contains(c.Findings[0].Message, "Only the path /v1/callback") {
		t.Errorf("path in a log line: %+v", c)
	}
}

// A form_post callback that the tool's server passed on in the fragment.
func TestCallbackByFormPost(t *testing.T) {
	c := ReadCallback("http://127.0.0.1:8000/callback#code=abc&state=s1s2s3s4s5&" + FormPostMarker + "=form_post")
	if c.Outcome != OutcomeSuccess || c.Mode != ngi.ResponseModeFormPost || len(c.Params) != 2 {
		t.Errorf("%+v", c)
	}
	if fs := CheckCallbackAgainstRequest(c, PendingRequest{ResponseMode: ngi.ResponseModeFormPost}); len(fs) != 1 || fs[0].Field != "scope" {
		t.Errorf("asked and came by form_post: %+v", fs)
	}
	if fs := CheckCallbackAgainstRequest(c, PendingRequest{}); !hasFinding(fs, LevelWarning, "response_mode", "asked for response_mode=query, but the parameters came by form_post") {
		t.Errorf("asked query: %+v", fs)
	}
}

// The shapes people paste: a URL in a sentence, in quotes, in a Go or JSON
// log line, percent-encoded whole inside another URL. Each reads as the
// callback it holds, says what was left out or undone, and never shows a
// library's error text.
func TestCallbackInThePastedShapes(t *testing.T) {
	const want = "https://bank.example/v1/callback"
	const state = "GYTKa1b2c3d4"
	tests := []struct {
		name, raw string
		said      string // in a finding: what was trimmed or undone
	}{
		{"end of a sentence", "Redirected to " + want + "?code=abc&state=" + state + ".", `"."`},
		{"sentence, no prose before", want + "?code=abc&state=" + state + ".", `"."`},
		{"in parentheses", "(see " + want + "?code=abc&state=" + state + ")", `")"`},
		{"in angle brackets", "<" + want + "?code=abc&state=" + state + ">", `">"`},
		{"quoted with a comma", `"` + want + "?code=abc&state=" + state + `",`, `",`},
		{"single-quoted with a semicolon", `'` + want + "?code=abc&state=" + state + `';`, `';`},
		{"a Go JSON log line", `{"level":"INFO","msg":"callback","url":"https:\/\/bank.example\/v1\/callback?code=abc\u0026state=` + state + `"}`, `\u0026`},
		{"a JSON log line with spaces", `{"level": "INFO", "url": "https://bank.example/v1/callback?code=abc\u0026state=` + state + `", "took": 3}`, `\u0026`},
		{"percent-encoded whole", url.QueryEscape(want + "?code=abc&state=" + state), "percent-encoded"},
		{"inside a returnUrl", "https://login.bank.example/sso?returnUrl=" + url.QueryEscape(want+"?code=abc&state="+state) + "&lang=nb", "percent-encoded"},
		{"comma after, in prose", "the app got " + want + "?code=abc&state=" + state + ", then failed", `","`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ReadCallback(tt.raw)
			if c.Outcome != OutcomeSuccess || c.Code != "abc" || c.State != state || c.Base != want {
				t.Fatalf("read as %s %q: code %q state %q base %q", c.Outcome, c.Reason, c.Code, c.State, c.Base)
			}
			said := false
			for _, f := range c.Findings {
				said = said || strings.Contains(f.Message, tt.said)
			}
			if !said {
				t.Errorf("no finding says %s: %+v", tt.said, c.Findings)
			}
		})
	}
	// Brackets that close inside the URL are its own.
	if c := ReadCallback(want + "?code=abc&state=(x)"); c.State != "(x)" {
		t.Errorf("a state with balanced brackets: %q", c.State)
	}
	// A callback with a URL percent-encoded in a parameter of its own is
	// read as itself, not as that URL.
	if c := ReadCallback(want + "?code=real&state=" + state + "&next=" + url.QueryEscape("https://other.example/cb?code=other")); c.Code != "real" {
		t.Errorf("read the URL inside a parameter: code %q", c.Code)
	}
	// A value may end in a dot inside a URL; only what follows the URL is trimmed.
	if c := ReadCallback(want + "?state=" + state + "&code=a.b"); c.Code != "a.b" {
		t.Errorf("a code with a dot inside: %q", c.Code)
	}
	// Go's parse errors are never the verdict.
	for _, raw := range []string{`"https:\/\/bank.example\/cb?code=a"`, "ht!tp://bank example/cb?code=a", "https://[::1/cb?code=a", "1http://x/cb?code=a"} {
		c := ReadCallback(raw)
		for _, lib := range []string{"first path segment", "missing ']'", "invalid character", "parse "} {
			if strings.Contains(c.Reason, lib) {
				t.Errorf("%q: the reason shows Go's error: %q", raw, c.Reason)
			}
		}
	}
}

// Hydra's own error page is not a callback: Hydra would not send the
// browser back to the app at all.
func TestCallbackAtHydrasErrorPage(t *testing.T) {
	c := ReadCallback("https://auth-preprod.ngi.no/oauth2/fallbacks/error?error=invalid_client&error_description=Client+authentication+failed+%28e.g.%2C+unknown+client%2C+no+client+authentication+included%2C+or+unsupported+authentication+method%29.+The+requested+OAuth+2.0+Client+does+not+exist.")
	if c.Outcome != OutcomeError || c.Channel != ChannelErrorPage {
		t.Fatalf("read as %s on channel %q", c.Outcome, c.Channel)
	}
	for _, f := range c.Findings {
		if f.Field == "state" {
			t.Errorf("the error page is told it lacks a state: %s", f.Message)
		}
	}
	if !hasFinding(c.Findings, LevelError, "redirect_uri", "never sent the browser back") {
		t.Errorf("the finding does not say NGI refused to redirect: %+v", c.Findings)
	}
	next := c.NextStep()
	if !strings.Contains(next, "environment") || strings.Contains(next, "Basic") || strings.Contains(next, "secret") {
		t.Errorf("advice for an unknown client at the error page: %q", next)
	}
	c = ReadCallback("https://auth.ngi.no/oauth2/fallbacks/error?error=invalid_request&error_description=The+request+is+missing+a+required+parameter%2C+includes+an+invalid+parameter+value%2C+includes+a+parameter+more+than+once%2C+or+is+otherwise+malformed.+The+%27redirect_uri%27+parameter+does+not+match+any+of+the+OAuth+2.0+Client%27s+pre-registered+redirect+urls.")
	if c.Channel != ChannelErrorPage || !strings.Contains(c.NextStep(), "Which redirect URIs are registered?") {
		t.Errorf("an unregistered redirect_uri at the error page: %q %q", c.Channel, c.NextStep())
	}
	if c := ReadCallback(seedError); c.Channel != ChannelRedirect {
		t.Errorf("a callback to the app is on channel %q", c.Channel)
	}
}

// Old fosite ends the generic sentence without a period and sends the
// reason as error_hint: the reason still comes first.
func TestHydra1ReasonComesFirst(t *testing.T) {
	e := OAuthError{Error: "invalid_request", Description: strings.TrimSuffix(ngi.GenericDescription("invalid_request"), "."), Hint: "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls."}
	reason, generic := e.Reason()
	if reason != e.Hint || generic != e.Description {
		t.Errorf("reason %q, generic %q", reason, generic)
	}
	// A hint wins over a description that is not the generic sentence, too.
	e = OAuthError{Error: "invalid_scope", Description: "The requested scope is invalid, unknown, or malformed", Hint: "The OAuth 2.0 Client is not allowed to request scope 'x'."}
	if reason, _ := e.Reason(); reason != e.Hint {
		t.Errorf("reason %q", reason)
	}
}

// A callback at a URI that is not registered cannot have come from Hydra.
func TestCallbackAtAnUnregisteredURI(t *testing.T) {
	c := ReadCallback("https://bank.example/cb/?code=abc&state=s1s2s3s4")
	rc := CheckRegistered(c, []string{"https://bank.example/cb", "https://bank.example/other"})
	if rc.Result != MatchNo || !hasFinding(rc.Findings, LevelError, "redirect_uri", "cannot have come from NGI") {
		t.Errorf("unregistered: %+v", rc)
	}
	if rc := CheckRegistered(c, []string{"https://bank.example/cb/"}); rc.Result != MatchYes || len(rc.Findings) != 0 {
		t.Errorf("registered: %+v", rc)
	}
	if fs := CheckCallbackAgainstRequest(c, PendingRequest{RedirectURI: "https://bank.example/cb", Scope: "openid"}); !hasFinding(fs, LevelError, "redirect_uri", "arrived at another URI than its request's") {
		t.Errorf("arrived elsewhere than the request's redirect_uri: %+v", fs)
	}
	loop := ReadCallback("http://127.0.0.1:49152/callback?code=abc&state=s1s2s3s4")
	if rc := CheckRegistered(loop, []string{"http://127.0.0.1:8000/callback"}); rc.Result != MatchYes || !rc.AnyPort[0] || rc.Diffs[0].Equal {
		t.Errorf("loopback on another port: %+v", rc)
	}
}

// RFC 9207's iss, where it comes, is the environment's issuer.
func TestCallbackIssuerIsTheEnvironments(t *testing.T) {
	env := ngi.Environment{Label: "NGI preprod", Issuer: "https://access-preprod.norskgjeld.no/"}
	c := ReadCallback("https://bank.example/cb?code=a&state=s1s2s3s4&iss=" + url.QueryEscape("https://access.norskgjeld.no/"))
	if fs := CheckIssuer(c, env); !hasFinding(fs, LevelError, "iss", "another authorization server") {
		t.Errorf("another issuer: %+v", fs)
	}
	c = ReadCallback("https://bank.example/cb?code=a&state=s1s2s3s4&iss=" + url.QueryEscape("https://access-preprod.norskgjeld.no"))
	if fs := CheckIssuer(c, env); HasErrors(fs) {
		t.Errorf("the same issuer: %+v", fs)
	}
	if fs := CheckIssuer(ReadCallback(seedSuccess), env); fs != nil {
		t.Errorf("no iss: %+v", fs)
	}
}

// Each way of not being a URL says which, in the page's own words.
func TestCallbackNotAURLSaysWhy(t *testing.T) {
	for raw, want := range map[string]string{
		"hello":                  "a callback looks like",
		"app.example/cb?code=a":  "no scheme and host",
		"https://[::1/cb?code=a": "cannot be read",
	} {
		if c := ReadCallback(raw); !strings.Contains(c.Reason, want) {
			t.Errorf("%q: %q lacks %q", raw, c.Reason, want)
		}
	}
	// What was left out before the URL is said too.
	c := ReadCallback("(https://bank.example/cb?code=a&state=s1s2s3s4)")
	if !strings.Contains(findingsText(c.Findings), `"(" before it and ")" after it`) {
		t.Errorf("the prose before the URL is not said: %+v", c.Findings)
	}
	// A plain URL is not said to have had JSON escapes.
	if c := ReadCallback(seedSuccess); len(c.Findings) != 0 {
		t.Errorf("a plain callback has findings: %+v", c.Findings)
	}
	// A callback to the app gets the error code's own advice, not the error page's.
	if c := ReadCallback(seedError); c.NextStep() != ngi.NextStep("consent_denied", "") {
		t.Errorf("advice %q", c.NextStep())
	}
	// Without registered URIs, or at the error page, nothing is compared.
	if rc := CheckRegistered(ReadCallback(seedSuccess), nil); rc.Result != MatchUnknown || len(rc.Findings) != 0 {
		t.Errorf("no registered list: %+v", rc)
	}
	if rc := CheckRegistered(ReadCallback("https://auth.example/oauth2/fallbacks/error?error=invalid_client"), []string{"https://bank.example/cb"}); rc.Result != MatchUnknown {
		t.Errorf("the error page: %+v", rc)
	}
}

func findingsText(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Message + "\n")
	}
	return b.String()
}
