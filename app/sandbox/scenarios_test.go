package sandbox

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/sandbox/redistest"
)

// arrange posts a scenario as a client and returns the status and answer.
func (ts *testSandbox) arrange(t *testing.T, authorization, method, body string) (int, map[string]any) {
	t.Helper()
	resp, m := ts.tokenRequest(t, method, "/sandbox/scenarios", "application/json", authorization, strings.NewReader(body))
	return resp.StatusCode, m
}

var demoAuth = flow.BasicAuth(DemoClientID, DemoClientSecret)

func ccForm(service int, scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "audience": {ngi.Preprod().Services[service].Audience}, "scope": {scope}}
}

// A token failure answers exactly times calls of that client, in Hydra's
// shape, then answers are normal; another client is never touched.
func TestScenarioFailsTheNextCallsOfItsClient(t *testing.T) {
	onEachStore(t, func(t *testing.T, ts *testSandbox) {
		if status, body := ts.arrange(t, bankAuth, "POST", `{"endpoint":"token","status":503,"times":2}`); status != 201 || body["id"] == "" || body["error"] != "temporarily_unavailable" {
			t.Fatalf("arm: %d %v", status, body)
		}
		if status, _ := ts.tokenCall(t, demoAuth, ccForm(0, ngi.ScopePresentation)); status != 200 {
			t.Errorf("another client was affected: %d", status)
		}
		for i := range 2 {
			if status, body := ts.tokenCall(t, bankAuth, ccForm(0, ngi.ScopePresentation)); status != 503 || body["error"] != "temporarily_unavailable" || !strings.Contains(stringOf(body["error_description"]), "scenario") {
				t.Errorf("call %d: %d %v", i+1, status, body)
			}
		}
		if status, body := ts.tokenCall(t, bankAuth, ccForm(0, ngi.ScopePresentation)); status != 200 {
			t.Errorf("after the scenario: %d %v", status, body)
		}
		// The API, one operation: NGI's error shape with a trace_id.
		consentToken := ts.clientToken(t, 2, "client.access.consent.events")
		ts.arrange(t, bankAuth, "POST", `{"endpoint":"api","operation":"lastSequenceNr","status":409,"error":"conflict"}`)
		if status, _ := ts.apiCall(t, "GET", "/feed/v1/consent/firstSequenceNr", consentToken, ""); status != 200 {
			t.Errorf("another operation was affected: %d", status)
		}
		if status, body := ts.apiCall(t, "GET", "/feed/v1/consent/lastSequenceNr", consentToken, ""); status != 409 || body["error"] != "conflict" || stringOf(body["trace_id"]) == "" || stringOf(body["timestamp"]) == "" {
			t.Errorf("the API's failure: %d %v", status, body)
		}
		if status, _ := ts.apiCall(t, "GET", "/feed/v1/consent/lastSequenceNr", consentToken, ""); status != 200 {
			t.Errorf("the API after its scenario: %d", status)
		}
		// Revocation and userinfo.
		ts.arrange(t, bankAuth, "POST", `{"endpoint":"revoke","status":500}`)
		resp, body := ts.tokenRequest(t, "POST", "/sandbox/oauth2/revoke", "application/x-www-form-urlencoded", bankAuth, strings.NewReader("token=x"))
		if resp.StatusCode != 500 || body["error"] != "server_error" {
			t.Errorf("revoke: %d %v", resp.StatusCode, body)
		}
		if resp, _ := ts.tokenRequest(t, "POST", "/sandbox/oauth2/revoke", "application/x-www-form-urlencoded", bankAuth, strings.NewReader("token=x")); resp.StatusCode != 200 {
			t.Errorf("revoke after its scenario: %d", resp.StatusCode)
		}
		ts.arrange(t, bankAuth, "POST", `{"endpoint":"userinfo","status":401,"error":"request_unauthorized"}`)
		if resp, body := ts.tokenRequest(t, "GET", "/sandbox/userinfo", "", "Bearer "+consentToken, nil); resp.StatusCode != 401 || body["error"] != "request_unauthorized" {
			t.Errorf("userinfo: %d %v", resp.StatusCode, body)
		}
		if resp, _ := ts.tokenRequest(t, "GET", "/sandbox/userinfo", "", "Bearer "+consentToken, nil); resp.StatusCode != 200 {
			t.Errorf("userinfo after: %d", resp.StatusCode)
		}
	})
}

