package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"authdebug/app/ngi"
	"authdebug/app/portal"
	"authdebug/app/sandbox"
	"authdebug/app/sandbox/redistest"
)

// proxyCall is a request through an authenticating proxy at 127.0.0.1: a
// GET, or with a body the page's JSON POST.
func proxyCall(t *testing.T, srv *testServer, path string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if body != "" {
		req, _ = http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", srv.URL)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

// The proxy proves itself with its secret; a range wider than a /24 without
// it is refused at start; groups come only from the header named for them;
// header names are case-insensitive.
func TestServerProxyMustProveItself(t *testing.T) {
	if _, err := newServer(config{PublicURL: "http://127.0.0.1:1", Web: testWeb(t), TrustedProxies: []string{"10.0.0.0/8"},
		Proxy: portal.ProxyAuth{Header: "X-Auth-Request-Email"}}); err == nil || !strings.Contains(err.Error(), "-auth-proxy-secret-file") {
		t.Errorf("10.0.0.0/8 without a proxy secret: %v", err)
	}
	srv := startServer(t, config{Web: testWeb(t), TrustedProxies: []string{"127.0.0.0/8"},
		Proxy:  portal.ProxyAuth{Header: "x-auth-request-email", GroupsHeader: "x-auth-request-groups", Secret: "proxy-secret"},
		Access: portal.Access{"prod": {"prod-operators"}}})
	user := map[string]string{"X-Auth-Request-Email": "ada@bank.example", "X-Auth-Request-Groups": "prod-operators"}
	if status, _ := proxyCall(t, srv, "/api/environments", user, ""); status != 401 {
		t.Errorf("without the proxy's secret: %d", status)
	}
	user["X-Authdebug-Proxy-Secret"] = "wrong"
	if status, _ := proxyCall(t, srv, "/api/environments", user, ""); status != 401 {
		t.Errorf("with a wrong secret: %d", status)
	}
	user["X-Authdebug-Proxy-Secret"] = "proxy-secret"
	if status, body := proxyCall(t, srv, "/api/environments", user, ""); status != 200 || !strings.Contains(body, `"id":"prod"`) {
		t.Errorf("with the secret, an operator: %d %s", status, body)
	}
	if _, body := proxyCall(t, srv, "/api/site", user, ""); !strings.Contains(body, `"user":"ada@bank.example"`) {
		t.Errorf("a lower-case header name made the user %s", body)
	}
	if _, body := proxyCall(t, srv, "/metrics", nil, ""); !strings.Contains(body, `authdebug_signin_refused_total{reason="proxy_secret"} 2`) {
		t.Error("the refusals are not counted")
	}

	// A proxy that sets only the e-mail header: a client's own groups
	// header must not be believed.
	emailOnly := startServer(t, config{Web: testWeb(t), TrustedProxies: []string{"127.0.0.1"},
		Proxy: portal.ProxyAuth{Header: "X-Auth-Request-Email"}, Access: portal.Access{"prod": {"prod-operators"}}})
	delete(user, "X-Authdebug-Proxy-Secret")
	if _, body := proxyCall(t, emailOnly, "/api/environments", user, ""); strings.Contains(body, `"id":"prod"`) {
		t.Errorf("a client-sent groups header was believed: %s", body)
	}
}

// Behind a trusted proxy, a signed-in user's calls spend one budget,
// whatever address X-Forwarded-For names.
func TestServerRelayLimitFollowsTheUser(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t), TrustedProxies: []string{"127.0.0.1"}, Proxy: portal.ProxyAuth{Header: "X-Auth-Request-Email"}})
	for i := 1; i <= defaultLimits.CallBurst+1; i++ {
		status, _ := proxyCall(t, srv, "/api/token", map[string]string{"X-Auth-Request-Email": "ada@bank.example",
			"X-Forwarded-For": fmt.Sprintf("192.0.2.%d", i)}, // a fresh address each call
			`{"env":"sandbox","client_id":"authdebug-demo","client_secret":"x","form":{"grant_type":"client_credentials"}}`)
		if limited := status == http.StatusTooManyRequests; limited != (i > defaultLimits.CallBurst) {
			t.Fatalf("call %d: %d", i, status)
		}
	}
}

