package flow

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"authdebug/app/ngi"
)

// hasFinding reports whether a finding of that level names that field and says phrase.
func hasFinding(fs []Finding, level Level, field, phrase string) bool {
	for _, f := range fs {
		if f.Level == level && f.Field == field && strings.Contains(f.Message, phrase) {
			return true
		}
	}
	return false
}

func TestCheckCodeExchange(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	pending := &PendingRequest{RedirectURI: "https://bank.example/cb", Verifier: "v"}
	good := CodeExchange{Code: "c", RedirectURI: "https://bank.example/cb", Verifier: "v", Pending: pending, ReceivedAt: now.Add(-time.Minute)}
	if fs := CheckCodeExchange(good, now); len(fs) != 0 {
		t.Fatalf("a good exchange has findings: %+v", fs)
	}
	for _, tt := range []struct {
		name          string
		change        func(*CodeExchange)
		level         Level
		field, phrase string
	}{
		{"no code", func(x *CodeExchange) { x.Code = "" }, LevelError, "code", "No code"},
		{"no redirect_uri", func(x *CodeExchange) { x.RedirectURI = "" }, LevelError, "redirect_uri", "No redirect_uri"},
		{"another redirect_uri", func(x *CodeExchange) { x.RedirectURI = "https://bank.example/cb/" }, LevelWarning, "redirect_uri", "differs from the authorize request"},
		{"no verifier after a challenge", func(x *CodeExchange) { x.Verifier = "" }, LevelWarning, "code_verifier", "PKCE challenge"},
		{"used up", func(x *CodeExchange) { x.Spent = true }, LevelWarning, "code", "used up"},
		{"too old", func(x *CodeExchange) { x.ReceivedAt = now.Add(-ngi.CodeLifetime - time.Second) }, LevelWarning, "code", "has expired"},
		// The sandbox's codes may live shorter than Hydra's default (-sandbox-code-lifetime).
		{"older than the environment's lifetime", func(x *CodeExchange) { x.Lifetime, x.ReceivedAt = 30*time.Second, now.Add(-time.Minute) }, LevelWarning, "code", "live 30 s"},
	} {
		x := good
		tt.change(&x)
		if fs := CheckCodeExchange(x, now); !hasFinding(fs, tt.level, tt.field, tt.phrase) {
			t.Errorf("%s: %+v", tt.name, fs)
		}
	}
	// Without a pending request, nothing is compared; a code not yet old is fine.
	x := good
	x.Pending, x.RedirectURI, x.Verifier, x.ReceivedAt = nil, "https://elsewhere.example/cb", "", now.Add(-ngi.CodeLifetime+time.Second)
	if fs := CheckCodeExchange(x, now); len(fs) != 0 {
		t.Errorf("without a pending request: %+v", fs)
	}
}

func TestCheckClientAuth(t *testing.T) {
	if fs := CheckClientAuth("c", "s"); len(fs) != 0 {
		t.Errorf("id and secret: %+v", fs)
	}
	if fs := CheckClientAuth("", "s"); !hasFinding(fs, LevelError, "client_id", "No client id") {
		t.Errorf("no id: %+v", fs)
	}
	if fs := CheckClientAuth("c", ""); !hasFinding(fs, LevelError, "client_secret", "No client secret") {
		t.Errorf("no secret: %+v", fs)
	}
}

func TestCheckClientCredentials(t *testing.T) {
	preprod, prod := ngi.Preprod(), ngi.Prod()
	custom := ngi.Hydra("staging", "staging", "https://auth.staging.example/")
	prodAudience := prod.Services[0].Audience
	for _, tt := range []struct {
		name            string
		env             ngi.Environment
		audience, scope string
		level           Level
		field, phrase   string
	}{
		{"no audience", preprod, " ", "s", LevelWarning, "audience", "Hydra still issues a token"},
		{"no scope", preprod, preprod.Services[0].Audience, "", LevelError, "scope", "No scope"},
		{"prod's audience at preprod", preprod, prodAudience, "s", LevelWarning, "audience", "belongs to prod"},
	} {
		if fs := CheckClientCredentials(tt.env, tt.audience, tt.scope); !hasFinding(fs, tt.level, tt.field, tt.phrase) {
			t.Errorf("%s: %+v", tt.name, fs)
		}
	}
	for _, env := range []ngi.Environment{prod, custom} {
		if fs := CheckClientCredentials(env, prodAudience, "s"); len(fs) != 0 {
			t.Errorf("prod's audience at %s: %+v", env.ID, fs)
		}
	}
}

