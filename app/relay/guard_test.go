package relay

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"authdebug/app/flow"
	"authdebug/app/guard"
	"authdebug/app/ngi"
)

// A script trying secrets meets the limit within a second; what it is told
// says when to try again, and nothing past the limit reaches upstream.
func TestRelayRateLimitsTokenCalls(t *testing.T) {
	up := newUpstream(t, okToken)
	relay, _ := newRelay(t, up.URL, Options{Limit: guard.NewLimiter(5, time.Minute, 100)})
	body := tokenBody("wrong", map[string]string{"grant_type": "client_credentials"})
	limited := 0
	for i := range 50 {
		status, res, hdr := postJSON(t, relay.URL+"/api/token", body)
		if status != http.StatusTooManyRequests {
			continue
		}
		limited++
		if i < 5 {
			t.Errorf("call %d was limited; the burst is 5", i+1)
		}
		secs, err := strconv.Atoi(hdr.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After = %q", hdr.Get("Retry-After"))
		}
		if res.Error == nil || res.Error.Kind != "rate_limited" || !strings.Contains(res.Error.Message, "Try again in "+hdr.Get("Retry-After")+" s") {
			t.Errorf("limited answer = %+v", res.Error)
		}
	}
	if limited != 45 || up.hits.Load() != 5 {
		t.Errorf("%d of 50 calls limited, %d reached upstream; want 45 and 5", limited, up.hits.Load())
	}
	// Revocation shares the budget; discovery and keys are not limited.
	rb, _ := json.Marshal(flow.RelayRequest{Env: "up", ClientID: "c", ClientSecret: "s", Form: map[string]string{"token": "t"}})
	if status, _, _ := postJSON(t, relay.URL+"/api/revoke", string(rb)); status != http.StatusTooManyRequests {
		t.Errorf("revoke past the limit = %d", status)
	}
	resp, _ := http.Get(relay.URL + "/api/discovery?env=up")
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("discovery past the limit = %d", resp.StatusCode)
	}
}

// Behind a trusted proxy each client has its own budget; from anywhere else,
// X-Forwarded-For is ignored, so it cannot buy a fresh budget per call.
func TestRelayRateLimitPerClientBehindTrustedProxy(t *testing.T) {
	up := newUpstream(t, okToken)
	call := func(relay string, forwardedFor string) int {
		req, _ := http.NewRequest("POST", relay+"/api/token", strings.NewReader(tokenBody("s", map[string]string{"grant_type": "client_credentials"})))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", forwardedFor)
		resp, err := pageClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	trusted, _ := guard.ParseTrustedProxies([]string{"127.0.0.0/8"})
	behindProxy, _ := newRelay(t, up.URL, Options{Limit: guard.NewLimiter(2, time.Minute, 100), Clients: trusted})
	for i := range 3 {
		if got := call(behindProxy.URL, "203.0.113.7"); (got == 429) != (i == 2) {
			t.Errorf("client A call %d = %d", i+1, got)
		}
	}
	if got := call(behindProxy.URL, "203.0.113.8"); got != 200 {
		t.Errorf("client B behind the proxy = %d", got)
	}
	direct, _ := newRelay(t, up.URL, Options{Limit: guard.NewLimiter(2, time.Minute, 100)})
	for i := range 3 {
		if got := call(direct.URL, fmt.Sprintf("198.51.100.%d", i)); (got == 429) != (i == 2) {
			t.Errorf("forged X-Forwarded-For call %d = %d", i+1, got)
		}
	}
}

// An upstream sending endless headers is cut off, not read into memory.
func TestRelayBoundsUpstreamHeaders(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		for i := range 40 {
			w.Header().Set(fmt.Sprintf("X-Pad-%d", i), strings.Repeat("p", 4000))
		}
		okToken(w, r)
	})
	relay, _ := newRelay(t, up.URL, Options{})
	status, res, _ := postJSON(t, relay.URL+"/api/token", tokenBody("s", map[string]string{"grant_type": "client_credentials"}))
	if status != http.StatusBadGateway || res.Error == nil || res.Response != nil {
		t.Errorf("160 KB of headers: %d %+v", status, res)
	}
}

