package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"authdebug/app/flow"
)

// User is who is signed in: a name (an e-mail address) and the groups the
// identity provider says they belong to.
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

// ProxyAuth believes the user an authenticating proxy in front names in a
// header (oauth2-proxy's X-Auth-Request-Email or X-Forwarded-Email), with
// the groups in the matching Groups header, and only when the request comes
// from one of the trusted proxies.
type ProxyAuth struct {
	Header      string                   // e.g. X-Auth-Request-Email
	FromTrusted func(*http.Request) bool // the request's own peer is a trusted proxy
}

// groupsHeader is the proxy's groups header beside its e-mail header.
func (p ProxyAuth) groupsHeader() string {
	return strings.Replace(p.Header, "Email", "Groups", 1)
}

// Require lets through requests with a believed user, and answers the
// others: the API with 401 JSON the page turns into "sign in again", the
// page with a 401 that says how to sign in.
func (p ProxyAuth) Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSpace(r.Header.Get(p.Header))
		if name == "" || !p.FromTrusted(r) {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				unauthenticated(w)
				return
			}
			http.Error(w, "Sign in through the company's sign-in to use authdebug: this server takes the user only from its authenticating proxy.", http.StatusUnauthorized)
			return
		}
		u := User{Name: name}
		for _, g := range strings.Split(r.Header.Get(p.groupsHeader()), ",") {
			if g = strings.TrimSpace(g); g != "" {
				u.Groups = append(u.Groups, g)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
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