func TestReadTokenResponse(t *testing.T) {
	for _, tt := range []struct {
		name        string
		status      int
		contentType string
		body        string
		token       bool
		oauthError  string
		problem     string
	}{
		{"success", 200, "application/json", `{"access_token":"a.b","token_type":"bearer","expires_in":3599}`, true, "", ""},
		{"oauth error", 400, "application/json", `{"error":"invalid_grant","error_description":"d","error_hint":"h"}`, false, "invalid_grant", ""},
		{"oauth error with status 200", 200, "application/json", `{"error":"invalid_request"}`, false, "invalid_request", ""},
		{"empty", 502, "", "  ", false, "", "empty body"},
		{"html", 404, "text/html", "<html>Not Found</html>", false, "", "HTML (text/html)"},
		{"html without content type", 404, "", "<!doctype html>", false, "", "no Content-Type"},
		{"not json", 200, "text/plain", "ok", false, "", "not a JSON object"},
		{"json array", 200, "application/json", "[]", false, "", "not a JSON object"},
		{"malformed error", 400, "application/json", `{"error":42}`, false, "", "error response is malformed"},
		{"error status without a code", 500, "application/json", `{"message":"boom"}`, false, "", "without an OAuth error code"},
		{"malformed token", 200, "application/json", `{"access_token":1}`, false, "", "token response is malformed"},
		{"no access token", 200, "application/json", `{"token_type":"bearer"}`, false, "", "no access_token"},
	} {
		tok, oerr, problem := ReadTokenResponse(tt.status, tt.contentType, tt.body)
		set := 0
		for _, ok := range []bool{tok != nil, oerr != nil, problem != ""} {
			if ok {
				set++
			}
		}
		switch {
		case set != 1:
			t.Errorf("%s: not exactly one result: %v %v %q", tt.name, tok, oerr, problem)
		case tt.token && tok.AccessToken == "":
			t.Errorf("%s: token %+v", tt.name, tok)
		case tt.oauthError != "" && (oerr == nil || oerr.Error != tt.oauthError):
			t.Errorf("%s: error %+v", tt.name, oerr)
		case tt.problem != "" && !strings.Contains(problem, tt.problem):
			t.Errorf("%s: problem %q", tt.name, problem)
		}
	}
}

// The curl command repeats the request exactly when run by a shell: the
// secret from the environment, form-url-encoded before base64, every value
// quoted, however odd.
func TestCurlCommand(t *testing.T) {
	form := CodeForm("client id+1", CodeExchange{Code: "c'o&de", RedirectURI: "https://bank.example/cb?a=1&b='x'"})
	cmd := CurlCommand("https://auth.example/oauth2/token", "client id+1", form)
	for _, want := range []string{
		"curl -sS -i -X POST 'https://auth.example/oauth2/token'",
		`printf '%s:%s' 'client+id%2B1' "$(form_url_encode "$CLIENT_SECRET")" | base64 | tr -d '\n'`,
		`--data-urlencode 'code=c'\''o&de'`,
		`--data-urlencode 'grant_type=authorization_code'`,
		`--data-urlencode 'redirect_uri=https://bank.example/cb?a=1&b='\''x'\'''`,
		"$CLIENT_SECRET",
	} {
		if !strings.Contains(cmd, want) {
			t.Errorf("the command lacks %s:\n%s", want, cmd)
		}
	}
	if strings.Index(cmd, "client_id=") > strings.Index(cmd, "code=") {
		t.Errorf("the fields are not in a stable (sorted) order:\n%s", cmd)
	}
	if strings.Contains(cmd, "jq") {
		t.Error("the command needs jq")
	}
	// A POSIX shell reads each quoted value back as it was, and encodes the
	// secret as client_secret_basic wants it.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, secret := range []string{"plain", "s3cr+t %&/?= x", "søt'\"$(x)`"} {
		script := formURLEncodeFunc + `printf '%s:%s' 'c' "$(form_url_encode "$CLIENT_SECRET")" | base64 | tr -d '\n'`
		c := exec.Command(sh, "-c", script)
		c.Env = append(c.Environ(), "CLIENT_SECRET="+secret, "LANG=C.UTF-8")
		out, err := c.Output()
		if want := strings.TrimPrefix(BasicAuth("c", secret), "Basic "); err != nil || string(out) != want {
			t.Errorf("secret %q: shell made %q, want %q (%v)", secret, out, want, err)
		}
	}
	for _, v := range []string{"c'o&de", "a b", `$(x)`, "'"} {
		out, err := exec.Command(sh, "-c", "printf %s "+shellQuote(v)).Output()
		if err != nil || string(out) != v {
			t.Errorf("shell read %q back as %q (%v)", v, out, err)
		}
	}
}