// The sandbox serves a test suite: hundreds of good calls from one address
// pass; wrong secrets are limited per address and per client id, and
// replicas sharing a store share the count.
func TestServerSandboxLimitsFailuresNotUse(t *testing.T) {
	good := func(srv *testServer, client, secret, from string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/sandbox/oauth2/token", strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(client, url.QueryEscape(secret))
		if from != "" {
			req.Header.Set("X-Forwarded-For", from)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Past the generous rate of every call, even good ones wait.
	few := startServer(t, config{Web: testWeb(t), SandboxRate: sandboxRate{Failed: 10, FailedWindow: time.Minute, Calls: 5, Flows: 60, FlowsPerClient: 100}})
	for i := 1; i <= 6; i++ {
		status := good(few, sandbox.DemoClientID, sandbox.DemoClientSecret, "")
		if limited := status == http.StatusTooManyRequests; limited != (i > 5) {
			t.Fatalf("good call %d past calls=5/s: %d", i, status)
		}
	}
	srv := startServer(t, config{Web: testWeb(t), TrustedProxies: []string{"127.0.0.1"}})
	for i := range 150 {
		if status := good(srv, sandbox.DemoClientID, sandbox.DemoClientSecret, ""); status != 200 {
			t.Fatalf("good call %d: %d", i+1, status)
		}
	}
	// Wrong secrets for one client id from ever new addresses.
	for i := 1; i <= defaultSandboxRate.Failed+1; i++ {
		status := good(srv, "eksempelbank", "wrong", fmt.Sprintf("198.51.100.%d", i))
		if limited := status == http.StatusTooManyRequests; limited != (i > defaultSandboxRate.Failed) {
			t.Fatalf("wrong secret %d from a new address: %d", i, status)
		}
	}
	// The scenarios endpoint authenticates the client too: wrong secrets there
	// count the same; a 401 the client arranged for itself does not.
	arrange := func(srv *testServer, secret, body string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/sandbox/scenarios", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(sandbox.DemoClientID, url.QueryEscape(secret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	guessing := startServer(t, config{Web: testWeb(t), SandboxRate: sandboxRate{Failed: 3, FailedWindow: time.Minute, Calls: 200, Flows: 60, FlowsPerClient: 100}})
	for i := 1; i <= 4; i++ {
		if status := arrange(guessing, "wrong", `{"endpoint":"token","status":500}`); (status == http.StatusTooManyRequests) != (i > 3) {
			t.Fatalf("wrong secret %d at /sandbox/scenarios: %d", i, status)
		}
	}
	arranged := startServer(t, config{Web: testWeb(t), SandboxRate: sandboxRate{Failed: 3, FailedWindow: time.Minute, Calls: 200, Flows: 60, FlowsPerClient: 100}})
	arrange(arranged, sandbox.DemoClientSecret, `{"endpoint":"token","status":401,"times":5}`)
	for i := 1; i <= 6; i++ {
		if status := good(arranged, sandbox.DemoClientID, sandbox.DemoClientSecret, ""); status == http.StatusTooManyRequests {
			t.Fatalf("arranged 401 number %d counted as a failed authentication", i)
		}
	}
	// Two replicas on one store: failures at either count for both.
	store := redistest.Start(t)
	replica := func() *testServer {
		st, err := sandbox.NewRedisStore(store, nil)
		if err != nil {
			t.Fatal(err)
		}
		return startServer(t, config{Web: testWeb(t), SandboxStore: st})
	}
	a, b := replica(), replica()
	for i := 1; i <= defaultSandboxRate.Failed+1; i++ {
		srv := a
		if i%2 == 0 {
			srv = b
		}
		status := good(srv, sandbox.DemoClientID, "wrong", "")
		if limited := status == http.StatusTooManyRequests; limited != (i > defaultSandboxRate.Failed) {
			t.Fatalf("wrong secret %d across replicas: %d", i, status)
		}
	}
}

// Starting flows is limited per address and per OAuth client: one script cannot fill the store
// that every person's consent page lives in.
func TestServerSandboxLimitsFlowsPerAddress(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t), SandboxRate: sandboxRate{Failed: 10, FailedWindow: time.Minute, Calls: 200, Flows: 30, FlowsPerClient: 1000}})
	authorize := srv.URL + "/sandbox/oauth2/auth?" + url.Values{"client_id": {sandbox.DemoClientID}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"statestate"}, "redirect_uri": {srv.URL + "/callback"}}.Encode()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i := 1; i <= 31; i++ {
		resp, err := client.Get(authorize)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if limited := resp.StatusCode == http.StatusTooManyRequests; limited != (i > 30) {
			t.Fatalf("authorize %d: %d", i, resp.StatusCode)
		}
	}
	// The consent decision spends the same budget: it is how a script
	// would fill the store once authorize is refused.
	resp, err := client.PostForm(srv.URL+"/sandbox/oauth2/auth/decide", url.Values{"request": {"x"}, "decision": {"allow"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the consent decision past the limit: %d", resp.StatusCode)
	}
	// One OAuth client may start only so many flows, from any address.
	perClient := startServer(t, config{Web: testWeb(t), SandboxRate: sandboxRate{Failed: 10, FailedWindow: time.Minute, Calls: 200, Flows: 1000, FlowsPerClient: 3}})
	authorize = strings.Replace(authorize, srv.URL, perClient.URL, -1)
	for i := 1; i <= 4; i++ {
		resp, err := client.Get(authorize)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if limited := resp.StatusCode == http.StatusTooManyRequests; limited != (i > 3) {
			t.Fatalf("client's flow %d: %d", i, resp.StatusCode)
		}
	}
}

// Empty secrets and a mapped proxy address are read as they say; -version
// prints the build; /web/ lists nothing.
func TestRunChecksFlagsAHostWouldGetWrong(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, args := range [][]string{
		{"-auth-issuer", "https://idp.example", "-auth-client-id", "authdebug", "-auth-client-secret-file", empty},
		{"-auth-issuer", "https://idp.example", "-auth-client-id", "authdebug"},
		{"-auth-proxy-header", "X-Auth-Request-Email", "-trusted-proxy", "10.0.0.5", "-auth-proxy-secret-file", empty},
	} {
		if _, err := parseFlags(args, func(string) string { return "" }); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	var out strings.Builder
	if code := run(context.Background(), []string{"-version"}, &out); code != 0 || !strings.HasPrefix(out.String(), "authdebug ") || !strings.Contains(out.String(), "go1.") {
		t.Errorf("-version: %d %q", code, out.String())
	}
	// "-env-allow without sign-in" is said only without sign-in.
	cfg, err := parseFlags([]string{"-env-allow", "prod=ops", "-auth-proxy-header", "X-Auth-Request-Email", "-trusted-proxy", "127.0.0.1"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Web = testWeb(t)
	srv := startServer(t, cfg)
	if strings.Contains(srv.log.String(), "without sign-in") {
		t.Error("warned of -env-allow without sign-in while sign-in is on")
	}
	plain := startServer(t, config{}) // the embedded web/, a real folder
	if resp, body := get(t, plain.URL+"/web/", nil); resp.StatusCode != 404 || strings.Contains(string(body), "style.css") {
		t.Errorf("/web/ lists its files: %d", resp.StatusCode)
	}
}

// NGI's form_post callback is a cross-site POST without the session: it
// passes sign-in, and only moves its fields into the page's fragment.
func TestServerFormPostPassesSignIn(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t), TrustedProxies: []string{"127.0.0.1"}, Proxy: portal.ProxyAuth{Header: "X-Auth-Request-Email"}})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(srv.URL+"/callback", url.Values{"code": {"c"}, "state": {"s1s2s3s4s5"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/callback#") {
		t.Errorf("form_post under sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _ := proxyCall(t, srv, "/callback", nil, ""); status != 401 {
		t.Errorf("GET /callback without a user: %d", status)
	}
}

// A deploy that changes only the stylesheet changes the version every
// file is cached by.
func TestServerVersionCoversEveryFile(t *testing.T) {
	a, b := testWeb(t).(fstest.MapFS), testWeb(t).(fstest.MapFS)
	b["style.css"] = &fstest.MapFile{Data: []byte("body { color: red }")}
	etag := func(web fstest.MapFS) string {
		srv := startServer(t, config{Web: web})
		resp, _ := get(t, srv.URL+"/web/style.css", nil)
		return resp.Header.Get("ETag")
	}
	if ea, eb := etag(a), etag(b); ea == "" || ea == eb {
		t.Errorf("a changed style.css keeps the ETag %q", ea)
	}
}

// A signed-in user's requests are named on the access log; answers are
// counted by route and code.
func TestServerAccessLogNamesTheUser(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t), TrustedProxies: []string{"127.0.0.1"}, Proxy: portal.ProxyAuth{Header: "X-Auth-Request-Email"}})
	proxyCall(t, srv, "/api/environments", map[string]string{"X-Auth-Request-Email": "ada@bank.example"}, "")
	if !strings.Contains(srv.log.String(), "path=/api/environments status=200") || !strings.Contains(srv.log.String(), "user=ada@bank.example") {
		t.Errorf("log:\n%s", srv.log.String())
	}
	_, metrics := proxyCall(t, srv, "/metrics", nil, "")
	for _, want := range []string{`authdebug_http_responses_total{code="200",route="api"} 1`, "authdebug_build_info{"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// Idle connections from one address do not keep another's requests, or the
// probes on their own listener, waiting.
func TestServerOneAddressCannotFillTheListener(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t), Limits: limits{MaxConns: 40, IdleTimeout: time.Minute}})
	addr := strings.TrimPrefix(srv.URL, "http://")
	for range 60 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	resp, err := client.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatalf("another address waits: %v", err)
	}
	resp.Body.Close()
}

