package sandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"authdebug/app/flow"
)

// Another site's form posting a decision would land the attacker's code in
// the victim's Callback tab (login CSRF): only the consent page's own posts count.
func TestSandboxDecisionOnlyFromItsOwnPage(t *testing.T) {
	ts := newTestSandbox(t)
	for _, tt := range []struct {
		name   string
		origin string
		site   string
	}{
		{"another site", "https://evil.example", "cross-site"},
		{"another site without fetch metadata", "https://evil.example", ""},
		{"an opaque origin", "null", ""},
		{"no origin at all", "", ""},
		{"the right origin but a cross-site fetch", ts.URL, "cross-site"},
		{"a same-site neighbour", "null", "same-site"},
	} {
		id, _, page := ts.consent(t, ts.authorizeURL(nil))
		if id == "" {
			t.Fatalf("no consent page:\n%s", page)
		}
		req, _ := http.NewRequest("POST", ts.URL+"/sandbox/oauth2/auth/decide", strings.NewReader(url.Values{"request": {id}, "action": {"approve"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tt.origin != "" {
			req.Header.Set("Origin", tt.origin)
		}
		if tt.site != "" {
			req.Header.Set("Sec-Fetch-Site", tt.site)
		}
		resp, err := ts.agent.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d, Location %q; want 403 and no redirect", tt.name, resp.StatusCode, resp.Header.Get("Location"))
		}
		// The refused post did not spend the request: the real page still answers.
		if cb := ts.decide(t, id, "approve"); cb.Outcome != flow.OutcomeSuccess {
			t.Errorf("%s: the page's own decision afterwards gave %+v", tt.name, cb)
		}
	}
	// A browser under no-referrer sends Origin: null with Sec-Fetch-Site: same-origin.
	id, _, _ := ts.consent(t, ts.authorizeURL(nil))
	req, _ := http.NewRequest("POST", ts.URL+"/sandbox/oauth2/auth/decide", strings.NewReader(url.Values{"request": {id}, "action": {"deny"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "null")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := ts.agent.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the consent page's own post under no-referrer: %d", resp.StatusCode)
	}
}

// The consent form redirects to the client: its form-action must allow the
// client's origin and nothing else, and no sandbox page runs a script.
func TestSandboxPagesPolicy(t *testing.T) {
	ts := newTestSandbox(t)
	_, resp, _ := ts.consent(t, ts.authorizeURL(nil))
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' https://app.example;") && !strings.HasSuffix(csp, "form-action 'self' https://app.example") {
		t.Errorf("consent page CSP = %q", csp)
	}
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("consent page CSP allows scripts: %q", csp)
	}
	resp, err := http.Get(ts.URL + "/sandbox/oauth2/fallbacks/error?error=invalid_client")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "form-action 'self'") {
		t.Errorf("error page CSP = %q", csp)
	}
	for in, want := range map[string]string{
		"https://app.example:8443/cb?x=1": "https://app.example:8443",
		"com.bank.app:/callback":          "com.bank.app:",
		"http://x'; script-src *":         "'none'",
	} {
		if got := cspSource(in); got != want {
			t.Errorf("cspSource(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSandboxRefusesLargeBodiesAndQueries(t *testing.T) {
	ts := newTestSandbox(t)
	big := strings.NewReader("grant_type=client_credentials&audience=" + strings.Repeat("a", MaxBody))
	req, _ := http.NewRequest("POST", ts.URL+"/sandbox/oauth2/token", big)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("bank", oddSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "larger than") {
		t.Errorf("a %d-byte body: %d %s", MaxBody, resp.StatusCode, body)
	}
	_, resp, page := ts.consent(t, ts.authorizeURL(func(q url.Values) { q.Set("nonce", strings.Repeat("n", MaxQuery)) }))
	if resp.StatusCode != http.StatusRequestURITooLong || !strings.Contains(page, "too long") {
		t.Errorf("an over-long authorize request: %d", resp.StatusCode)
	}
}

// 20,000 authorize requests with 4 KB nonces, and as many tokens, stay within
// the caps: the oldest are forgotten, memory stays bounded.
func TestSandboxStateIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 20,000 requests")
	}
	ts := newTestSandbox(t)
	nonce := strings.Repeat("n", 4096)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var first string
	for i := range 20000 {
		req, _ := http.NewRequest("GET", ts.authorizeURL(func(q url.Values) { q.Set("nonce", nonce); q.Set("state", fmt.Sprintf("state-%08d", i)) }), nil)
		w := &discard{header: http.Header{}}
		ts.sb.ServeHTTP(w, req)
		if w.status != http.StatusFound {
			t.Fatalf("authorize %d answered %d", i, w.status)
		}
		if i == 0 {
			first = ts.sb.requestIDs()[0]
		}
		if err := save(context.Background(), ts.sb.store, tokens, fmt.Sprintf("token-%d", i), &issued{Client: "bank"}); err != nil {
			t.Fatal(err)
		}
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := ts.sb.Sizes()[pendingRequests.name]; n > MaxPendingRequests {
		t.Errorf("%d pending requests kept, cap %d", n, MaxPendingRequests)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 100<<20 {
		t.Errorf("the heap grew by %d MB", grown>>20)
	}
	// Past the cap the oldest request is forgotten: its consent page says so.
	resp := ts.postDecision(t, ts.URL, url.Values{"request": {first}, "action": {"approve"}})
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "expired") {
		t.Errorf("the oldest request: %d", resp.StatusCode)
	}
	// Time passing empties the store without anyone walking it, and the
	// metrics say so at once.
	ts.now = ts.now.Add(RequestLifetime + time.Second)
	if n := ts.sb.Sizes()[pendingRequests.name]; n != 0 {
		t.Errorf("the metrics count %d requests after they all expired", n)
	}
	ts.code(t, nil)
	if n := ts.sb.Sizes()[pendingRequests.name]; n != 0 {
		t.Errorf("%d requests left after they all expired", n)
	}
	m := ts.sb.store.(*memoryStore)
	m.mu.Lock()
	defer m.mu.Unlock()
	if q := m.records[pendingRequests.name].order; len(q) > 2*MaxPendingRequests {
		t.Errorf("the expiry queue holds %d keys", len(q))
	}
}

// requestIDs lists the pending requests' ids, oldest first.
func (s *Server) requestIDs() []string {
	m := s.store.(*memoryStore)
	m.mu.Lock()
	defer m.mu.Unlock()
	requests := m.records[pendingRequests.name]
	var ids []string
	for _, q := range requests.order[requests.head:] {
		if requests.live(q) {
			ids = append(ids, q.key)
		}
	}
	return ids
}

type discard struct {
	header http.Header
	status int
}

func (d *discard) Header() http.Header { return d.header }
func (d *discard) WriteHeader(code int) {
	if d.status == 0 {
		d.status = code
	}
}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

func TestExpiringStore(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newExpiring[int](time.Minute, 3)
	for i := range 5 {
		m.put(start, fmt.Sprint(i), i)
	}
	if _, ok := m.get(start, "0"); ok || m.len() != 3 {
		t.Errorf("over the cap: len %d, oldest still there: %v", m.len(), ok)
	}
	if v, ok := m.take(start, "4"); !ok || v != 4 {
		t.Errorf("take = %v %v", v, ok)
	}
	if _, ok := m.get(start.Add(2*time.Minute), "3"); ok {
		t.Error("an expired entry was returned")
	}
	// Put and take many times: the queue stays within twice the cap.
	for i := range 1000 {
		m.put(start, "k", i)
		m.take(start, "k")
	}
	if len(m.order)-m.head > 6 || len(m.order) > 1000 {
		t.Errorf("queue holds %d keys (head %d)", len(m.order), m.head)
	}
	m.put(start.Add(2*time.Minute), "new", 1)
	if m.len() != 1 {
		t.Errorf("expired entries were kept: len %d", m.len())
	}
}
