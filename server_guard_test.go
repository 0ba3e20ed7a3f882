package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// canary is a listener that must never be reached; it answers like a page
// an attacker would want served from the portal's origin.
func canary(t *testing.T) (host string, hits *atomic.Int32) {
	hits = &atomic.Int32{}
	c := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<script>CANARY</script>")
	}))
	t.Cleanup(c.Close)
	return strings.TrimPrefix(c.URL, "http://"), hits
}

// rawRequest sends bytes as they are and returns the answer's status line
// and body, so Host and the request target can be anything.
func rawRequest(t *testing.T, server, request string) (status int, body string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(server, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, request)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%q: %v", request, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

// go-app strips a /<version>/ prefix and then fetches /robots.txt,
// /sitemap.xml and /ads.txt from the request's Host, caching the first
// answer for everyone. No path, Host or request target reaches it.
func TestServerNeverFetchesForGoApp(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	trap, hits := canary(t)
	resp, _ := get(t, srv.URL+"/app.js", nil)
	version := strings.Trim(resp.Header.Get("ETag"), `"`)
	if version == "" {
		t.Fatal("no version in the ETag")
	}
	self := strings.TrimPrefix(srv.URL, "http://")
	var paths []string
	for _, p := range []string{"/robots.txt", "/sitemap.xml", "/ads.txt", "/web/robots.txt", "/app.js", "/"} {
		paths = append(paths, p, "/"+version+p)
	}
	for _, p := range paths {
		for _, req := range []string{
			"GET " + p + " HTTP/1.1\r\nHost: " + trap + "\r\nConnection: close\r\n\r\n",
			"GET http://" + trap + p + " HTTP/1.1\r\nHost: " + trap + "\r\nConnection: close\r\n\r\n",
			"GET http://" + trap + p + " HTTP/1.1\r\nHost: " + self + "\r\nConnection: close\r\n\r\n",
			"GET " + p + " HTTP/1.1\r\nHost: " + self + "\r\nConnection: close\r\n\r\n",
		} {
			status, body := rawRequest(t, srv.URL, req)
			if strings.Contains(body, "CANARY") {
				t.Errorf("%q served the canary's body", req)
			}
			if strings.HasPrefix(p, "/"+version) && status != http.StatusNotFound && status != http.StatusMisdirectedRequest {
				t.Errorf("%q = %d, want 404 or 421", req, status)
			}
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the server connected to the canary %d times", hits.Load())
	}
	// Nothing was cached for later visitors either.
	for _, p := range paths {
		if _, body := get(t, srv.URL+p, nil); strings.Contains(string(body), "CANARY") {
			t.Errorf("%s now serves the canary's body", p)
		}
	}
	if resp, body := get(t, srv.URL+"/robots.txt", nil); resp.StatusCode != 200 || !strings.Contains(string(body), "Disallow: /") {
		t.Errorf("/robots.txt = %d %q", resp.StatusCode, body)
	}
}

// The server renders the page without the request's values: a deep link
// cannot break out of an attribute (go-app writes them with strconv.Quote).
func TestServerRendersNoRequestValue(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	payloads := []string{
		`"><meta http-equiv=refresh content=0;url=http://evil.example/MARK1>`,
		`</textarea><form action=http://evil.example/MARK2><button>`,
		`' onfocus=alert(MARK3) autofocus '`,
		`MARK4\"><img src=x>`,
	}
	for _, path := range []string{"/", "/token", "/callback", "/inspect", "/discovery"} {
		for _, param := range []string{"env", "client_id", "scope", "redirect_uri", "response_mode", "code", "state", "error_description"} {
			for i, p := range payloads {
				resp, body := get(t, srv.URL+path+"?"+url.Values{param: {p}}.Encode(), nil)
				mark := fmt.Sprintf("MARK%d", i+1)
				if resp.StatusCode != 200 || bytes.Contains(body, []byte(mark)) || bytes.Contains(body, []byte("evil.example")) {
					t.Errorf("%s?%s=%q: %d, the value is in the page", path, param, p, resp.StatusCode)
				}
			}
		}
	}
	// NGI's redirect lands on /callback with a code: no copy of it is kept.
	resp, body := get(t, srv.URL+"/callback?code=CODE-VALUE-1&state=STATE-VALUE-2", nil)
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("/callback Cache-Control = %q", cc)
	}
	if bytes.Contains(body, []byte("CODE-VALUE-1")) || bytes.Contains(body, []byte("STATE-VALUE-2")) {
		t.Error("the code is in the /callback page")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("CSP = %q", csp)
	}
}

// DNS rebinding makes Host and Origin both name the attacker's host; the
// server answers only for its public origin.
func TestServerAnswersOnlyForItsPublicHost(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	rebind := "rebind.attacker.example:" + port
	body := `{"env":"sandbox","client_id":"authdebug-demo","client_secret":"x","form":{"grant_type":"client_credentials"}}`
	for _, p := range []string{"/", "/api/environments", "/sandbox/.well-known/openid-configuration"} {
		status, _ := rawRequest(t, srv.URL, "GET "+p+" HTTP/1.1\r\nHost: "+rebind+"\r\nConnection: close\r\n\r\n")
		if status != http.StatusMisdirectedRequest {
			t.Errorf("GET %s for %s = %d, want 421", p, rebind, status)
		}
	}
	status, _ := rawRequest(t, srv.URL, "POST /api/token HTTP/1.1\r\nHost: "+rebind+"\r\nOrigin: http://"+rebind+
		"\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body)
	if status != http.StatusMisdirectedRequest {
		t.Errorf("rebound relay POST = %d, want 421", status)
	}
	// On loopback, the other names of this machine work, with the same port.
	if status, _ := rawRequest(t, srv.URL, "GET / HTTP/1.1\r\nHost: localhost:"+port+"\r\nConnection: close\r\n\r\n"); status != 200 {
		t.Errorf("localhost = %d", status)
	}
}

// Slow bodies and idle keep-alive connections are cut; the server keeps serving.
func TestServerCutsSlowAndIdleConnections(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t), Limits: limits{ReadTimeout: time.Second, IdleTimeout: time.Second, MaxConnsPerAddress: 100}})
	addr := strings.TrimPrefix(srv.URL, "http://")
	var conns []net.Conn
	for i := range 40 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if i%2 == 0 { // a body that never finishes
			fmt.Fprintf(c, "POST /sandbox/oauth2/token HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000\r\n\r\ngrant_type=", addr)
		} else { // a finished request, then an idle keep-alive
			fmt.Fprintf(c, "GET /robots.txt HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := io.ReadAll(c) // returns once the server closes the connection
		if err != nil {
			t.Errorf("connection %d still open after 10 s: %v", i, err)
		}
	}
	if resp, _ := get(t, srv.URL+"/robots.txt", nil); resp.StatusCode != 200 {
		t.Errorf("after: %d", resp.StatusCode)
	}
}

