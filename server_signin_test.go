package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"authdebug/app/portal"
	"authdebug/app/portal/idptest"
)

func newTestIdP(t *testing.T, email string) *idptest.IdP { return idptest.Start(t, email) }

// Sign-in with the company's identity provider: the page sends a person to
// sign in, the API answers 401 until then; a user from another domain is
// refused; sign-out ends the session.
func TestServerOIDCSignIn(t *testing.T) {
	// The test identity provider puts every user in the group "developers".
	for _, tt := range []struct {
		email  string
		groups []string // allowed groups, beside the domain bank.example
		status int
	}{
		{"ada@bank.example", nil, 200},
		{"Ada@Bank.Example", nil, 200}, // a domain in any case
		{"mallory@evil.example", nil, 403},
		{"grace@partner.example", []string{"developers"}, 200},
		{"mallory@evil.example", []string{"operators"}, 403},
	} {
		idp := newTestIdP(t, tt.email)
		srv := startServer(t, config{Web: testWeb(t), OIDC: portal.OIDCConfig{Issuer: idp.URL, ClientID: "authdebug", ClientSecret: "s",
			AllowDomains: []string{"bank.example"}, AllowGroups: tt.groups}})
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		if resp, err := http.Get(srv.URL + "/api/environments"); err != nil || resp.StatusCode != 401 {
			t.Fatalf("the API before sign-in: %v %v", resp, err)
		}
		resp, err := client.Get(srv.URL + "/token")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Fatalf("%s: sign-in ended at %s with %d: %s", tt.email, resp.Request.URL, resp.StatusCode, body)
		}
		if tt.status != 200 {
			continue
		}
		if resp.Request.URL.Path != "/token" {
			t.Errorf("after sign-in the page is %s, not the one asked for", resp.Request.URL.Path)
		}
		resp, _ = client.Get(srv.URL + "/api/site")
		site, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(site), `"user":"`+tt.email+`"`) || !strings.Contains(string(site), `"sign_out":"/auth/logout"`) {
			t.Errorf("/api/site: %s", site)
		}
		for _, c := range jar.Cookies(resp.Request.URL) {
			if c.Name == "authdebug_session" && strings.Contains(c.Value, strings.Split(tt.email, "@")[0]) {
				t.Error("the session cookie is readable")
			}
		}
		client.Post(srv.URL+"/auth/logout", "", nil)
		resp, _ = client.Get(srv.URL + "/api/environments")
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("the API after sign-out: %d", resp.StatusCode)
		}
	}
}

// A sign-in link made by someone else cannot send the person off the site
// after signing in: only a path of this site is followed.
func TestServerSignInStaysOnTheSite(t *testing.T) {
	idp := newTestIdP(t, "ada@bank.example")
	srv := startServer(t, config{Web: testWeb(t), OIDC: portal.OIDCConfig{Issuer: idp.URL, ClientID: "authdebug", ClientSecret: "s"}})
	for _, next := range []string{"//evil.example/x", "https://evil.example/x", "/\\evil.example", "inspect"} {
		jar, _ := cookiejar.New(nil)
		var last string
		client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			last = req.URL.String()
			if req.URL.Host != strings.TrimPrefix(srv.URL, "http://") && req.URL.Host != strings.TrimPrefix(idp.URL, "http://") {
				return http.ErrUseLastResponse
			}
			return nil
		}}
		resp, err := client.Get(srv.URL + "/auth/login?next=" + url.QueryEscape(next))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if last != srv.URL+"/" {
			t.Errorf("next=%q: sign-in ended at %q, want the site's /", next, last)
		}
	}
}
