package portal

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"authdebug/app/flow"
)

// User is who is signed in: a name (an e-mail address) and their groups
// (with OIDC, only those this server's rules name: they live in a cookie).
type User struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups,omitempty"`
}

type userKey struct{}

// UserOf returns the signed-in user of a request, if any.
func UserOf(r *http.Request) (User, bool) {
	u, ok := r.Context().Value(userKey{}).(User)
	return u, ok
}

type seenKey struct{}

// WithSeenUser gives the request a slot in which sign-in, further in, notes
// who the request is from; seen reads it once the request is served (for
// the access log, which stands outside sign-in).
func WithSeenUser(r *http.Request) (*http.Request, func() string) {
	var name string
	return r.WithContext(context.WithValue(r.Context(), seenKey{}, &name)), func() string { return name }
}

// withUser is the request as u's.
func withUser(r *http.Request, u User) *http.Request {
	if seen, ok := r.Context().Value(seenKey{}).(*string); ok {
		*seen = u.Name
	}
	return r.WithContext(context.WithValue(r.Context(), userKey{}, u))
}

// DefaultProxySecretHeader carries the secret an authenticating proxy proves itself with.
const DefaultProxySecretHeader = "X-Authdebug-Proxy-Secret"

// ProxyAuth believes the user an authenticating proxy in front names in a
// header (oauth2-proxy's X-Auth-Request-Email), with the groups in the header
// named for them, only when the request comes from one of the trusted proxies
// and, when a secret is set, carries it. Header names are case-insensitive.
type ProxyAuth struct {
	Header       string // e.g. X-Auth-Request-Email; empty: no proxy sign-in
	GroupsHeader string // e.g. X-Auth-Request-Groups; empty: proxy users have no groups
	SecretHeader string // where the proxy puts Secret
	Secret       string // empty: the trusted range alone vouches for the proxy
	// FromTrusted reports whether the request's own peer is a trusted proxy.
	FromTrusted func(*http.Request) bool
	// Refused counts a request refused, by reason (metrics); may be nil.
	Refused func(reason string)
}

// Require lets through requests with a believed user, and answers the
// others: the API with 401 JSON the page turns into "sign in again", the
// page with a 401 that says how to sign in. Bypass requests pass as they
// are, with no user.
func (p ProxyAuth) Require(next http.Handler, bypass func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bypass(r) {
			next.ServeHTTP(w, r)
			return
		}
		name := strings.TrimSpace(r.Header.Get(p.Header))
		reason := ""
		switch {
		case !p.FromTrusted(r):
			reason = "proxy_untrusted"
		case p.Secret != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get(p.SecretHeader)), []byte(p.Secret)) != 1:
			reason = "proxy_secret"
		case name == "":
			reason = "proxy_no_user"
		}
		if reason != "" {
			if p.Refused != nil {
				p.Refused(reason)
			}
			if strings.HasPrefix(r.URL.Path, "/api/") {
				unauthenticated(w)
				return
			}
			http.Error(w, "Sign in through the company's sign-in to use authdebug: this server takes the user only from its authenticating proxy.", http.StatusUnauthorized)
			return
		}
		u := User{Name: name}
		if p.GroupsHeader != "" {
			for _, g := range strings.Split(r.Header.Get(p.GroupsHeader), ",") {
				if g = strings.TrimSpace(g); g != "" {
					u.Groups = append(u.Groups, g)
				}
			}
		}
		next.ServeHTTP(w, withUser(r, u))
	})
}

// unauthenticated answers the API's 401, in the relay's error shape, which
// the page shows as it is.
func unauthenticated(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	json.NewEncoder(w).Encode(flow.RelayResult{Error: &flow.RelayError{Kind: "unauthenticated",
		Message: "You are not signed in (or your sign-in expired): sign in again, then retry."}})
}

// Access says which environments a user may use: an environment given
// groups (-env-allow ENV=GROUP) is for their members only; any other is open.
type Access map[string][]string

// ParseAccess reads -env-allow values, ENV=GROUP. The sandbox cannot be
// limited: it is every signed-in user's.
func ParseAccess(rules []string) (Access, error) {
	a := Access{}
	for _, rule := range rules {
		env, group, ok := strings.Cut(rule, "=")
		env, group = strings.TrimSpace(env), strings.TrimSpace(group)
		switch {
		case !ok || env == "" || group == "":
			return nil, fmt.Errorf("%q: want ENV=GROUP", rule)
		case env == "sandbox":
			return nil, errors.New("the sandbox is open to every signed-in user")
		}
		a[env] = append(a[env], group)
	}
	return a, nil
}

// Groups lists every group the rules name.
func (a Access) Groups() []string {
	var out []string
	for _, gs := range a {
		out = append(out, gs...)
	}
	return out
}

// Allows reports whether the request's user may use the environment. Without
// sign-in nobody is known, and only open environments are allowed.
func (a Access) Allows(r *http.Request, env string) bool {
	groups, limited := a[env]
	if !limited {
		return true
	}
	u, ok := UserOf(r)
	return ok && slices.ContainsFunc(u.Groups, func(g string) bool { return slices.Contains(groups, g) })
}
