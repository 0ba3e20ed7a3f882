package main

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/sandbox"
	"authdebug/app/token"
)

// testWeb is a web/ with a small stand-in app.wasm, so these tests do not
// depend on the wasm build.
func testWeb(t *testing.T) fs.FS {
	t.Helper()
	wasm := []byte("\x00asm\x01\x00\x00\x00" + strings.Repeat("stand-in wasm ", 500))
	var gz, br strings.Builder
	zw := gzip.NewWriter(&gz)
	zw.Write(wasm)
	zw.Close()
	bw := brotli.NewWriter(&br)
	bw.Write(wasm)
	bw.Close()
	m := fstest.MapFS{
		"app.wasm":    {Data: wasm},
		"app.wasm.gz": {Data: []byte(gz.String())},
		"app.wasm.br": {Data: []byte(br.String())},
	}
	for _, name := range []string{"style.css", "icon.svg", "icon-192.png", "icon-512.png", "robots.txt"} {
		b, err := fs.ReadFile(web, "web/"+name)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = &fstest.MapFile{Data: b}
	}
	return m
}

// postJSON posts to the relay as the page does, with the server's Origin.
func postJSON(t *testing.T, u, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", originOf(u))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// postForm posts a form as a browser page of the same origin does.
func postForm(t *testing.T, client *http.Client, u string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", originOf(u))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func originOf(u string) string {
	p, _ := url.Parse(u)
	return p.Scheme + "://" + p.Host
}

func get(t *testing.T, u string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections() // one address may hold only so many
	resp, err := (&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestServerSecurityHeadersEverywhere(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	for _, path := range []string{"/", "/callback?code=x&state=y", "/token", "/inspect", "/discovery", "/app.js", "/web/style.css", "/api/environments", "/sandbox/.well-known/jwks.json", "/sandbox/oauth2/auth"} {
		resp, _ := get(t, srv.URL+path, nil)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		// The sandbox's pages run no script at all.
		scripts := strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval'") || (strings.HasPrefix(csp, "default-src 'none'") && !strings.Contains(csp, "script-src"))
		if !scripts || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self'") || strings.Contains(csp, "'unsafe-eval'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: Referrer-Policy %q, nosniff %q", path, h.Get("Referrer-Policy"), h.Get("X-Content-Type-Options"))
		}
	}
}

func TestServerPageHasNoInlineScriptOrRemoteResource(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	resp, body := get(t, srv.URL+"/", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("/ = %d", resp.StatusCode)
	}
	page := string(body)
	// A data block (type="application/json", the page's configuration) is
	// never run; any other inline script is.
	for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(m, "src=") && !strings.Contains(m, `type="application/json"`) {
			t.Errorf("inline script: %s", m)
		}
	}
	for _, m := range regexp.MustCompile(`(?:src|href)="(https?:)?//[^"]*"`).FindAllString(page, -1) {
		t.Errorf("remote resource: %s", m)
	}
	for _, path := range []string{"/web/icon-192.png", "/web/icon-512.png", "/web/icon.svg", "/web/style.css", "/manifest.webmanifest"} {
		if resp, _ := get(t, srv.URL+path, nil); resp.StatusCode != 200 {
			t.Errorf("%s = %d", path, resp.StatusCode)
		}
	}
	// Every tab is prerendered at its own route, inert until the wasm takes
	// over, and with no false boolean attribute written as one
	// (checked="false" reads as checked, disabled="false" as disabled).
	for path, id := range map[string]string{"/": "authorize", "/callback": "callback", "/token": "token", "/inspect": "inspect", "/discovery": "discovery", "/call": "call", "/timeline": "timeline"} {
		resp, body := get(t, srv.URL+path, nil)
		page := string(body)
		if resp.StatusCode != 200 || !strings.Contains(page, `id="`+id+`"`) || !strings.Contains(page, `id="nav-`+id+`"`) {
			t.Errorf("%s = %d, without #%s", path, resp.StatusCode, id)
		}
		if root := regexp.MustCompile(`<div [^>]*id="app"[^>]*>`).FindString(page); !regexp.MustCompile(` inert[ >]`).MatchString(root) {
			t.Errorf("%s: the server's page is not inert: %s", path, root)
		}
		for _, m := range regexp.MustCompile(` [a-z]+="false"`).FindAllString(page, -1) {
			if m != ` spellcheck="false"` { // spellcheck is true/false, not a boolean attribute
				t.Errorf("%s: %s", path, m)
			}
		}
	}
	// A page is revalidated by its version, as go-app answers.
	first, _ := get(t, srv.URL+"/token", nil)
	if again, body := get(t, srv.URL+"/token", map[string]string{"If-None-Match": first.Header.Get("ETag")}); again.StatusCode != http.StatusNotModified || len(body) != 0 || again.Header.Get("Content-Length") == "0" {
		t.Errorf("revalidating /token: %d, %d bytes, Content-Length %q", again.StatusCode, len(body), again.Header.Get("Content-Length"))
	}
	if resp, _ := get(t, srv.URL+"/no-such-tab", nil); resp.StatusCode != 404 {
		t.Errorf("unrouted path = %d", resp.StatusCode)
	}
}

func TestServerSendsWasmPrecompressed(t *testing.T) {
	webFS := testWeb(t)
	raw, _ := fs.ReadFile(webFS, "app.wasm")
	srv := startServer(t, config{Web: webFS})
	tests := []struct{ accept, encoding string }{
		{"gzip, deflate, br", "br"}, {"gzip", "gzip"}, {"br;q=0, gzip", "gzip"}, {"", ""}, {"identity", ""},
	}
	var etag string
	for _, tt := range tests {
		for _, path := range []string{"/web/app.wasm", "/app.wasm"} {
			resp, body := get(t, srv.URL+path, map[string]string{"Accept-Encoding": tt.accept})
			h := resp.Header
			if h.Get("Content-Encoding") != tt.encoding || h.Get("Vary") != "Accept-Encoding" || h.Get("Content-Type") != "application/wasm" {
				t.Errorf("%s with %q: encoding %q vary %q type %q", path, tt.accept, h.Get("Content-Encoding"), h.Get("Vary"), h.Get("Content-Type"))
			}
			var decoded []byte
			switch tt.encoding {
			case "br":
				decoded, _ = io.ReadAll(brotli.NewReader(strings.NewReader(string(body))))
			case "gzip":
				zr, _ := gzip.NewReader(strings.NewReader(string(body)))
				decoded, _ = io.ReadAll(zr)
			default:
				decoded = body
			}
			if string(decoded) != string(raw) {
				t.Errorf("%s with %q: the body does not decode to app.wasm", path, tt.accept)
			}
			etag = h.Get("ETag")
		}
	}
	// The version is derived from the build: the wasm's hash, in the page's ETag too.
	page, _ := get(t, srv.URL+"/", nil)
	if etag == "" || page.Header.Get("ETag") != etag {
		t.Errorf("wasm ETag %q, page ETag %q", etag, page.Header.Get("ETag"))
	}
	if resp, _ := get(t, srv.URL+"/web/app.wasm", map[string]string{"If-None-Match": etag}); resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	other := fstest.MapFS{}
	for k, v := range webFS.(fstest.MapFS) {
		other[k] = v
	}
	other["app.wasm"] = &fstest.MapFile{Data: []byte("another build")}
	srv2 := startServer(t, config{Web: other})
	if resp, _ := get(t, srv2.URL+"/", nil); resp.Header.Get("ETag") == etag {
		t.Error("another wasm gives the same version")
	}
}

func TestServerEnvironmentsAndFlags(t *testing.T) {
	custom, err := parseEnvFlag("staging=https://auth.staging.example/")
	if err != nil {
		t.Fatal(err)
	}
	if custom.Endpoints.Token != "https://auth.staging.example/oauth2/token" || custom.Endpoints.JWKS != "https://auth.staging.example/.well-known/jwks.json" {
		t.Errorf("derived endpoints = %+v", custom.Endpoints)
	}
	for _, bad := range []string{"staging", "=https://x", "staging=ftp://x"} {
		if _, err := parseEnvFlag(bad); err == nil {
			t.Errorf("-env %q accepted", bad)
		}
	}
	srv := startServer(t, config{Web: testWeb(t), Extra: []ngi.Environment{custom}, Disabled: []string{"prod"}})
	_, body := get(t, srv.URL+"/api/environments", nil)
	var envs []ngi.Environment
	json.Unmarshal(body, &envs)
	var ids []string
	for _, e := range envs {
		ids = append(ids, e.ID)
	}
	if strings.Join(ids, ",") != "sandbox,preprod,staging" {
		t.Fatalf("environments = %v", ids)
	}
	if envs[0].DemoClient == nil || envs[0].Issuer != srv.URL+"/sandbox/" {
		t.Errorf("sandbox = %+v", envs[0])
	}
	// A disabled environment is refused by the relay too.
	resp, _ := get(t, srv.URL+"/api/discovery?env=prod", nil)
	if resp.StatusCode != 400 {
		t.Errorf("disabled prod = %d", resp.StatusCode)
	}
	if _, err := newServer(config{PublicURL: srv.URL, Web: testWeb(t), Disabled: []string{"sandbox", "preprod", "prod"}}); err == nil {
		t.Error("a server with no environment started")
	}
}

// A whole exchange through the real server with a recognisable secret, code,
// token and national id number: none of them may reach the log.
func TestServerLogsNoSecrets(t *testing.T) {
	const secret = "SECRET+Recognisable/42"
	redirect := "https://app.example/cb"
	client, err := sandbox.ParseClient("logcheck:" + secret + ":" + redirect)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, config{Web: testWeb(t), SandboxClients: []sandbox.Client{client}})
	agent := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	state, nonce := "STATE-recognisable-7", "NONCE-recognisable-8"
	authURL := srv.URL + "/sandbox/oauth2/auth?" + url.Values{"client_id": {"logcheck"}, "response_type": {"code"},
		"scope": {"debt.unsecured.presentation openid"}, "redirect_uri": {redirect}, "state": {state}, "nonce": {nonce}}.Encode()
	resp, err := http.Get(authURL) // follows the redirect to the login (consent) page
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := regexp.MustCompile(`name="request" value="([^"]+)"`).FindStringSubmatch(string(page))
	if id == nil {
		t.Fatalf("no consent page: %s", page)
	}
	resp = postForm(t, agent, srv.URL+"/sandbox/oauth2/auth/decide", url.Values{"request": {id[1]}, "action": {"approve"}, "person": {"14842249091"}})
	resp.Body.Close()
	cb := flow.ReadCallback(resp.Header.Get("Location"))
	if cb.Outcome != flow.OutcomeSuccess {
		t.Fatalf("callback %+v", cb)
	}
	// The tool's own /callback page with the code in its URL.
	get(t, srv.URL+"/callback?code="+url.QueryEscape(cb.Code)+"&state="+state, nil)

	body, _ := json.Marshal(flow.RelayRequest{Env: "sandbox", ClientID: "logcheck", ClientSecret: secret,
		Form: flow.CodeForm("logcheck", flow.CodeExchange{Code: cb.Code, RedirectURI: redirect})})
	resp = postJSON(t, srv.URL+"/api/token", string(body))
	var res flow.RelayResult
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	tok, _, problem := flow.ReadTokenResponse(res.Response.Status, "", res.Response.Body)
	if tok == nil || tok.IDToken == "" {
		t.Fatalf("no token: %s %+v", problem, res)
	}
	d, _ := token.Decode(tok.IDToken)
	if pid, _ := d.Claim("pid"); pid != "14842249091" {
		t.Fatalf("pid = %v", pid)
	}
	// Revoke it too, and call the relay with the secret in a bad request.
	body, _ = json.Marshal(flow.RelayRequest{Env: "sandbox", ClientID: "logcheck", ClientSecret: secret, Form: map[string]string{"token": tok.AccessToken}})
	postJSON(t, srv.URL+"/api/revoke", string(body)).Body.Close()
	postJSON(t, srv.URL+"/api/token", `{"env":"nowhere","client_secret":"`+secret+`"}`).Body.Close()

	log := srv.log.String()
	if !strings.Contains(log, "call=token") || !strings.Contains(log, "path=/callback") {
		t.Fatalf("the exchange was not logged:\n%s", log)
	}
	for _, s := range []string{secret, "SECRET", cb.Code, tok.AccessToken, tok.IDToken[:20], "14842249091", state, nonce} {
		if strings.Contains(log, s) {
			t.Errorf("the log holds %q:\n%s", s, log)
		}
	}
}
