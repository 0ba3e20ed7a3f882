package record

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"authdebug/app/flow"
)

// One test per sensitive field: what a record keeps of each.
func TestRedactionPolicy(t *testing.T) {
	for _, tt := range []struct{ name, value, want string }{
		{"code", "ory_ac_SECRET", Fingerprint("ory_ac_SECRET")},
		{"access_token", "ory_at_SECRET", Fingerprint("ory_at_SECRET")},
		{"refresh_token", "ory_rt_SECRET", Fingerprint("ory_rt_SECRET")},
		{"client_secret", "s3cret", Fingerprint("s3cret")},
		{"code_verifier", "verifier-verifier-verifier", Fingerprint("verifier-verifier-verifier")},
		{"state", "GYTKa1b2c3d4", Fingerprint("GYTKa1b2c3d4")},
		{"nonce", "n-0S6_WzA2Mj", Fingerprint("n-0S6_WzA2Mj")},
		{"pid", "14842249091", Masked},
		{"ssn", "14842249091", Masked},
		{"nin", "14842249091", Masked},
		{"scope", "openid", "openid"},
		{"client_id", "authdebug-demo", "authdebug-demo"},
		{"error", "invalid_grant", "invalid_grant"},
		{"code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
	} {
		if got := Value(tt.name, tt.value); got != tt.want {
			t.Errorf("Value(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if !strings.HasPrefix(Fingerprint("x"), "sha256:") || len(Fingerprint("x")) != len("sha256:")+12 {
		t.Errorf("fingerprint %q", Fingerprint("x"))
	}
	u := URL("https://bank.example/cb?code=ory_ac_SECRET&scope=openid&state=GYTK#id_token=a.b.c")
	if strings.Contains(u, "SECRET") || strings.Contains(u, "GYTK") || strings.Contains(u, "a.b.c") || !strings.Contains(u, "scope=openid") {
		t.Errorf("URL: %s", u)
	}
	hs := Headers([]flow.Header{{Name: "Authorization", Value: "Basic YTpi"}, {Name: "Content-Type", Value: "application/json"}})
	if hs[0].Value != Removed || hs[1].Value != "application/json" {
		t.Errorf("headers: %+v", hs)
	}
	if b := Body("text/html", "<html>code=ory_ac_SECRET</html>"); strings.Contains(b, "SECRET") || !strings.Contains(b, "not kept") {
		t.Errorf("an HTML body: %s", b)
	}
}

// An ID token keeps its header and claims, pid masked, nonce fingerprinted,
// and loses its signature.
func TestIDTokenIsOpenedWithoutItsSignature(t *testing.T) {
	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	idToken := enc(map[string]any{"alg": "RS256", "kid": "k1"}) + "." + enc(map[string]any{"pid": "14842249091", "nonce": "n-1234567890", "aud": []string{"c"}, "consent_id": "abc"}) + ".SIGNATURE"
	body := Body("application/json", `{"access_token":"ory_at_SECRET","id_token":"`+idToken+`","expires_in":3599,"scope":"openid"}`)
	for _, gone := range []string{"ory_at_SECRET", "14842249091", "n-1234567890", "SIGNATURE"} {
		if strings.Contains(body, gone) {
			t.Errorf("%s kept:\n%s", gone, body)
		}
	}
	for _, kept := range []string{`"kid": "k1"`, `"consent_id": "abc"`, `"signature": "dropped"`, Fingerprint("ory_at_SECRET"), Fingerprint("n-1234567890"), `"expires_in": 3599`} {
		if !strings.Contains(body, kept) {
			t.Errorf("%s lost:\n%s", kept, body)
		}
	}
}

func sampleRun() *Run {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	r := New(at, "v1.2.3", Environment{ID: "sandbox", Issuer: "http://127.0.0.1:8000/sandbox/"}, "authdebug-demo")
	r.Add(Step{Kind: KindAuthorize, At: at, From: LaneBrowser, To: LaneAuth, Method: "GET", URL: URL("http://127.0.0.1:8000/sandbox/oauth2/auth?state=s1s2s3s4&client_id=c")})
	r.Add(Step{Kind: KindCallback, At: at, From: LaneAuth, To: LaneBrowser, Method: "GET", URL: URL("http://127.0.0.1:8000/callback?code=c0de&state=s1s2s3s4"), Verdict: "success"})
	r.Add(Step{Kind: KindToken, At: at, From: LaneServer, To: LaneAuth, Method: "POST", URL: "http://127.0.0.1:8000/sandbox/oauth2/token", Status: 400, Verdict: "invalid_grant", Failed: true, DurationMS: 12})
	r.Add(Step{Kind: KindCall, At: at, From: LaneServer, To: LaneAPI, Method: "GET", URL: "http://127.0.0.1:8000/sandbox/api/v1/debt", Status: 200, TraceID: "t-1"})
	return r
}

func TestMermaidAndHAR(t *testing.T) {
	r := sampleRun()
	m := r.Mermaid()
	for _, want := range []string{"sequenceDiagram", "participant B as Browser", "participant AS as Authorization server", "participant API as NGI API",
		"B->>AS: GET /sandbox/oauth2/auth", "S->>AS: POST /sandbox/oauth2/token", "AS--xS: 400 invalid_grant", "API-->>S: 200"} {
		if !strings.Contains(m, want) {
			t.Errorf("Mermaid lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, "participant App") {
		t.Error("an unused lane is drawn")
	}
	var har struct {
		Log struct {
			Version string `json:"version"`
			Entries []struct {
				Request struct {
					Method, URL string
				} `json:"request"`
				Response struct {
					Status int `json:"status"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal([]byte(r.HAR()), &har); err != nil || har.Log.Version != "1.2" || len(har.Log.Entries) != 4 || har.Log.Entries[2].Response.Status != 400 {
		t.Errorf("HAR: %v %+v", err, har)
	}
	if r.TraceIDs[0] != "t-1" || r.Steps[3].Index != 3 {
		t.Errorf("trace ids %v, index %d", r.TraceIDs, r.Steps[3].Index)
	}
}

func TestOpenABundle(t *testing.T) {
	r := sampleRun()
	back, err := Open(r.JSON())
	if err != nil || len(back.Steps) != 4 || back.Steps[2].Verdict != "invalid_grant" || back.Environment.ID != "sandbox" {
		t.Fatalf("%v %+v", err, back)
	}
	for _, bad := range []string{"", "{}", `{"schema":"other/1","steps":[]}`, "<html>", strings.Repeat("x", MaxBundle+1)} {
		if _, err := Open(bad); err == nil {
			t.Errorf("%.30q opened", bad)
		}
	}
	if !strings.HasPrefix(r.FileName("json"), "authdebug-run-20261204-100000") {
		t.Errorf("file name %s", r.FileName("json"))
	}
}

func TestRunKeepsItsLastSteps(t *testing.T) {
	r := New(time.Now(), "", Environment{}, "")
	for range MaxSteps + 5 {
		r.Add(Step{Kind: KindToken})
	}
	if len(r.Steps) != MaxSteps || r.Steps[len(r.Steps)-1].Index != MaxSteps+4 {
		t.Errorf("%d steps, last %d", len(r.Steps), r.Steps[len(r.Steps)-1].Index)
	}
}

// A relayed token call: the code the page sent gets the fingerprint the
// callback's code got; the tokens of the answer never appear.
func TestFromRelayCorrelatesWithoutKeeping(t *testing.T) {
	res := &flow.RelayResult{
		Request:  &flow.WireRequest{Method: "POST", URL: "http://x/sandbox/oauth2/token", Headers: []flow.Header{{Name: "Authorization", Value: "Basic ********"}}, Body: "code=********&grant_type=authorization_code"},
		Response: &flow.WireResponse{Status: 200, Headers: []flow.Header{{Name: "Content-Type", Value: "application/json"}}, Body: `{"access_token":"ory_at_LIVE","token_type":"bearer","expires_in":3599}`, ElapsedMS: 7},
	}
	s := FromRelay(KindToken, time.Now(), map[string]string{"code": "ory_ac_CODE", "code_verifier": "VERIFIER", "grant_type": "authorization_code"}, res, "")
	text, _ := json.Marshal(s)
	for _, gone := range []string{"ory_ac_CODE", "VERIFIER", "ory_at_LIVE", "Basic"} {
		if strings.Contains(string(text), gone) {
			t.Errorf("%s kept: %s", gone, text)
		}
	}
	if !strings.Contains(s.Request.Body, "code="+Fingerprint("ory_ac_CODE")) || s.Verdict != "tokens issued" || s.Status != 200 || s.From != LaneServer || s.To != LaneAuth {
		t.Errorf("step: %+v", s)
	}
	failed := FromRelay(KindCall, time.Now(), nil, &flow.RelayResult{Request: &flow.WireRequest{Method: "GET", URL: "http://x/api"},
		Response: &flow.WireResponse{Status: 403, Body: `{"error":"no valid consent","trace_id":"t-9"}`}}, "")
	if !failed.Failed || failed.TraceID != "t-9" || failed.To != LaneAPI || failed.Verdict != "no valid consent" {
		t.Errorf("API refusal: %+v", failed)
	}
}

// A callback typed key by key is one step; a later one is another. Inspect's
// verdict goes once on the last token step.
func TestReviseAndNote(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	r := New(at, "", Environment{}, "")
	r.Add(Step{Kind: KindToken, At: at})
	r.Revise(Step{Kind: KindCallback, At: at, URL: "a"}, time.Minute)
	r.Revise(Step{Kind: KindCallback, At: at.Add(time.Second), URL: "ab"}, time.Minute)
	if len(r.Steps) != 2 || r.Steps[1].URL != "ab" || r.Steps[1].Index != 1 {
		t.Fatalf("typed: %+v", r.Steps)
	}
	r.Revise(Step{Kind: KindCallback, At: at.Add(2 * time.Minute), URL: "c"}, time.Minute)
	if len(r.Steps) != 3 {
		t.Errorf("a later callback replaced the one before: %+v", r.Steps)
	}
	f := flow.Finding{Level: flow.LevelInfo, Field: "id_token", Message: "verified"}
	if !r.Note(KindToken, f) || r.Note(KindToken, f) || len(r.Steps[0].Findings) != 1 {
		t.Errorf("noted: %+v", r.Steps[0].Findings)
	}
	if r.Note(KindCall, f) {
		t.Error("noted on a step that is not there")
	}
}
