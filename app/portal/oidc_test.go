package portal

import (
	"authdebug/app/guard"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"authdebug/app/portal/idptest"
)

// site is a portal page behind OIDC sign-in, as the server wires it.
type site struct {
	*httptest.Server
	oidc *OIDC
}

func startSite(t *testing.T, idp *idptest.IdP, change func(*OIDCConfig)) *site {
	t.Helper()
	s := &site{}
	s.Server = httptest.NewUnstartedServer(nil)
	cfg := OIDCConfig{Issuer: idp.URL, ClientID: "authdebug", ClientSecret: "s", SessionKey: []byte(strings.Repeat("k", 32)),
		PublicOrigin: "http://" + s.Listener.Addr().String(), Pages: []string{"/", "/token", "/callback"}}
	if change != nil {
		change(&cfg)
	}
	o, err := NewOIDC(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.oidc = o
	mux := http.NewServeMux()
	o.Routes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		u, _ := UserOf(r)
		fmt.Fprintf(w, "page %s for %s %v", r.URL.Path, u.Name, u.Groups)
	})
	s.Config.Handler = o.Require(mux, func(r *http.Request) bool { return r.Method == "POST" && r.URL.Path == "/callback" })
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// withCookies is the status of an API call carrying the cookies.
func withCookies(t *testing.T, url string, cookies []*http.Cookie) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// signIn follows the sign-in from a page and returns the client, the last
// answer's status and body.
func signIn(t *testing.T, s *site, page string) (*http.Client, int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(s.URL + page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return client, resp.StatusCode, string(body)
}

func TestSignInNeedsAVerifiedEmail(t *testing.T) {
	for _, tt := range []struct {
		name     string
		verified any
		email    any
		want     int
	}{
		{"verified", true, "ada@bank.example", 200},
		{"not said", nil, "ada@bank.example", 200},
		{"unverified", false, "ada@bank.example", 403},
		{"verified as a string", "true", "ada@bank.example", 403},
		{"no e-mail, only sub", true, nil, 403},
		{"a domain, not an address", true, "bank.example", 403},
		{"an address in any case", true, "Ada@BANK.example", 200},
	} {
		idp := idptest.Start(t, "")
		idp.Set("email_verified", tt.verified)
		idp.Set("email", tt.email)
		idp.Set("sub", "ada@bank.example") // never taken for the e-mail
		s := startSite(t, idp, func(c *OIDCConfig) { c.AllowDomains = []string{"Bank.Example"} })
		if _, status, body := signIn(t, s, "/token"); status != tt.want {
			t.Errorf("%s: %d %s", tt.name, status, body)
		}
	}
}

// Only the groups the rules name are kept: 150 directory groups would make
// a cookie browsers drop, and sign-in would loop.
func TestSessionKeepsOnlyTheNamedGroups(t *testing.T) {
	idp := idptest.Start(t, "ada@bank.example")
	var many []string
	for i := range 150 {
		many = append(many, fmt.Sprintf("CN=directory-group-%03d,OU=Groups,DC=bank,DC=example", i))
	}
	idp.Set("groups", append(many, "authdebug-prod"))
	s := startSite(t, idp, func(c *OIDCConfig) { c.KeepGroups = []string{"authdebug-prod"} })
	client, status, body := signIn(t, s, "/token")
	if status != 200 || !strings.Contains(body, "[authdebug-prod]") {
		t.Fatalf("%d %s", status, body)
	}
	u, _ := url.Parse(s.URL)
	for _, c := range client.Jar.Cookies(u) {
		if len(c.Value) > 1024 {
			t.Errorf("cookie %s is %d bytes", c.Name, len(c.Value))
		}
	}
}

// A cookie sealed by one deployment does not open another that shares the
// key file: other issuer, client or origin.
func TestSessionIsBoundToItsDeployment(t *testing.T) {
	idp := idptest.Start(t, "ada@bank.example")
	a := startSite(t, idp, nil)
	client, status, _ := signIn(t, a, "/")
	if status != 200 {
		t.Fatal(status)
	}
	aURL, _ := url.Parse(a.URL)
	cookies := client.Jar.Cookies(aURL)
	other := idptest.Start(t, "ada@bank.example")
	for name, b := range map[string]*site{
		"same issuer, another client": startSite(t, idp, func(c *OIDCConfig) { c.ClientID = "other" }),
		"another issuer":              startSite(t, other, nil),
	} {
		if status := withCookies(t, b.URL+"/api/x", cookies); status != 401 {
			t.Errorf("%s: the other deployment's cookie got %d", name, status)
		}
	}
}

// Signing out ends the session for a copy of the cookie too, and only by POST.
func TestSignOutRevokesTheSession(t *testing.T) {
	idp := idptest.Start(t, "ada@bank.example")
	s := startSite(t, idp, nil)
	client, _, _ := signIn(t, s, "/")
	u, _ := url.Parse(s.URL)
	copied := client.Jar.Cookies(u)
	use := func() int { return withCookies(t, s.URL+"/api/x", copied) }
	if use() != 200 {
		t.Fatal("the copied cookie does not work before sign-out")
	}
	resp, _ := client.Get(s.URL + "/auth/logout")
	resp.Body.Close()
	if use() != 200 {
		t.Error("a GET (a cross-site link) signed out")
	}
	resp, _ = client.Post(s.URL+"/auth/logout", "", nil)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	if status := use(); status != 401 {
		t.Errorf("the copied cookie after sign-out: %d", status)
	}
}

// stalledStore is a shared store that takes no answer until the caller
// gives up, as a Redis behind a broken network does.
type stalledStore struct{ guard.Counter }

func (stalledStore) Count(ctx context.Context, _ string) (int64, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// A stalled store must not sign everyone out: the session stands on its
// sealed cookie, and the miss is reported.
func TestSessionOutlivesAStalledStore(t *testing.T) {
	idp := idptest.Start(t, "ada@bank.example")
	var unchecked atomic.Int32
	s := startSite(t, idp, func(c *OIDCConfig) {
		c.SignedOut = stalledStore{guard.NewMemoryCounter(10)}
		c.Unchecked = func(error) { unchecked.Add(1) }
	})
	client, status, body := signIn(t, s, "/token")
	if status != 200 || !strings.Contains(body, "page /token for ada@bank.example") {
		t.Fatalf("with the store stalled, the page answered %d %q", status, body)
	}
	if unchecked.Load() == 0 {
		t.Error("the unanswered sign-out check was not reported")
	}
	u, _ := url.Parse(s.URL)
	if status := withCookies(t, s.URL+"/api/x", client.Jar.Cookies(u)); status != 200 {
		t.Errorf("an API call with the store stalled: %d", status)
	}
}

// The rules are applied on every request, not only at sign-in.
func TestSessionFollowsTodaysRules(t *testing.T) {
	idp := idptest.Start(t, "ada@bank.example")
	s := startSite(t, idp, nil)
	client, _, _ := signIn(t, s, "/")
	s.oidc.cfg.AllowDomains = []string{"partner.example"}
	resp, err := client.Get(s.URL + "/api/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("a user the rules no longer allow: %d", resp.StatusCode)
	}
}

func TestSignInRefusesAWrongStateNonceOrAnOldLogin(t *testing.T) {
	idp := idptest.Start(t, "ada@bank.example")
	s := startSite(t, idp, nil)
	noFollow := func(jar http.CookieJar) *http.Client {
		return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	// Start a sign-in, stop before the identity provider answers.
	start := func() (*http.Client, url.Values) {
		jar, _ := cookiejar.New(nil)
		c := noFollow(jar)
		resp, err := c.Get(s.URL + "/auth/login?next=/token")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return c, loc.Query()
	}
	finish := func(c *http.Client, authQuery url.Values, state string) int {
		resp, err := c.Get(idp.URL + "/auth?" + authQuery.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, _ := url.Parse(resp.Header.Get("Location"))
		q := back.Query()
		if state != "" {
			q.Set("state", state)
		}
		resp, err = c.Get(s.URL + "/auth/callback?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	c, q := start()
	if status := finish(c, q, ""); status != http.StatusFound {
		t.Fatalf("a right sign-in: %d", status)
	}
	c, q = start()
	if status := finish(c, q, "another-state"); status != 400 {
		t.Errorf("a wrong state: %d", status)
	}
	c, q = start()
	idp.Nonce = "another-nonce"
	if status := finish(c, q, ""); status != 403 {
		t.Errorf("a wrong nonce: %d", status)
	}
	idp.Nonce = ""
	c, q = start()
	// An old login: its cookie is sealed with an expiry in the past.
	u, _ := url.Parse(s.URL)
	var st loginState
	for _, ck := range c.Jar.Cookies(u) {
		req := &http.Request{Header: http.Header{"Cookie": {ck.String()}}}
		s.oidc.readCookie(req, s.oidc.loginCookie, &st)
	}
	st.Exp = time.Now().Add(-time.Second)
	rec := httptest.NewRecorder()
	s.oidc.setCookie(rec, s.oidc.loginCookie, st, time.Minute)
	c.Jar.SetCookies(u, rec.Result().Cookies())
	if status := finish(c, q, ""); status != 400 {
		t.Errorf("an expired login: %d", status)
	}
}

// After signing in, only a page of the site is followed, with its query.
func TestSignInReturnsOnlyToAPage(t *testing.T) {
	idp := idptest.Start(t, "ada@bank.example")
	s := startSite(t, idp, nil)
	for next, want := range map[string]string{
		"/token?env=preprod":         "/token?env=preprod",
		"/\t/evil.example/":          "/",
		"/%09/evil.example/":         "/",
		"//evil.example/x":           "/",
		"/\\evil.example":            "/",
		"https://evil.example/token": "/",
		"/token\u0085":               "/",
		"/unknown":                   "/",
		"/token#x":                   "/",
	} {
		if got := s.oidc.pagePath(next); got != want {
			t.Errorf("next=%q: %q, want %q", next, got, want)
		}
	}
}

// On https the cookies carry the __Host- prefix: no other origin may set them.
func TestHTTPSCookiesUseTheHostPrefix(t *testing.T) {
	idp := idptest.Start(t, "ada@bank.example")
	o, err := NewOIDC(context.Background(), OIDCConfig{Issuer: idp.URL, ClientID: "authdebug", SessionKey: []byte(strings.Repeat("k", 32)), PublicOrigin: "https://authdebug.bank.example"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	o.login(rec, httptest.NewRequest("GET", "/auth/login", nil))
	if c := rec.Result().Cookies(); len(c) != 1 || !strings.HasPrefix(c[0].Name, "__Host-") || !c[0].Secure || c[0].Path != "/" || c[0].Domain != "" {
		t.Errorf("cookies %v", c)
	}
}

// A form_post callback is a cross-site POST without the session cookie: it
// passes sign-in (it only moves its fields into the page's fragment).
func TestFormPostPassesSignIn(t *testing.T) {
	idp := idptest.Start(t, "ada@bank.example")
	s := startSite(t, idp, nil)
	resp, err := http.PostForm(s.URL+"/callback", url.Values{"code": {"c"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("form_post under sign-in: %d", resp.StatusCode)
	}
}