// Listed, cleared, bounded, refused when malformed, and the client's own.
func TestScenariosAreTheClientsAndBounded(t *testing.T) {
	ts := newTestSandbox(t)
	for body, want := range map[string]string{
		`{"endpoint":"authorize","status":500}`:                "endpoint",
		`{"endpoint":"token","status":200}`:                    "status 200",
		`{"endpoint":"token","status":500,"delay_ms":30001}`:   "delay_ms",
		`{"endpoint":"token","status":500,"times":101}`:        "times",
		`{"endpoint":"api","operation":"drop","status":500}`:   "operation",
		`{"endpoint":"token","operation":"feed","status":500}`: "api endpoint only",
		`{"endpoint":"token","status":500,"extra":1}`:          "not JSON of the form",
	} {
		if status, answer := ts.arrange(t, bankAuth, "POST", body); status != 400 || !strings.Contains(stringOf(answer["error_description"]), want) {
			t.Errorf("%s: %d %v", body, status, answer)
		}
	}
	if status, _ := ts.arrange(t, flow.BasicAuth("bank", "wrong"), "POST", `{"endpoint":"token","status":500}`); status != 401 {
		t.Errorf("a wrong secret armed a scenario: %d", status)
	}
	for range MaxScenarios {
		ts.arrange(t, bankAuth, "POST", `{"endpoint":"revoke","status":500}`)
	}
	if status, _ := ts.arrange(t, bankAuth, "POST", `{"endpoint":"revoke","status":500}`); status != 429 {
		t.Errorf("past %d scenarios: %d", MaxScenarios, status)
	}
	if _, list := ts.arrange(t, bankAuth, "GET", ""); len(list["scenarios"].([]any)) != MaxScenarios {
		t.Errorf("listed: %v", list)
	}
	if _, list := ts.arrange(t, demoAuth, "GET", ""); len(list["scenarios"].([]any)) != 0 {
		t.Errorf("another client sees them: %v", list)
	}
	if status, _ := ts.arrange(t, bankAuth, "DELETE", ""); status != 204 {
		t.Errorf("clear: %d", status)
	}
	if _, list := ts.arrange(t, bankAuth, "GET", ""); len(list["scenarios"].([]any)) != 0 {
		t.Errorf("after clearing: %v", list)
	}
}

// A delay is honoured before the answer.
func TestScenarioDelay(t *testing.T) {
	ts := newTestSandbox(t)
	ts.arrange(t, bankAuth, "POST", `{"endpoint":"token","status":504,"delay_ms":300}`)
	start := time.Now()
	if status, _ := ts.tokenCall(t, bankAuth, ccForm(0, ngi.ScopePresentation)); status != 504 {
		t.Errorf("status %d", status)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("answered after %s, before the delay", took)
	}
}

// Two replicas on one redis-server share a client's scenarios: armed at
// one, each use is taken once, at either.
func TestScenariosAcrossReplicas(t *testing.T) {
	addr := redistest.Start(t)
	replica := func() *testSandbox {
		st, err := NewRedisStore(addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		return newTestSandboxWith(t, Config{Store: st})
	}
	a, b := replica(), replica()
	if status, _ := a.arrange(t, bankAuth, "POST", `{"endpoint":"token","status":500,"times":3}`); status != 201 {
		t.Fatal("arm")
	}
	failed := 0
	for _, ts := range []*testSandbox{b, a, b, a, b} {
		if status, _ := ts.tokenCall(t, bankAuth, ccForm(0, ngi.ScopePresentation)); status == 500 {
			failed++
		} else if status != 200 {
			t.Errorf("status %d", status)
		}
	}
	if failed != 3 {
		t.Errorf("%d calls failed across the replicas, want 3", failed)
	}
}

// The consent page can approve with a code that has already expired: its
// exchange answers invalid_grant as Hydra does for a code past its lifetime.
func TestConsentPageIssuesAnExpiredCode(t *testing.T) {
	ts := newTestSandbox(t)
	id, _, page := ts.consent(t, ts.authorizeURL(nil))
	if !strings.Contains(page, `id="expired-code"`) {
		t.Fatal("the consent page offers no expired code")
	}
	resp := ts.postDecision(t, ts.URL, url.Values{"request": {id}, "action": {"approve"}, "person": {"29868099311"}, "expired": {"1"}})
	resp.Body.Close()
	cb := flow.ReadCallback(resp.Header.Get("Location"))
	if cb.Outcome != flow.OutcomeSuccess {
		t.Fatalf("approve: %+v", cb)
	}
	status, body := ts.tokenCall(t, bankAuth, codeForm(cb.Code))
	if status != 400 || body["error"] != "invalid_grant" || !strings.Contains(stringOf(body["error_description"]), "expired") {
		t.Errorf("the expired code's exchange: %d %v", status, body)
	}
	// Without the box, a code exchanges.
	if status, _ := ts.tokenCall(t, bankAuth, codeForm(ts.code(t, nil))); status != 200 {
		t.Errorf("a fresh code: %d", status)
	}
}
