package main

import (
	"flag"
	"io"
	"net/http"
	"strings"
	"testing"
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
