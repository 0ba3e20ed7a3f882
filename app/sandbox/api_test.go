package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// apiCall calls the sandbox's API with a bearer token.
func (ts *testSandbox) apiCall(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	resp, m := ts.tokenRequest(t, method, "/sandbox/api"+path, map[bool]string{true: "application/json", false: ""}[body != ""], "Bearer "+token, strings.NewReader(body))
	return resp.StatusCode, m
}

func (ts *testSandbox) clientToken(t *testing.T, service int, scope string) string {
	t.Helper()
	_, body := ts.tokenCall(t, bankAuth, url.Values{"grant_type": {"client_credentials"}, "audience": {ngi.Preprod().Services[service].Audience}, "scope": {scope}})
	return stringOf(body["access_token"])
}

func TestSandboxAPIConsentsFromTheCodeFlow(t *testing.T) {
	onEachStore(t, func(t *testing.T, ts *testSandbox) {
		// Without a duration the consent is single use.
		_, body := ts.tokenCall(t, bankAuth, codeForm(ts.code(t, nil)))
		access := stringOf(body["access_token"])
		status, debt := ts.apiCall(t, "GET", "/v1/debt", access, "")
		b, _ := json.Marshal(debt)
		d, err := flow.ReadDebt(string(b))
		if status != 200 || err != nil || d.SSN != "29868099311" || len(d.Loans) != 3 || d.CreditorsMissing != 1 {
			t.Fatalf("first read: %d %v", status, debt)
		}
		status, e := ts.apiCall(t, "GET", "/v1/debt", access, "")
		if status != 403 || e["error"] != "no valid consent" || e["trace_id"] == nil {
			t.Errorf("second read of a single-use consent: %d %v", status, e)
		}
		// With a duration it reads again, and again.
		_, body = ts.tokenCall(t, bankAuth, codeForm(ts.code(t, func(q url.Values) { q.Set("scope", "debt.unsecured.presentation.30 openid") })))
		access = stringOf(body["access_token"])
		for i := range 2 {
			if status, _ := ts.apiCall(t, "GET", "/v1/debt", access, ""); status != 200 {
				t.Errorf("read %d of a 30-day consent: %d", i+1, status)
			}
		}
		// Read by consent id with a client-credentials token; the wrong audience is refused.
		idToken := stringOf(body["id_token"])
		parts := strings.Split(idToken, ".")
		var claims map[string]any
		raw, _ := decodeSegment(parts[1])
		json.Unmarshal(raw, &claims)
		consentID := stringOf(claims["consent_id"])
		if status, _ := ts.apiCall(t, "GET", "/v1/debt/"+consentID, ts.clientToken(t, 0, ngi.ScopePresentation), ""); status != 200 {
			t.Errorf("by consent id: %d", status)
		}
		if status, e := ts.apiCall(t, "GET", "/v1/debt/"+consentID, ts.clientToken(t, 1, "consent.create"), ""); status != 403 || !strings.Contains(stringOf(e["error_description"]), "audience") {
			t.Errorf("wrong audience: %d %v", status, e)
		}
		if status, _ := ts.apiCall(t, "GET", "/v1/debt", "nope.nope", ""); status != 401 {
			t.Errorf("unknown token: %d", status)
		}
	})
}

