package relay

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"authdebug/app/flow"
	"authdebug/app/guard"
	"authdebug/app/ngi"
)

// upstream is a loopback authorization server that records what it received.
type upstream struct {
	*httptest.Server
	hits atomic.Int32
	mu   sync.Mutex
	last *http.Request
	body []byte
}

func newUpstream(t testing.TB, h http.HandlerFunc) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.last, u.body = r, b
		u.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

func okToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"access_token":"abc.def","expires_in":3599,"scope":"consent.create","token_type":"bearer"}`)
}

// newRelay serves a relay whose "up" environment is the given issuer.
func newRelay(t testing.TB, issuer string, opts Options) (*httptest.Server, *bytes.Buffer) {
	var log bytes.Buffer
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &log}, nil))
	}
	s := httptest.NewUnstartedServer(nil)
	if opts.Site.Origin() == "" {
		site, err := guard.ParseSite("http://" + s.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		opts.Site = site
	}
	s.Config.Handler = New([]ngi.Environment{ngi.Hydra("up", "Upstream", issuer+"/")}, opts)
	s.Start()
	t.Cleanup(s.Close)
	return s, &log
}

// pageClient calls the relay as the tool's page does: a POST carries the
// Origin of the server it goes to.
var pageClient = &http.Client{Transport: fromPage{http.DefaultTransport}}

type fromPage struct{ http.RoundTripper }

func (p fromPage) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Origin") == "" && r.Method == http.MethodPost {
		r = r.Clone(r.Context())
		r.Header.Set("Origin", "http://"+r.URL.Host)
	}
	return p.RoundTripper.RoundTrip(r)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func postJSON(t testing.TB, url, body string) (int, flow.RelayResult, http.Header) {
	t.Helper()
	resp, err := pageClient.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res flow.RelayResult
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("relay answered %d with %q", resp.StatusCode, raw)
	}
	return resp.StatusCode, res, resp.Header
}

func tokenBody(secret string, form map[string]string) string {
	b, _ := json.Marshal(flow.RelayRequest{Env: "up", ClientID: "client id+1", ClientSecret: secret, Form: form})
	return string(b)
}

func TestRelaySendsExactBytes(t *testing.T) {
	up := newUpstream(t, okToken)
	relay, _ := newRelay(t, up.URL, Options{})
	secret := "s3cr+t %&:/?= x"
	status, res, hdr := postJSON(t, relay.URL+"/api/token", tokenBody(secret, map[string]string{
		"grant_type": "client_credentials", "audience": "https://api-preprod.norskgjeld.no/v1/consent/agreement", "scope": "consent.create",
	}))
	if status != 200 || res.Response == nil || res.Response.Status != 200 {
		t.Fatalf("relay = %d %+v", status, res)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if up.last.Method != "POST" || up.last.URL.Path != "/oauth2/token" {
		t.Errorf("upstream got %s %s", up.last.Method, up.last.URL)
	}
	wantBody := "audience=https%3A%2F%2Fapi-preprod.norskgjeld.no%2Fv1%2Fconsent%2Fagreement&grant_type=client_credentials&scope=consent.create"
	if string(up.body) != wantBody {
		t.Errorf("body =\n%s\nwant\n%s", up.body, wantBody)
	}
	// RFC 6749 §2.3.1: each form-url-encoded, then base64 of id:secret.
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("client+id%2B1:s3cr%2Bt+%25%26%3A%2F%3F%3D+x"))
	if got := up.last.Header.Get("Authorization"); got != wantAuth {
		t.Errorf("Authorization = %s, want %s", got, wantAuth)
	}
	if ct := up.last.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %s", ct)
	}
	// What the page sees is masked.
	shown, _ := json.Marshal(res.Request)
	if strings.Contains(string(shown), wantAuth[6:]) || strings.Contains(string(shown), "s3cr") {
		t.Errorf("the secret is shown to the page: %s", shown)
	}
	if res.Request.Body != wantBody || res.Request.URL != up.URL+"/oauth2/token" {
		t.Errorf("shown request = %+v", res.Request)
	}
	if hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", hdr.Get("Cache-Control"))
	}
}

func TestRelayUpstreamErrorIsARelayedAnswer(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		io.WriteString(w, `{"error":"invalid_client","error_description":"Client authentication failed"}`)
	})
	relay, _ := newRelay(t, up.URL, Options{})
	status, res, _ := postJSON(t, relay.URL+"/api/token", tokenBody("x", map[string]string{"grant_type": "authorization_code", "code": "c", "redirect_uri": "https://a/cb"}))
	if status != 200 || res.Error != nil || res.Response.Status != 401 || !strings.Contains(res.Response.Body, "invalid_client") {
		t.Fatalf("relay = %d %+v", status, res)
	}
	if res.Response.ElapsedMS <= 0 {
		t.Errorf("elapsed = %v", res.Response.ElapsedMS)
	}
}

func TestRelayRefusesHostileTargets(t *testing.T) {
	up := newUpstream(t, okToken)
	relay, _ := newRelay(t, up.URL, Options{})
	// Something that must never be reached.
	var trapped atomic.Int32
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { trapped.Add(1) }))
	defer trap.Close()
	trapHost := strings.TrimPrefix(trap.URL, "http://")
	hostileEnvs := []string{trap.URL, trapHost, "up@" + trapHost, "http://up@" + trapHost, "169.254.169.254", "http://169.254.169.254/latest/meta-data/",
		"file:///etc/passwd", "..%2f..%2fetc", "up/../" + trapHost, "UP", "up ", "", "127.0.0.1", "[::1]", "up#", "up?x=1"}
	for _, env := range hostileEnvs {
		body, _ := json.Marshal(map[string]any{"env": env, "client_id": "c", "client_secret": "s", "form": map[string]string{"grant_type": "client_credentials"}})
		status, res, _ := postJSON(t, relay.URL+"/api/token", string(body))
		if status != 400 || res.Error == nil || res.Error.Kind != "bad_request" {
			t.Errorf("env %q: %d %+v", env, status, res)
		}
		resp, err := http.Get(relay.URL + "/api/discovery?env=" + url.QueryEscape(env))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("discovery env %q: %d", env, resp.StatusCode)
		}
	}
	// Fields that could name a target are refused, not ignored.
	for _, body := range []string{
		`{"env":"up","client_id":"c","url":"` + trap.URL + `","form":{"grant_type":"client_credentials"}}`,
		`{"env":"up","client_id":"c","endpoint":"` + trap.URL + `","form":{"grant_type":"client_credentials"}}`,
		`{"env":"up","client_id":"c","form":{"grant_type":"client_credentials","token_endpoint":"` + trap.URL + `"}}`,
		`{"env":"up","client_id":"c","form":{"grant_type":"client_credentials","host":"` + trapHost + `"}}`,
	} {
		if status, res, _ := postJSON(t, relay.URL+"/api/token", body); status != 400 || res.Error == nil {
			t.Errorf("%s: %d %+v", body, status, res)
		}
	}
	for _, q := range []string{"env=up&url=" + url.QueryEscape(trap.URL), "env=up&env=" + url.QueryEscape(trap.URL)} {
		resp, _ := http.Get(relay.URL + "/api/jwks?" + q)
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("jwks?%s: %d", q, resp.StatusCode)
		}
	}
	// Host and X-Forwarded-Host change nothing: the configured endpoint is called.
	req, _ := http.NewRequest("POST", relay.URL+"/api/token", strings.NewReader(tokenBody("s", map[string]string{"grant_type": "client_credentials"})))
	req.Header.Set("Content-Type", "application/json")
	req.Host = trapHost
	req.Header.Set("X-Forwarded-Host", trapHost)
	req.Header.Set("Origin", relay.URL)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// URLs in form values are data: sent as they are, never fetched.
	postJSON(t, relay.URL+"/api/token", tokenBody("s", map[string]string{"grant_type": "authorization_code", "code": "c", "redirect_uri": trap.URL + "/cb", "audience": trap.URL}))
	if trapped.Load() != 0 {
		t.Fatalf("the trap was reached %d times", trapped.Load())
	}
	if up.hits.Load() != 2 {
		t.Fatalf("upstream hits = %d, want 2 (the Host-header request and the form-URL request)", up.hits.Load())
	}
}

func TestRelayRejectsBadRequests(t *testing.T) {
	up := newUpstream(t, okToken)
	relay, _ := newRelay(t, up.URL, Options{MaxRequest: 1024})
	tests := []struct {
		name, contentType, body, phrase string
	}{
		{"form post", "application/x-www-form-urlencoded", "env=up&client_id=c", "must be JSON"},
		{"text plain", "text/plain", tokenBody("s", map[string]string{"grant_type": "x"}), "must be JSON"},
		{"unknown field", "application/json", `{"env":"up","client_id":"c","surprise":1,"form":{"grant_type":"x"}}`, "unknown field"},
		{"not json", "application/json", `{"env":`, "not valid"},
		{"two values", "application/json", tokenBody("s", map[string]string{"grant_type": "x"}) + "{}", "more than one"},
		{"too large", "application/json", `{"env":"up","client_id":"` + strings.Repeat("a", 2000) + `"}`, "larger than 1024"},
		{"no client", "application/json", `{"env":"up","form":{"grant_type":"x"}}`, "client id is missing"},
		{"no grant", "application/json", `{"env":"up","client_id":"c","form":{}}`, "no grant_type"},
		{"unknown env", "application/json", `{"env":"elsewhere","client_id":"c","form":{"grant_type":"x"}}`, "Unknown environment"},
	}
	for _, tt := range tests {
		resp, err := pageClient.Post(relay.URL+"/api/token", tt.contentType, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		var res flow.RelayResult
		json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if resp.StatusCode != 400 || res.Error == nil || !strings.Contains(res.Error.Message, tt.phrase) {
			t.Errorf("%s: %d %+v", tt.name, resp.StatusCode, res.Error)
		}
	}
	if up.hits.Load() != 0 {
		t.Errorf("bad requests reached upstream %d times", up.hits.Load())
	}
}

func TestRelayRefusesCrossSiteRequests(t *testing.T) {
	up := newUpstream(t, okToken)
	site, _ := guard.ParseSite("https://debug.example.org")
	relay, _ := newRelay(t, up.URL, Options{Site: site})
	body := tokenBody("s", map[string]string{"grant_type": "client_credentials"})
	tests := []struct {
		headers map[string]string
		status  int
	}{
		{map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403},
		{map[string]string{"Origin": "https://evil.example"}, 403},
		{map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{map[string]string{"Origin": "null"}, 403},
		// The request's own host is not enough: DNS rebinding makes Host and Origin agree.
		{map[string]string{"Origin": relay.URL, "Sec-Fetch-Site": "same-origin"}, 403},
		{map[string]string{"Origin": "https://debug.example.org.evil.example"}, 403},
		{map[string]string{"Origin": "http://debug.example.org"}, 403},
		// A POST without Origin is not from a browser page: a script could try secrets with it.
		{map[string]string{}, 403},
		{map[string]string{"Sec-Fetch-Site": "same-origin"}, 403},
		{map[string]string{"Origin": "https://debug.example.org", "Sec-Fetch-Site": "same-origin"}, 200},
		{map[string]string{"Origin": "https://DEBUG.example.org:443"}, 200},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("POST", relay.URL+"/api/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range tt.headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%v: %d, want %d", tt.headers, resp.StatusCode, tt.status)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%v: Cache-Control %q", tt.headers, resp.Header.Get("Cache-Control"))
		}
	}
	// A cross-site HTML form post (text/plain or form-encoded) gets 403 before anything else.
	req, _ := http.NewRequest("POST", relay.URL+"/api/token", strings.NewReader("env=up"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 403 || up.hits.Load() != 2 {
		t.Errorf("form post: %d, upstream hits %d", resp.StatusCode, up.hits.Load())
	}
}

func TestRelayDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Add(1) }))
	defer elsewhere.Close()
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/steal", http.StatusFound)
	})
	relay, _ := newRelay(t, up.URL, Options{})
	resp, err := http.Get(relay.URL + "/api/discovery?env=up")
	if err != nil {
		t.Fatal(err)
	}
	var res flow.RelayResult
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if res.Response == nil || res.Response.Status != 302 || flow.HeaderValue(res.Response.Headers, "Location") != elsewhere.URL+"/steal" {
		t.Fatalf("redirect shown as %+v", res)
	}
	if followed.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

func TestRelayFaults(t *testing.T) {
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refusedURL := "http://" + closed.Addr().String()
	closed.Close()

	tlsServer := httptest.NewTLSServer(http.HandlerFunc(okToken))
	defer tlsServer.Close()

	slow := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	huge := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 2048))
	})

	// DNS: a resolver that cannot be reached gives a real *net.DNSError.
	deadUDP, _ := net.ListenPacket("udp", "127.0.0.1:0")
	deadAddr := deadUDP.LocalAddr().String()
	deadUDP.Close()
	dnsTransport := http.DefaultTransport.(*http.Transport).Clone()
	dnsTransport.DialContext = (&net.Dialer{Resolver: &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", deadAddr)
	}}}).DialContext

	tests := []struct {
		name   string
		issuer string
		opts   Options
		kind   string
	}{
		{"connection refused", refusedURL, Options{}, "refused"},
		{"dns failure", "http://ngi-authdebug-test.example", Options{Network: dnsTransport, Timeout: 3 * time.Second}, "dns"},
		{"tls failure", tlsServer.URL, Options{}, "tls"},
		{"timeout", slow.URL, Options{Timeout: 200 * time.Millisecond}, "timeout"},
		{"too large", huge.URL, Options{MaxResponse: 1024}, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			relay, _ := newRelay(t, tt.issuer, tt.opts)
			status, res, _ := postJSON(t, relay.URL+"/api/token", tokenBody("s", map[string]string{"grant_type": "client_credentials"}))
			if status != http.StatusBadGateway || res.Error == nil || res.Error.Kind != tt.kind || res.Error.Message == "" {
				t.Fatalf("relay = %d %+v", status, res.Error)
			}
			if res.Request == nil || res.Request.URL != tt.issuer+"/oauth2/token" {
				t.Errorf("the request sent is not shown: %+v", res.Request)
			}
			// The server keeps serving.
			if resp, err := http.Get(relay.URL + "/api/environments"); err != nil || resp.StatusCode != 200 {
				t.Errorf("after the fault: %v %v", resp, err)
			}
		})
	}
}

// Bodies that are not a token response are relayed as they are; the page's
// reader explains each.
func TestRelayedBadBodiesAreExplained(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		status                  int
		phrase                  string
	}{
		{"html", "text/html", "<!doctype html><h1>502 Bad Gateway</h1>", 502, "HTML"},
		{"invalid json", "application/json", `{"access_token":`, 200, "not a JSON object"},
		{"empty", "application/json", "", 200, "empty body"},
		{"5xx without error", "application/json", `{"message":"boom"}`, 503, "without an OAuth error code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			relay, _ := newRelay(t, up.URL, Options{})
			status, res, _ := postJSON(t, relay.URL+"/api/token", tokenBody("s", map[string]string{"grant_type": "client_credentials"}))
			if status != 200 || res.Response == nil || res.Response.Status != tt.status || res.Response.Body != tt.body {
				t.Fatalf("relay = %d %+v", status, res)
			}
			tok, oerr, problem := flow.ReadTokenResponse(res.Response.Status, flow.HeaderValue(res.Response.Headers, "Content-Type"), res.Response.Body)
			if tok != nil || oerr != nil || !strings.Contains(problem, tt.phrase) {
				t.Errorf("reading = %v %v %q", tok, oerr, problem)
			}
		})
	}
}

func TestRelayCancelsUpstreamWhenClientLeaves(t *testing.T) {
	canceled := make(chan struct{})
	started := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-r.Context().Done():
			close(canceled)
		case <-time.After(10 * time.Second):
		}
	})
	relay, _ := newRelay(t, up.URL, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", relay.URL+"/api/token", strings.NewReader(tokenBody("s", map[string]string{"grant_type": "client_credentials"})))
	req.Header.Set("Content-Type", "application/json")
	go pageClient.Do(req)
	<-started
	cancel()
	select {
	case <-canceled:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream call went on after the client left")
	}
}

func TestRelayLogsNoSecrets(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"access_token":"TOKEN-VALUE-77","expires_in":3599,"id_token":"x.PID-14842249091.y","token_type":"bearer"}`)
	})
	relay, log := newRelay(t, up.URL, Options{})
	postJSON(t, relay.URL+"/api/token", tokenBody("SECRET-VALUE-42", map[string]string{"grant_type": "authorization_code", "code": "CODE-VALUE-99", "redirect_uri": "https://a/cb"}))
	out := log.String()
	// One audit line: who, where, which client, how it ended.
	if !strings.Contains(out, "call=token") || !strings.Contains(out, "audit=true") || !strings.Contains(out, `client_id="client id+1"`) ||
		!strings.Contains(out, "outcome=success") || !strings.Contains(out, "user=127.0.0.1") {
		t.Fatalf("no audit line: %q", out)
	}
	for _, secret := range []string{"SECRET-VALUE-42", "CODE-VALUE-99", "TOKEN-VALUE-77", "14842249091", "redirect_uri", "https://a/cb"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
}

