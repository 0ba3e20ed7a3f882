package main

import (
	"flag"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"authdebug/app/portal"
	"authdebug/app/sandbox"
)

// Probes answer whatever the Host, as an orchestrator asks the pod's own
// address; /metrics counts the relay's calls and shows the sandbox's state.
func TestServerHealthAndMetrics(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	for _, path := range []string{"/healthz", "/readyz"} {
		status, body := rawRequest(t, srv.URL, "GET "+path+" HTTP/1.1\r\nHost: 10.1.2.3:8000\r\nConnection: close\r\n\r\n")
		if status != 200 || !strings.Contains(body, map[string]string{"/healthz": "ok", "/readyz": "ready"}[path]) {
			t.Errorf("%s for the pod's address: %d %q", path, status, body)
		}
	}
	postJSON(t, srv.URL+"/api/token", `{"env":"sandbox","client_id":"authdebug-demo","client_secret":"wrong","form":{"grant_type":"client_credentials"}}`).Body.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := string(b)
	for _, want := range []string{
		`authdebug_relay_calls_total{call="token",env="sandbox",outcome="invalid_client"} 1`,
		`authdebug_relay_duration_seconds_count{env="sandbox"} 1`,
		`authdebug_sandbox_entries{kind="tokens"} 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// With -metrics-addr, /metrics is not on the main address.
	other := startServer(t, config{Web: testWeb(t), MetricsAddr: "127.0.0.1:0"})
	if resp, _ := get(t, other.URL+"/metrics", nil); resp.StatusCode != 404 {
		t.Errorf("/metrics on the main address despite -metrics-addr: %d", resp.StatusCode)
	}
	// The audit line of the call: no secret, the outcome named.
	log := srv.log.String()
	if !strings.Contains(log, "audit=true") || !strings.Contains(log, "outcome=invalid_client") || strings.Contains(log, "wrong") {
		t.Errorf("audit:\n%s", log)
	}
}

// Every flag can come from the environment; the command line wins.
func TestFlagsFromEnvironment(t *testing.T) {
	flags := flag.NewFlagSet("t", flag.ContinueOnError)
	public := flags.String("public-url", "", "")
	addr := flags.String("addr", "127.0.0.1:8000", "")
	var envs listFlag
	flags.Var(&envs, "env", "")
	flags.Parse([]string{"-addr", "0.0.0.0:9000"})
	env := map[string]string{
		"AUTHDEBUG_PUBLIC_URL": "https://authdebug.bank.example",
		"AUTHDEBUG_ADDR":       "127.0.0.1:1",
		"AUTHDEBUG_ENV":        "a=https://a.example/\nb=https://b.example/,https://api.b.example\n",
	}
	if err := flagsFromEnv(flags, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if *public != "https://authdebug.bank.example" || *addr != "0.0.0.0:9000" || len(envs) != 2 || envs[1] != "b=https://b.example/,https://api.b.example" {
		t.Errorf("public %q, addr %q, envs %q", *public, *addr, envs)
	}
}

// Behind an authenticating proxy: its header is believed only from the
// proxy; an environment limited to a group is hidden from, and refused to,
// everyone else; the audit line names the user.
func TestServerProxySignInAndEnvironmentAccess(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t), TrustedProxies: []string{"127.0.0.1/32"},
		Proxy: portal.ProxyAuth{Header: "X-Auth-Request-Email", GroupsHeader: "X-Auth-Request-Groups"}, Access: portal.Access{"prod": {"prod-operators"}}})
	call := func(path, user, groups string, body string) (int, string) {
		header := map[string]string{}
		if user != "" {
			header["X-Auth-Request-Email"], header["X-Auth-Request-Groups"] = user, groups
		}
		return proxyCall(t, srv, path, header, body)
	}
	if status, body := call("/api/environments", "", "", ""); status != 401 || !strings.Contains(body, "sign in again") {
		t.Errorf("no user: %d %s", status, body)
	}
	if status, _ := call("/", "", "", ""); status != 401 {
		t.Errorf("the page without a user: %d", status)
	}
	if status, _ := call("/healthz", "", "", ""); status != 200 {
		t.Errorf("/healthz needs no sign-in: %d", status)
	}
	if _, body := call("/api/environments", "ada@bank.example", "developers", ""); strings.Contains(body, `"id":"prod"`) || !strings.Contains(body, `"id":"preprod"`) {
		t.Errorf("a developer sees: %s", body)
	}
	if _, body := call("/api/environments", "op@bank.example", "developers, prod-operators", ""); !strings.Contains(body, `"id":"prod"`) {
		t.Errorf("an operator sees: %s", body)
	}
	if status, body := call("/api/token", "ada@bank.example", "developers", `{"env":"prod","client_id":"c","client_secret":"s","form":{"grant_type":"client_credentials"}}`); status != 403 || !strings.Contains(body, "limited to some groups") {
		t.Errorf("a developer's prod call: %d %s", status, body)
	}
	if _, body := call("/api/site", "ada@bank.example", "", ""); !strings.Contains(body, `"user":"ada@bank.example"`) {
		t.Errorf("/api/site: %s", body)
	}
	call("/api/token", "ada@bank.example", "developers", `{"env":"sandbox","client_id":"authdebug-demo","client_secret":"x","form":{"grant_type":"client_credentials"}}`)
	if log := srv.log.String(); !strings.Contains(log, "user=ada@bank.example") {
		t.Errorf("the audit line does not name the user:\n%s", log)
	}
	// From an address that is not the proxy, the header is not believed.
	other := startServer(t, config{Web: testWeb(t), TrustedProxies: []string{"10.0.0.0/24"}, Proxy: portal.ProxyAuth{Header: "X-Auth-Request-Email"}})
	req, _ := http.NewRequest("GET", other.URL+"/api/environments", nil)
	req.Header.Set("X-Auth-Request-Email", "mallory@evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("a forged header from a non-proxy: %d", resp.StatusCode)
	}
	if _, err := newServer(config{PublicURL: srv.URL, Web: testWeb(t), Proxy: portal.ProxyAuth{Header: "X-Auth-Request-Email"}}); err == nil {
		t.Error("-auth-proxy-header without -trusted-proxy was accepted")
	}
}

// When the sandbox's Redis does not answer, the replica stays ready (preprod
// and prod need no store), the metric says the store is down, and a
// sandbox call gets a server_error that says what to do rather than a hang.
func TestServerStaysReadyWithoutItsStore(t *testing.T) {
	store, err := sandbox.NewRedisStore("redis://127.0.0.9:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, config{Web: testWeb(t), SandboxStore: store})
	if status, body := rawRequest(t, srv.URL, "GET /readyz HTTP/1.1\r\nHost: 10.1.2.3:8000\r\nConnection: close\r\n\r\n"); status != 200 {
		t.Errorf("/readyz without the sandbox's store: %d %q", status, body)
	}
	if _, body := rawRequest(t, srv.URL, "GET /metrics HTTP/1.1\r\nHost: 10.1.2.3:8000\r\nConnection: close\r\n\r\n"); !strings.Contains(body, "authdebug_sandbox_store_up 0") {
		t.Errorf("the metrics do not say the store is down")
	}
	if status, _ := rawRequest(t, srv.URL, "GET /healthz HTTP/1.1\r\nHost: 10.1.2.3:8000\r\nConnection: close\r\n\r\n"); status != 200 {
		t.Errorf("/healthz without the store: %d", status)
	}
	// The page learns it from /api/site and says so on the sandbox.
	if resp, body := get(t, srv.URL+"/api/site", nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"sandbox_store":"down"`) {
		t.Errorf("/api/site does not tell the page the store is down: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/sandbox/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sandbox.DemoClientID, url.QueryEscape(sandbox.DemoClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), "server_error") || !strings.Contains(string(body), "-sandbox-store") {
		t.Errorf("a token call without the store: %d %s", resp.StatusCode, body)
	}
}

// The page's embedded configuration: the environments everyone may use,
// nothing a request carries, no environment limited to some groups.
func TestServerPageCarriesItsConfiguration(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t), Access: portal.Access{"prod": {"ops"}}})
	_, body := get(t, srv.URL+"/?client_id=%3Cscript%3Ealert(1)%3C/script%3E&x=INJECTED", nil)
	page := string(body)
	start := strings.Index(page, `<script type="application/json" id="authdebug-config">`)
	if start < 0 {
		t.Fatal("the page carries no configuration")
	}
	config := page[start : start+strings.Index(page[start:], "</script>")]
	if !strings.Contains(config, `"id":"sandbox"`) || !strings.Contains(config, `"id":"preprod"`) || strings.Contains(config, `"id":"prod"`) {
		t.Errorf("environments in the configuration: %s", config)
	}
	if strings.Contains(config, "INJECTED") || strings.Contains(config, "alert") {
		t.Error("a request value reached the configuration")
	}
}
