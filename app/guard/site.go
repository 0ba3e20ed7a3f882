// Package guard holds what protects a hosted server from the people who can
// reach it: the host names it answers for, who a request comes from when a
// proxy stands in front, and per-client rate limits.
package guard

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Site is the public origin the server answers for. A request naming any
// other host (DNS rebinding, a forged Host, an absolute-form target) is not
// for this server.
type Site struct {
	origin string
	scheme string
	hosts  []string // host:port, lower case, as a Host header may carry them
}

// loopbackNames are one machine's names for itself: a site on one of them
// answers to all, so http://localhost:8000 works when 127.0.0.1:8000 is public.
var loopbackNames = []string{"127.0.0.1", "localhost", "::1"}

// ParseSite reads the public URL: an http or https origin, no path beyond "/".
func ParseSite(publicURL string) (Site, error) {
	u, err := url.Parse(publicURL)
	switch {
	case err != nil:
		return Site{}, fmt.Errorf("%q is not a URL: %v", publicURL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return Site{}, fmt.Errorf("%q: want an http:// or https:// origin", publicURL)
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return Site{}, fmt.Errorf("%q: want only scheme, host and port, like https://authdebug.bank.example", publicURL)
	}
	s := Site{scheme: u.Scheme}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	names := []string{strings.ToLower(host)}
	if slices.Contains(loopbackNames, names[0]) {
		names = loopbackNames
	}
	for _, n := range names {
		s.hosts = append(s.hosts, net.JoinHostPort(n, port))
	}
	s.origin = u.Scheme + "://" + u.Host
	return s, nil
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// Origin is the public origin, e.g. https://authdebug.bank.example.
func (s Site) Origin() string { return s.origin }

// HostAllowed reports whether a Host header names this site.
func (s Site) HostAllowed(host string) bool {
	host = strings.ToLower(host)
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(strings.Trim(host, "[]"), defaultPort(s.scheme))
	}
	return slices.Contains(s.hosts, host)
}

// OriginAllowed reports whether an Origin header is this site's.
func (s Site) OriginAllowed(origin string) bool {
	scheme, host, ok := strings.Cut(origin, "://")
	return ok && scheme == s.scheme && s.HostAllowed(host) // an exact host:port: nothing after it, no user
}

// OnlyHere answers 421 to a request for any other host, before next sees it.
func (s Site) OnlyHere(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.HostAllowed(r.Host) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusMisdirectedRequest)
			fmt.Fprintf(w, "This server answers for %s only. If that is not the address people open it at, start it with -public-url set to that address.\n", s.origin)
			return
		}
		next.ServeHTTP(w, r)
	})
}