func TestParseSandboxRate(t *testing.T) {
	r, err := parseSandboxRate("failed=5/30s,calls=50/s")
	if err != nil || r.Failed != 5 || r.FailedWindow != 30*time.Second || r.Calls != 50 || r.Flows != defaultSandboxRate.Flows {
		t.Errorf("%+v %v", r, err)
	}
	for _, bad := range []string{"failed=5", "calls=50/m", "flows=0/m", "speed=1/s", "failed=x/1m"} {
		if _, err := parseSandboxRate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// -sandbox-public lets a team's app reach the sandbox's machine endpoints
// past sign-in, authenticating as its client; the consent page still
// needs a signed-in person. Without the flag, machines get 401.
func TestServerSandboxPublicLetsMachinesIn(t *testing.T) {
	signedIn := config{Web: testWeb(t), TrustedProxies: []string{"127.0.0.1"}, Proxy: portal.ProxyAuth{Header: "X-Auth-Request-Email"}}
	public := signedIn
	public.SandboxPublic = true
	token := func(srv *testServer) int {
		req, _ := http.NewRequest("POST", srv.URL+"/sandbox/oauth2/token", strings.NewReader("grant_type=client_credentials&audience="+url.QueryEscape(ngi.Preprod().Services[0].Audience)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(sandbox.DemoClientID, url.QueryEscape(sandbox.DemoClientSecret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	closed, open := startServer(t, signedIn), startServer(t, public)
	if status, _ := proxyCall(t, closed, "/sandbox/.well-known/openid-configuration", nil, ""); status != 401 {
		t.Errorf("discovery without -sandbox-public: %d", status)
	}
	if status := token(closed); status != 401 {
		t.Errorf("token without -sandbox-public: %d", status)
	}
	if status, _ := proxyCall(t, open, "/sandbox/.well-known/openid-configuration", nil, ""); status != 200 {
		t.Errorf("discovery with -sandbox-public: %d", status)
	}
	if status := token(open); status != 200 {
		t.Errorf("token with -sandbox-public: %d", status)
	}
	if status, _ := proxyCall(t, open, "/sandbox/oauth2/auth?client_id="+sandbox.DemoClientID, nil, ""); status != 401 {
		t.Errorf("the consent flow with -sandbox-public and no person: %d", status)
	}
	if status, _ := proxyCall(t, open, "/api/environments", nil, ""); status != 401 {
		t.Errorf("the relay with -sandbox-public and no person: %d", status)
	}
}