func TestCheckCallbackAgainstRequest(t *testing.T) {
	p := PendingRequest{Scope: "debt.unsecured.presentation.30 openid", ResponseMode: ngi.ResponseModeFragment}
	cb := ReadCallback("https://bank.example/cb?code=c&scope=debt.unsecured.presentation+openid&state=s")
	fs := CheckCallbackAgainstRequest(cb, p)
	if !hasFinding(fs, LevelWarning, "response_mode", "fragment") {
		t.Errorf("query instead of fragment: %+v", fs)
	}
	if len(fs) != 2 || fs[0].Field != "scope" {
		t.Errorf("the scope comparison is missing: %+v", fs)
	}
	p.ResponseMode = ngi.ResponseModeQuery
	if fs := CheckCallbackAgainstRequest(ReadCallback("https://bank.example/cb?error=consent_denied&state=s"), p); len(fs) != 0 {
		t.Errorf("an error callback in the asked mode: %+v", fs)
	}
}

// The page reads Hydra's real answers (hydra.md) in both formats.
func TestOAuthErrorReasonInBothFormats(t *testing.T) {
	const generic = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."
	const why = "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls."
	for _, tt := range []struct {
		name            string
		e               OAuthError
		reason, general string
	}{
		{"current Hydra", OAuthError{Error: "invalid_request", Description: generic + " " + why}, why, generic},
		{"current Hydra, no reason", OAuthError{Error: "invalid_client", Description: "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."},
			"", "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."},
		{"Hydra 1.x", OAuthError{Error: "invalid_request", Description: generic, Hint: why, Debug: "d"}, why, generic},
		{"NGI's own code", OAuthError{Error: "consent_denied", Description: ""}, "", ""},
		{"NGI's own words", OAuthError{Error: "login_cancelled", Description: "Avbrutt"}, "Avbrutt", ""},
		{"another server's words", OAuthError{Error: "invalid_request", Description: "Missing parameter: state"}, "Missing parameter: state", ""},
	} {
		reason, general := tt.e.Reason()
		if reason != tt.reason || general != tt.general {
			t.Errorf("%s: reason %q, general %q", tt.name, reason, general)
		}
	}
	// The same from a token endpoint's JSON.
	_, oerr, _ := ReadTokenResponse(400, "application/json;charset=UTF-8", `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client. The PKCE code challenge did not match the code verifier."}`)
	if r, _ := oerr.Reason(); r != "The PKCE code challenge did not match the code verifier." {
		t.Errorf("token endpoint reason %q", r)
	}
}

// A 200 from a revocation endpoint is not called proof (RFC 7009).
func TestReadRevocation(t *testing.T) {
	if v := ReadRevocation(200, ""); strings.Contains(v, "no longer works") || !strings.Contains(v, "does not prove") {
		t.Errorf("200: %q", v)
	}
	if v := ReadRevocation(401, `{"error":"invalid_client","error_description":"Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method). The requested OAuth 2.0 Client does not exist."}`); !strings.Contains(v, "Not revoked: HTTP 401 invalid_client: The requested OAuth 2.0 Client does not exist.") {
		t.Errorf("401: %q", v)
	}
}

// A code is used up by a token, or by invalid_grant saying so.
func TestCodeSpent(t *testing.T) {
	if !CodeSpent(&TokenResponse{AccessToken: "at"}, nil) {
		t.Error("a token did not use the code up")
	}
	if CodeSpent(nil, &OAuthError{Error: "invalid_client"}) || CodeSpent(nil, nil) {
		t.Error("a wrong secret used the code up")
	}
	if !CodeSpent(nil, &OAuthError{Error: "invalid_grant", Description: "The authorization code has already been used."}) {
		t.Error("a used code is not used up")
	}
}
