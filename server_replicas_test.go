package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"authdebug/app/flow"
	"authdebug/app/sandbox"
	"authdebug/app/sandbox/redistest"
	"authdebug/app/token"
)

// replica is one server process behind the test's stand-in for a load
// balancer: requests go to its own address with the public Host.
type replica struct {
	t    *testing.T
	addr string
	logs *bytes.Buffer
}

const replicaOrigin = "http://authdebug.bank.test"

func startReplica(t *testing.T, bin string, env ...string) *replica {
	t.Helper()
	r := &replica{t: t, addr: freeAddr(t), logs: &bytes.Buffer{}}
	cmd := exec.Command(bin)
	cmd.Env = append([]string{"AUTHDEBUG_ADDR=" + r.addr, "AUTHDEBUG_PUBLIC_URL=" + replicaOrigin}, env...)
	cmd.Stderr = r.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if resp, err := http.Get("http://" + r.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return r
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the replica is not ready:\n%s", r.logs)
	return nil
}

// do sends a request as the load balancer would pass it on, and returns
// the answer without following redirects.
func (r *replica) do(method, path string, form url.Values, header http.Header) (*http.Response, string) {
	r.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, "http://"+r.addr+path, body)
	req.Host = strings.TrimPrefix(replicaOrigin, "http://")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (r *replica) exchange(code string) (int, map[string]any) {
	r.t.Helper()
	basic := http.Header{"Authorization": {flow.BasicAuth(sandbox.DemoClientID, sandbox.DemoClientSecret)}}
	resp, body := r.do("POST", "/sandbox/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {replicaOrigin + "/callback"}}, basic)
	var answer map[string]any
	json.Unmarshal([]byte(body), &answer)
	return resp.StatusCode, answer
}

// Two server processes share one redis-server and one key: a flow authorized
// on one is exchanged on the other exactly once, the replay is refused on
// either (and revokes the token everywhere), and both sign with the same key.
func TestReplicasShareTheSandboxInRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts redis-server")
	}
	store := redistest.Start(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	keyFile := filepath.Join(t.TempDir(), "sandbox-key.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	bin := buildStatic(t)
	env := []string{"AUTHDEBUG_SANDBOX_STORE=" + store, "AUTHDEBUG_SANDBOX_KEY_FILE=" + keyFile}
	a, b := startReplica(t, bin, env...), startReplica(t, bin, env...)

	// Authorize at a, see the consent page at b, decide at a.
	resp, _ := a.do("GET", "/sandbox/oauth2/auth?"+url.Values{"client_id": {sandbox.DemoClientID}, "response_type": {"code"},
		"scope": {"debt.unsecured.presentation openid"}, "redirect_uri": {replicaOrigin + "/callback"}, "state": {"replica-state"}, "nonce": {"n-1"}}.Encode(), nil, nil)
	login := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.Contains(login, "login_challenge=") {
		t.Fatalf("authorize at a: %d %q", resp.StatusCode, login)
	}
	_, page := b.do("GET", login, nil, nil)
	id := regexp.MustCompile(`name="request" value="([^"]+)"`).FindStringSubmatch(page)
	if id == nil {
		t.Fatalf("no consent page at b: %s", page)
	}
	resp, _ = a.do("POST", "/sandbox/oauth2/auth/decide", url.Values{"request": {id[1]}, "action": {"approve"}, "person": {"14842249091"}},
		http.Header{"Sec-Fetch-Site": {"same-origin"}})
	cb := flow.ReadCallback(resp.Header.Get("Location"))
	if cb.Outcome != flow.OutcomeSuccess {
		t.Fatalf("the decision at a: %d %+v", resp.StatusCode, cb)
	}

	// Exchange at b; the ID token verifies with a's keys.
	status, answer := b.exchange(cb.Code)
	if status != 200 {
		t.Fatalf("exchange at b: %d %v", status, answer)
	}
	_, jwks := a.do("GET", "/sandbox/.well-known/jwks.json", nil, nil)
	keys, err := token.ParseJWKS([]byte(jwks))
	if err != nil {
		t.Fatal(err)
	}
	idToken := answer["id_token"].(string)
	d, err := token.Decode(idToken)
	if err != nil {
		t.Fatal(err)
	}
	v := token.VerifyIDToken(idToken, d, token.Expect{Issuer: replicaOrigin + "/sandbox/", ClientID: sandbox.DemoClientID, Nonce: "n-1",
		AccessToken: answer["access_token"].(string), Keys: &keys, Now: time.Now()})
	if v.Signature != token.SignatureValid || len(v.Failed()) > 0 {
		t.Errorf("b's ID token against a's keys: %+v", v)
	}
	access := http.Header{"Authorization": {"Bearer " + answer["access_token"].(string)}}
	if resp, body := a.do("GET", "/sandbox/userinfo", nil, access); resp.StatusCode != 200 || !strings.Contains(body, "14842249091") {
		t.Errorf("userinfo at a with b's token: %d %s", resp.StatusCode, body)
	}

	// The replay is refused at either, and revokes what the code gave.
	for _, r := range []*replica{a, b} {
		if status, answer := r.exchange(cb.Code); status != 400 || answer["error"] != "invalid_grant" {
			t.Errorf("the replay at %s: %d %v", r.addr, status, answer)
		}
	}
	if resp, _ := a.do("GET", "/sandbox/userinfo", nil, access); resp.StatusCode != 401 {
		t.Errorf("the token after the replay: %d, want 401 (revoked)", resp.StatusCode)
	}
	for _, r := range []*replica{a, b} {
		for _, secret := range []string{cb.Code, answer["access_token"].(string), "14842249091"} {
			if strings.Contains(r.logs.String(), secret) {
				t.Errorf("%s logged %q", r.addr, secret)
			}
		}
	}
}