// An environment whose endpoint cannot make a request answers with an error
// that names it; the relay does not panic.
func TestRelayBadEndpointIsAnError(t *testing.T) {
	bad := ngi.Hydra("bad", "Bad", "http://[::1")
	site, _ := guard.ParseSite("http://tool.example")
	r := New([]ngi.Environment{bad}, Options{Site: site, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, req := range []*http.Request{
		httptest.NewRequest("POST", "/api/token", strings.NewReader(`{"env":"bad","client_id":"c","form":{"grant_type":"client_credentials"}}`)),
		httptest.NewRequest("GET", "/api/jwks?env=bad", nil),
	} {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://tool.example")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "bad_endpoint") {
			t.Errorf("%s %s: %d %s", req.Method, req.URL, w.Code, w.Body)
		}
	}
}

// 1,000 concurrent token calls through the relay, each from its own client
// behind a trusted proxy: all answered, none lost, memory back where it was.
func TestRelayManyConcurrentCalls(t *testing.T) {
	up := newUpstream(t, okToken)
	trusted, _ := guard.ParseTrustedProxies([]string{"127.0.0.1"})
	relay, _ := newRelay(t, up.URL, Options{Limit: guard.NewLimiter(20, time.Second, 10000), Clients: trusted,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	body := tokenBody("s", map[string]string{"grant_type": "client_credentials"})
	client := &http.Client{Transport: fromPage{&http.Transport{MaxConnsPerHost: 200, MaxIdleConnsPerHost: 200}}}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var failed atomic.Int32
	var wg sync.WaitGroup
	for i := range 1000 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", relay.URL+"/api/token", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.1.%d.%d", i/250, i%250))
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				return
			}
			var res flow.RelayResult
			if json.NewDecoder(resp.Body).Decode(&res) != nil || resp.StatusCode != 200 || res.Response == nil || res.Response.Status != 200 {
				failed.Add(1)
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	client.CloseIdleConnections()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if failed.Load() != 0 || up.hits.Load() != 1000 {
		t.Errorf("%d of 1000 calls failed; upstream saw %d", failed.Load(), up.hits.Load())
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 32<<20 {
		t.Errorf("the heap grew by %d MB", grown>>20)
	}
}

// FuzzRelayDecode sends any body to the token endpoint: the relay never
// panics, answers 400 without calling out, or calls exactly the configured
// endpoint with only the fields it allows.
func FuzzRelayDecode(f *testing.F) {
	for _, seed := range []string{
		`{"env":"up","client_id":"c","client_secret":"s","form":{"grant_type":"client_credentials"}}`,
		`{"env":"up","client_id":"c","form":{"grant_type":"authorization_code","code":"x","redirect_uri":"http://169.254.169.254/"}}`,
		`{"env":"http://127.0.0.1:1","client_id":"c","form":{"grant_type":"x"}}`,
		`{"env":"up","client_id":"c","url":"http://evil","form":{"grant_type":"x"}}`,
		`{"env":"up"}{"env":"up"}`, `[]`, `{"form":{"grant_type":1}}`, "\x00", `{"env":"up","client_id":"c","form":{"grant_type":"a","Grant_Type":"b"}}`,
	} {
		f.Add(seed)
	}
	var sent atomic.Pointer[http.Request]
	var bodies sync.Map
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		bodies.Store(r, string(b))
		sent.Store(r)
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
	})
	env := ngi.Hydra("up", "Up", "https://auth.example/")
	site, _ := guard.ParseSite("http://tool.example")
	r := New([]ngi.Environment{env}, Options{Site: site, Network: tr, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	f.Fuzz(func(t *testing.T, body string) {
		sent.Store(nil)
		req := httptest.NewRequest("POST", "http://tool.example/api/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://tool.example")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		up := sent.Load()
		switch w.Code {
		case http.StatusBadRequest:
			if up != nil {
				t.Fatalf("refused with 400 but called %s", up.URL)
			}
		case http.StatusOK:
			if up == nil || up.URL.String() != env.Endpoints.Token {
				t.Fatalf("answered 200 after calling %v", up)
			}
			b, _ := bodies.Load(up)
			form, err := url.ParseQuery(b.(string))
			if err != nil {
				t.Fatalf("sent a body that is no form: %q", b)
			}
			for k := range form {
				if !slices.Contains(formFields, k) {
					t.Fatalf("sent the field %q", k)
				}
			}
		default:
			t.Fatalf("answered %d: %s", w.Code, w.Body)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// /api/call builds the URL itself: the environment's API base and the
// operation's fixed path. Nothing in a request names another target.
func TestRelayCallReachesOnlyTheAPIBase(t *testing.T) {
	var trapped atomic.Int32
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { trapped.Add(1) }))
	defer trap.Close()
	var got atomic.Pointer[http.Request]
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"active":true,"expires_at":1}`)
	}))
	defer api.Close()
	env := ngi.Hydra("up", "Up", api.URL+"/")
	env.APIBase = api.URL
	env.Services = ngi.Services(api.URL)
	site, _ := guard.ParseSite("http://tool.example")
	r := New([]ngi.Environment{env}, Options{Site: site, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	call := func(body string) (int, flow.RelayResult) {
		req := httptest.NewRequest("POST", "/api/call", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://tool.example")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		var res flow.RelayResult
		json.Unmarshal(w.Body.Bytes(), &res)
		return w.Code, res
	}
	trapURL := trap.URL
	for _, body := range []string{
		`{"env":"up","operation":"getConsentStatusWithID","access_token":"t","consent_id":"../../admin"}`,
		`{"env":"up","operation":"getConsentStatusWithID","access_token":"t","consent_id":"` + trapURL + `"}`,
		`{"env":"up","operation":"getConsentStatusWithID","access_token":"t","consent_id":"abc/def12345"}`,
		`{"env":"up","operation":"getConsentStatusWithID","access_token":"t","consent_id":"abcdefgh?x=1"}`,
		`{"env":"up","operation":"getConsentStatusWithID","access_token":"t","consent_id":"abcdefgh#x"}`,
		`{"env":"up","operation":"` + trapURL + `","access_token":"t"}`,
		`{"env":"up","operation":"getDebtWithAuthCodeToken/../../x","access_token":"t"}`,
		`{"env":"` + trapURL + `","operation":"getDebtWithAuthCodeToken","access_token":"t"}`,
		`{"env":"up","operation":"getDebtWithAuthCodeToken","access_token":"t","url":"` + trapURL + `"}`,
		`{"env":"up","operation":"getDebtWithAuthCodeToken","access_token":"t\r\nHost: evil"}`,
		`{"env":"up","operation":"getDebtWithAuthCodeToken","access_token":""}`,
		`{"env":"up","operation":"getDebtWithAuthCodeToken","access_token":"t","consent_id":"abcdefgh1"}`,
		`{"env":"up","operation":"getDebtWithAuthCodeToken","access_token":"t","consent":{"nin":"1","scope_of_consent":"x","consent_duration_days":1,"client_consent_id":"` + trapURL + `"}}`,
		`{"env":"up","operation":"feed","access_token":"t","from_sequence_nr":-1,"limit":1}`,
		`{"env":"up","operation":"feed","access_token":"t"}`,
		`{"env":"up","operation":"createConsent","access_token":"t"}`,
	} {
		if status, res := call(body); status != 400 || res.Error == nil || res.Error.Kind != "bad_request" {
			t.Errorf("%s: %d %+v", body, status, res)
		}
	}
	if trapped.Load() != 0 || got.Load() != nil {
		t.Fatalf("a refused call went out (trap %d)", trapped.Load())
	}
	// A good call: the fixed path under the API base, the token as Bearer, masked on the page.
	status, res := call(`{"env":"up","operation":"getConsentStatusWithID","access_token":"TOKEN-VALUE","consent_id":"3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8"}`)
	up := got.Load()
	if status != 200 || up == nil || up.URL.Path != "/v1/debt/3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8/status" || up.Header.Get("Authorization") != "Bearer TOKEN-VALUE" || up.Header.Get("X-Trace-ID") == "" {
		t.Fatalf("good call: %d %+v", status, up)
	}
	if strings.Contains(fmt.Sprint(res.Request), "TOKEN-VALUE") {
		t.Errorf("the token is shown unmasked: %+v", res.Request)
	}
	// The feed's numbers go in the query the relay writes.
	call(`{"env":"up","operation":"feed","access_token":"t","from_sequence_nr":5,"limit":10}`)
	if q := got.Load().URL.RawQuery; q != "fromSequenceNr=5&limit=10" {
		t.Errorf("feed query %q", q)
	}
}

// A failed call names the host that failed: the API's for an API call,
// the authorization server's for a token call.
func TestRelayErrorNamesTheHostThatFailed(t *testing.T) {
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer auth.Close()
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	apiURL := "http://" + dead.Addr().String()
	dead.Close()
	env := ngi.Hydra("up", "Up", auth.URL+"/")
	env.APIBase = apiURL
	env.Services = ngi.Services(apiURL)
	site, _ := guard.ParseSite("http://tool.example")
	r := New([]ngi.Environment{env}, Options{Site: site, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	req := httptest.NewRequest("POST", "/api/call", strings.NewReader(`{"env":"up","operation":"getDebtWithAuthCodeToken","access_token":"t"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://tool.example")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	var res flow.RelayResult
	json.Unmarshal(w.Body.Bytes(), &res)
	if res.Error == nil || !strings.Contains(res.Error.Message, apiURL) || strings.Contains(res.Error.Message, auth.URL) {
		t.Errorf("the API's failure: %+v", res.Error)
	}
}
