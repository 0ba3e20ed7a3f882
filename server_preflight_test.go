package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/sandbox"
)

func preflight(t *testing.T, srv *testServer, env string, params map[string]string) flow.RelayResult {
	t.Helper()
	b, _ := json.Marshal(flow.PreflightRequest{Env: env, Params: params})
	resp := postJSON(t, srv.URL+"/api/preflight", string(b))
	defer resp.Body.Close()
	var res flow.RelayResult
	json.NewDecoder(resp.Body).Decode(&res)
	return res
}

// The sandbox answers a preflight as Hydra does, before anyone logs in.
func TestPreflightAgainstTheSandbox(t *testing.T) {
	client, _ := sandbox.ParseClient("qa-bank:s3cret:https://bank.example/cb,http://127.0.0.1:9000/cb")
	srv := startServer(t, config{Web: testWeb(t), SandboxClients: []sandbox.Client{client}})
	base := map[string]string{"client_id": "qa-bank", "response_type": "code", "scope": "debt.unsecured.presentation", "state": "s1s2s3s4s5", "redirect_uri": "https://bank.example/cb"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for kk, vv := range base {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	for _, tt := range []struct {
		name           string
		params         map[string]string
		verdict, error string
		where          string
	}{
		{"registered", base, flow.PreflightAccepted, "", ""},
		{"registered loopback", with("redirect_uri", "http://127.0.0.1:9000/cb"), flow.PreflightAccepted, "", ""},
		{"trailing slash", with("redirect_uri", "https://bank.example/cb/"), flow.PreflightRefused, "invalid_request", "error_page"},
		{"http instead of https", with("redirect_uri", "http://bank.example/cb"), flow.PreflightRefused, "invalid_request", "error_page"},
		{"another host", with("redirect_uri", "https://evil.example/cb"), flow.PreflightRefused, "invalid_request", "error_page"},
		{"localhost for 127.0.0.1", with("redirect_uri", "http://localhost:9000/cb"), flow.PreflightRefused, "invalid_request", "error_page"},
		{"unknown client", with("client_id", "nobody"), flow.PreflightRefused, "invalid_client", "error_page"},
		{"scope not allowed", with("scope", "admin"), flow.PreflightRefused, "invalid_scope", "redirect_uri"},
		{"7-character state", with("state", "1234567"), flow.PreflightRefused, "invalid_state", "redirect_uri"},
	} {
		res := preflight(t, srv, "sandbox", tt.params)
		p := res.Preflight
		if p == nil || p.Verdict != tt.verdict || p.Error != tt.error || p.Where != tt.where {
			t.Errorf("%s: %+v %+v", tt.name, p, res.Error)
			continue
		}
		if tt.error == "invalid_request" && !strings.Contains(p.Reason, "pre-registered redirect urls") {
			t.Errorf("%s: reason %q", tt.name, p.Reason)
		}
	}
}

// A URL in any field is data in the query of the configured authorize
// endpoint; the Location that comes back is read, never fetched.
func TestPreflightFetchesNothingElse(t *testing.T) {
	trap, hits := canary(t)
	var asked string
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.String()
		http.Redirect(w, r, "http://"+trap+"/steal?login_challenge=x", http.StatusFound)
	}))
	defer auth.Close()
	srv := startServer(t, config{Web: testWeb(t), Extra: []ngi.Environment{ngi.Hydra("up", "Up", auth.URL+"/")}})
	params := map[string]string{}
	for _, k := range flow.PreflightParams {
		params[k] = "http://" + trap + "/" + k
	}
	res := preflight(t, srv, "up", params)
	if res.Preflight == nil || res.Preflight.Location != "http://"+trap+"/steal?login_challenge=x" {
		t.Fatalf("%+v", res)
	}
	if hits.Load() != 0 || !strings.HasPrefix(asked, "/oauth2/auth?") || !strings.Contains(asked, "redirect_uri=http%3A%2F%2F") {
		t.Fatalf("the canary was reached %d times; the endpoint got %q", hits.Load(), asked)
	}
	for _, body := range []string{
		`{"env":"http://` + trap + `","params":{}}`,
		`{"env":"up","params":{"url":"http://` + trap + `"}}`,
		`{"env":"up","url":"http://` + trap + `","params":{}}`,
		`{"env":"up","params":{"client_id":1}}`,
	} {
		resp := postJSON(t, srv.URL+"/api/preflight", body)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", body, resp.StatusCode, b)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the canary was reached")
	}
}