// Past the cap a connection waits to be accepted; when one closes, it is served.
func TestServerCapsOpenConnections(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t), Limits: limits{MaxConns: 3}})
	addr := strings.TrimPrefix(srv.URL, "http://")
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /robots.txt HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		}
		held = append(held, c) // now idle, keep-alive: it holds its place
	}
	answered := make(chan int, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/robots.txt")
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	select {
	case s := <-answered:
		t.Fatalf("a fourth connection was served (%d) while three were open", s)
	case <-time.After(500 * time.Millisecond):
	}
	held[0].Close()
	select {
	case s := <-answered:
		if s != 200 {
			t.Errorf("the waiting request got %d", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting request was not served after a connection closed")
	}
}

func TestServerRefusesLargeBodies(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	big := "grant_type=client_credentials&audience=" + strings.Repeat("a", 10<<20)
	req, _ := http.NewRequest("POST", srv.URL+"/sandbox/oauth2/token", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("authdebug-demo", "x")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("10 MB to the sandbox = %d", resp.StatusCode)
		}
	} // the server may also close the connection while the body is still coming
	resp = postJSON(t, srv.URL+"/api/token", `{"env":"sandbox","client_id":"`+strings.Repeat("a", 1<<20)+`"}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("1 MB to the relay = %d", resp.StatusCode)
	}
}

// A tight loop of wrong secrets meets the limit within a second, at the
// sandbox's token endpoint (after its failed authentications) and through
// the relay (after its burst) alike.
func TestServerRateLimitsTokenCalls(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	wrong := func(path string) *http.Response {
		if path == "/api/token" {
			return postJSON(t, srv.URL+path, `{"env":"sandbox","client_id":"authdebug-demo","client_secret":"wrong","form":{"grant_type":"client_credentials","audience":"x"}}`)
		}
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("authdebug-demo", "wrong")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for _, path := range []string{"/sandbox/oauth2/token", "/api/token"} {
		first := 0
		for i := 1; i <= 200 && first == 0; i++ {
			resp := wrong(path)
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				first = i
				if resp.Header.Get("Retry-After") == "" {
					t.Errorf("%s: 429 without Retry-After", path)
				}
			}
		}
		burst := defaultLimits.CallBurst
		if path != "/api/token" {
			burst = defaultSandboxRate.Failed
		}
		if first != burst+1 {
			t.Errorf("%s: first 429 at call %d, want %d", path, first, burst+1)
		}
	}
}

// A request value in a log line is cut short: a 60 KB Origin or path does
// not write 60 KB of log.
func TestServerTruncatesLoggedValues(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	long := strings.Repeat("o", 60<<10)
	req, _ := http.NewRequest("POST", srv.URL+"/api/token", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://"+long+".example")
	for range 5 {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		get(t, srv.URL+"/"+long, nil)
	}
	if n := len(srv.log.String()); n > 10<<10 {
		t.Errorf("ten requests wrote %d bytes of log", n)
	}
}

// A malformed flag stops the server at start, naming the flag.
func TestRunRefusesMalformedFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-env", "bad=http://[::1"}, "-env"},
		{[]string{"-env", "bad=https://"}, "-env"},
		{[]string{"-env", "bad=https://auth.example/?x=1"}, "-env"},
		{[]string{"-public-url", "ftp://tool.example"}, "-public-url"},
		{[]string{"-public-url", "https://tool.example/sub/path"}, "-public-url"},
		{[]string{"-trusted-proxy", "10.0.0.0/40"}, "-trusted-proxy"},
		{[]string{"-sandbox-client", "nocolons"}, "-sandbox-client"},
		{[]string{"-sandbox-clients", "/nonexistent/clients.json"}, "-sandbox-clients"},
		{[]string{"-sandbox-code-lifetime", "-5s"}, "-sandbox-code-lifetime"},
		{[]string{"-log-format", "xml"}, "-log-format"},
		{[]string{"-sandbox-key-file", "/etc/hostname"}, "-sandbox-key-file"},
		{[]string{"-sandbox-store", "http://:s3cret@redis.example:6379"}, "-sandbox-store"},
	} {
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		code := run(ctx, append([]string{"-addr", "127.0.0.1:0"}, tt.args...), &out)
		cancel()
		if code != 2 || !strings.Contains(out.String(), tt.want) || strings.Contains(out.String(), "s3cret") {
			t.Errorf("%v: exit %d, %q", tt.args, code, out.String())
		}
	}
}

// A callback by response_mode=form_post is passed to the page in the
// fragment, which no server or log sees.
func TestServerReceivesFormPostCallbacks(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(srv.URL+"/callback", url.Values{"code": {"CODE-1"}, "state": {"s1s2s3s4s5"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/callback#") || !strings.Contains(loc, "code=CODE-1") || !strings.Contains(loc, "authdebug_response_mode=form_post") {
		t.Errorf("%d %q", resp.StatusCode, loc)
	}
	if strings.Contains(srv.log.String(), "CODE-1") {
		t.Error("the code is in the log")
	}
	// No callback is 100 KB: a body that large is refused, not turned into
	// a Location header the size of the body.
	resp, err = client.PostForm(srv.URL+"/callback", url.Values{"code": {strings.Repeat("c", 100<<10)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a 100 KB form post: %d", resp.StatusCode)
	}
}