func TestRelayRevokeAndJWKS(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/jwks.json" {
			io.WriteString(w, `{"keys":[]}`)
		}
	})
	relay, _ := newRelay(t, up.URL, Options{})
	body, _ := json.Marshal(flow.RelayRequest{Env: "up", ClientID: "c", ClientSecret: "s", Form: map[string]string{"token": "t", "token_type_hint": "access_token"}})
	status, res, _ := postJSON(t, relay.URL+"/api/revoke", string(body))
	if status != 200 || res.Response.Status != 200 {
		t.Fatalf("revoke = %d %+v", status, res)
	}
	up.mu.Lock()
	if up.last.URL.Path != "/oauth2/revoke" || string(up.body) != "token=t&token_type_hint=access_token" || !strings.HasPrefix(up.last.Header.Get("Authorization"), "Basic ") {
		t.Errorf("upstream got %s %q", up.last.URL, up.body)
	}
	up.mu.Unlock()
	resp, _ := http.Get(relay.URL + "/api/jwks?env=up")
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if res.Response.Body != `{"keys":[]}` {
		t.Errorf("jwks = %+v", res.Response)
	}
}

// An upstream's own error words never become a metric label: only codes ngi
// knows do, so the label set stays bounded.
func TestOutcomeLabelIsBounded(t *testing.T) {
	answer := func(status int, body string) flow.RelayResult {
		return flow.RelayResult{Response: &flow.WireResponse{Status: status, Body: body}}
	}
	for _, tt := range []struct {
		res  flow.RelayResult
		want string
	}{
		{answer(200, `{"access_token":"x"}`), "success"},
		{answer(401, `{"error":"invalid_client"}`), "invalid_client"},
		{answer(400, `{"error":"made_up_by_upstream_1234"}`), "http_400"},
		{answer(502, `<html>bad gateway</html>`), "http_502"},
		{flow.RelayResult{Error: &flow.RelayError{Kind: "timeout"}}, "relay_timeout"},
	} {
		if got := outcomeOf(tt.res); got != tt.want {
			t.Errorf("outcomeOf(%+v) = %q, want %q", tt.res.Response, got, tt.want)
		}
	}
}
