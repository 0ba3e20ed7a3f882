package flow

import (
	"strings"
	"testing"
)

// The one table of what is secret: every output that keeps or shares a
// value asks IsSecret.
func TestIsSecret(t *testing.T) {
	for name, want := range map[string]bool{
		"code": true, "Code": true, "code_verifier": true, "client_secret": true, "client_assertion": true,
		"access_token": true, "refresh_token": true, "id_token": true, "token": true, "logout_token": true,
		"Authorization": true, "cookie": true, "password": true, "pid": true, "ssn": true, "fodselsnummer": true,
		"state": false, "scope": false, "iss": false, "error": false, "error_description": false, "client_id": false,
		"redirect_uri": false, "code_challenge": false, "nonce": false, "token_type": false, "expires_in": false,
		"trace_id": false, "kid": false, "sub": false,
	} {
		if IsSecret(name) != want {
			t.Errorf("IsSecret(%q) = %v", name, !want)
		}
	}
}

// A share link and the history are built from the reading: whatever the
// pasted text needed repaired, the code is not in them.
func TestShareableLeavesTheCodeOut(t *testing.T) {
	const code = "ory_ac_SECRETCODE"
	for _, raw := range []string{
		"https://bank.example/cb?code=" + code + "&state=s1s2s3s4",
		"https://bank.example/cb?code=" + code + "\n  &state=s1s2s3s4",                         // wrapped
		"https://bank.example/cb?code=" + code + "&amp;state=s1s2s3s4",                         // HTML
		"https://bank.example/cb?code=" + code + "&state=a;b",                                  // a ; in a value
		`level=info msg="callback" url="https://bank.example/cb?code=` + code + `&state=s1s2"`, // a log line
		`{"url":"https:\/\/bank.example\/cb?code=` + code + `\u0026state=s1s2s3s4"}`,
		"/callback?code=" + code + "&state=a;b",
		"https://bank.example/cb?tenant=1#code=" + code + "&state=s1s2s3s4&id_token=eyJhbGciOi.eyJwaWQiOiIxIn0.sig",
	} {
		c := ReadCallback(raw)
		if c.Outcome != OutcomeSuccess {
			t.Errorf("%q read as %s: %s", raw, c.Outcome, c.Reason)
			continue
		}
		kept := c.Shareable(false)
		if strings.Contains(kept, "SECRETCODE") || strings.Contains(kept, "eyJwaWQiOiIxIn0") || !strings.Contains(kept, NotKept) {
			t.Errorf("%q kept as %q", raw, kept)
		}
		if again := ReadCallback(kept); again.State != c.State || again.Mode != c.Mode || again.Base != c.Base {
			t.Errorf("%q: the kept link reads otherwise: %+v", raw, again)
		}
		if with := c.Shareable(true); !strings.Contains(with, code) {
			t.Errorf("asked with the code: %q", with)
		}
	}
	// The redirect URI's own parameters keep no secret either.
	if kept := ReadCallback("https://bank.example/cb?token=OWNSECRET#code=c&state=s1s2s3s4").Shareable(false); strings.Contains(kept, "OWNSECRET") {
		t.Errorf("an own parameter kept: %s", kept)
	}
	if ReadCallback("not a callback").Shareable(false) != "" {
		t.Error("text that is no callback is kept")
	}
}

// A response shown or copied for a ticket hides tokens and id numbers,
// wherever they sit, and keeps the rest.
func TestRedactJSON(t *testing.T) {
	body := `{"access_token":"ory_at_LIVE","expires_in":3599,"id_token":"eyJ.eyJ.sig","scope":"openid","token_type":"bearer","nested":{"ssn":"14842249091","name":"Ola"},"list":[{"pid":"29868099311"}]}`
	got := RedactJSON(body)
	for _, secret := range []string{"ory_at_LIVE", "eyJ.eyJ.sig", "14842249091", "29868099311"} {
		if strings.Contains(got, secret) {
			t.Errorf("%s is shown: %s", secret, got)
		}
	}
	for _, kept := range []string{`"scope":"openid"`, `"expires_in":3599`, `"name":"Ola"`, "[hidden: 11 characters]"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%s is lost: %s", kept, got)
		}
	}
	if RedactJSON("<html>") != "<html>" {
		t.Error("a text that is not JSON changed")
	}
}