func TestSandboxAPIIntegratedConsentJourney(t *testing.T) {
	onEachStore(t, func(t *testing.T, ts *testSandbox) {
		create := ts.clientToken(t, 1, "consent.create")
		body := `{"nin":"14842249091","scope_of_consent":"debt.unsecured.presentation","consent_duration_days":30,"client_consent_id":"bank-consent-0001"}`
		status, answer := ts.apiCall(t, "PUT", "/v1/consent/agreement", create, body)
		consent, _ := answer["consent"].(map[string]any)
		id := stringOf(consent["id"])
		if status != 200 || id == "" || consent["scope_of_consent"] != ngi.ScopePresentation {
			t.Fatalf("createConsent: %d %v", status, answer)
		}
		if status, again := ts.apiCall(t, "PUT", "/v1/consent/agreement", create, body); status != 200 || again["consent"].(map[string]any)["id"] != id {
			t.Errorf("the same body again: %d %v", status, again)
		}
		if status, _ := ts.apiCall(t, "PUT", "/v1/consent/agreement", create, strings.Replace(body, "30", "60", 1)); status != 409 {
			t.Errorf("the same client_consent_id with other data: %d", status)
		}
		debt := ts.clientToken(t, 0, ngi.ScopePresentation)
		for i := range 2 {
			if status, _ := ts.apiCall(t, "GET", "/v1/debt/"+id, debt, ""); status != 200 {
				t.Fatalf("debt read %d: %d", i+1, status)
			}
		}
		if status, st := ts.apiCall(t, "GET", "/v1/debt/"+id+"/status", debt, ""); status != 200 || st["active"] != true {
			t.Errorf("status: %d %v", status, st)
		}
		if status, _ := ts.apiCall(t, "DELETE", "/v1/debt/"+id, debt, ""); status != 204 {
			t.Errorf("revoke: %d", status)
		}
		if _, st := ts.apiCall(t, "GET", "/v1/debt/"+id+"/status", debt, ""); st["active"] != false {
			t.Errorf("status after revoking: %v", st)
		}
		if status, e := ts.apiCall(t, "GET", "/v1/debt/"+id, debt, ""); status != 403 || e["error"] != "invalid consent" {
			t.Errorf("debt after revoking: %d %v", status, e)
		}
		// The feed: created, then archived.
		feedToken := ts.clientToken(t, 2, "client.access.consent.events")
		_, feed := ts.apiCall(t, "GET", "/feed/v1/consent?fromSequenceNr=0&limit=50", feedToken, "")
		events, _ := feed["result"].([]any)
		var kinds []string
		for _, ev := range events {
			if e := ev.(map[string]any); e["consentId"] == id {
				kinds = append(kinds, stringOf(e["eventType"]))
			}
		}
		if fmt.Sprint(kinds) != fmt.Sprint([]string{ngi.EventConsentCreated, ngi.EventConsentArchived}) {
			t.Errorf("feed events for the consent: %v", kinds)
		}
		if _, last := ts.apiCall(t, "GET", "/feed/v1/consent/lastSequenceNr", feedToken, ""); last["lastSequenceNr"] != float64(2) {
			t.Errorf("lastSequenceNr %v", last)
		}
		if status, _ := ts.apiCall(t, "GET", "/feed/v1/consent", feedToken, ""); status != 400 {
			t.Errorf("feed without its parameters: %d", status)
		}
		req, _ := http.NewRequest("GET", ts.URL+"/sandbox/api/v1/debt/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+debt)
		req.Header.Set("X-Trace-ID", "trace-from-test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e map[string]any
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if e["trace_id"] != "trace-from-test" {
			t.Errorf("trace_id %v", e["trace_id"])
		}
	})
}

func decodeSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// Replicas given one key sign alike: the same key id, the same JWKS.
func TestSandboxSharedKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	parsed, err := ParseKey(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := New(Config{Origin: "http://a.example", Key: parsed})
	b, _ := New(Config{Origin: "http://a.example", Key: parsed})
	c, _ := New(Config{Origin: "http://a.example"})
	if a.kid != b.kid || a.kid == c.kid {
		t.Errorf("kids %s %s %s", a.kid, b.kid, c.kid)
	}
	// A key too small for RS256 is refused in either encoding.
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	small8, _ := x509.MarshalPKCS8PrivateKey(small)
	for _, bad := range [][]byte{[]byte("not pem"), pem.EncodeToMemory(&pem.Block{Type: "X", Bytes: []byte("junk")}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: small8})} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}
