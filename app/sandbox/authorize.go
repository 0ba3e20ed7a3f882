package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// authRequest is a validated authorize request waiting on the consent page.
type authRequest struct {
	id          string
	client      Client
	redirectURI string
	scope       flow.Scope
	state       string
	nonce       string
	challenge   string
	fragment    bool
	created     time.Time
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.RawQuery) > MaxQuery {
		s.errorPage(w, http.StatusRequestURITooLong, "The request is too long", fmt.Sprintf("The authorize request's query is %d bytes; the sandbox keeps at most %d per pending request. Shorten the state or nonce.", len(r.URL.RawQuery), MaxQuery), nil, "")
		return
	}
	q, dup := readQuery(r.URL.RawQuery)
	clientID := q.Get("client_id")
	s.mu.Lock()
	client, known := s.clients[clientID]
	s.mu.Unlock()
	// A bad client or redirect_uri is never redirected: the URI cannot be trusted.
	switch {
	case clientID == "":
		s.errorPage(w, http.StatusBadRequest, "The client_id is missing", "The authorize request has no client_id, so the sandbox cannot know which client asks. Nothing is sent back to any redirect_uri.", nil, "")
		return
	case !known:
		s.errorPage(w, http.StatusBadRequest, "Unknown client", fmt.Sprintf("No client with id %q is registered in the sandbox. The demo client is %q; more can be added with -sandbox-client. Like NGI, the sandbox does not redirect when the client is unknown.", clientID, DemoClientID), nil, "")
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(client.RedirectURIs, redirect) {
		msg := fmt.Sprintf("The redirect_uri %q is not one of those registered for %s. NGI compares them character for character and, as OAuth requires, does not redirect to an unregistered URI: the person sees an error page like this one instead.", redirect, client.ID)
		if redirect == "" {
			msg = "The authorize request has no redirect_uri. NGI requires one of the client's registered URIs."
		}
		s.errorPage(w, http.StatusBadRequest, "The redirect_uri is not registered", msg, client.RedirectURIs, redirect)
		return
	}
	fragment := q.Get("response_mode") == "fragment"
	fail := func(code, description, hint string) {
		p := []flow.Param{{Name: "error", Value: code}, {Name: "error_description", Value: description}}
		if hint != "" {
			p = append(p, flow.Param{Name: "error_hint", Value: hint})
		}
		if st := q.Get("state"); st != "" {
			p = append(p, flow.Param{Name: "state", Value: st})
		}
		http.Redirect(w, r, callbackURL(redirect, fragment, p), http.StatusSeeOther)
	}
	if len(dup) > 0 {
		fail("invalid_request", "The request includes a parameter more than once.", "Parameter "+dup[0]+" is given more than once.")
		return
	}
	if rt := q.Get("response_type"); rt != "code" {
		fail("unsupported_response_type", "The authorization server does not support obtaining a token using this method.", fmt.Sprintf("response_type %q is not supported; use code.", rt))
		return
	}
	if m := q.Get("response_mode"); m != "" && m != "query" && m != "fragment" {
		fail("invalid_request", "The request is malformed.", fmt.Sprintf("response_mode %q is not supported; use query or fragment.", m))
		return
	}
	scope := flow.ParseScope(q.Get("scope"))
	if flow.HasErrors(scope.Findings) {
		fail(ngi.ErrInvalidScopes, firstError(scope.Findings), "")
		return
	}
	if q.Get("state") == "" {
		fail("invalid_request", "The request is missing a required parameter.", "The state parameter is missing; NGI requires a fresh random state per request.")
		return
	}
	if c := q.Get("code_challenge"); c != "" && q.Get("code_challenge_method") != "S256" {
		fail("invalid_request", "The request is malformed.", "code_challenge_method must be S256.")
		return
	}
	req := &authRequest{
		id: randomText(18), client: client, redirectURI: redirect, scope: scope,
		state: q.Get("state"), nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
		fragment: fragment, created: s.now(),
	}
	s.mu.Lock()
	s.requests.put(req.created, req.id, req)
	s.mu.Unlock()
	s.consentPage(w, req)
}

// fromConsentPage reports whether a post comes from the sandbox's own page.
// Browsers say so in Sec-Fetch-Site; their Origin is "null" under the tool's
// no-referrer policy, so Origin is the proof only where Sec-Fetch-Site is missing.
func (s *Server) fromConsentPage(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	return r.Header.Get("Origin") == s.origin
}

// decide takes the person's choice on the consent page and redirects back.
// Only the sandbox's own form may post here: a decision posted from another
// site would slip the attacker's code into the victim's callback (login CSRF).
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	if !s.fromConsentPage(r) {
		s.errorPage(w, http.StatusForbidden, "This decision did not come from the consent page", "The sandbox takes a decision only from its own consent form, at "+s.origin+". Start again from the tool's Authorize tab.", nil, "")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "The form cannot be read", err.Error(), nil, "")
		return
	}
	s.mu.Lock()
	req, _ := s.requests.take(s.now(), r.PostForm.Get("request"))
	s.mu.Unlock()
	if req == nil {
		s.errorPage(w, http.StatusBadRequest, "This consent page has expired", "The authorize request it belongs to is unknown: it was already answered, is older than "+RequestLifetime.String()+", or the server restarted. Start again from the tool's Authorize tab.", nil, "")
		return
	}
	var p []flow.Param
	switch r.PostForm.Get("action") {
	case "approve":
		person := r.PostForm.Get("person")
		if !slices.Contains(TestPersons, person) {
			person = TestPersons[0]
		}
		code := opaque()
		s.mu.Lock()
		now := s.now()
		s.codes.put(now, code, &grant{req: req, person: person, created: now, consentID: newConsentID()})
		s.mu.Unlock()
		p = []flow.Param{{Name: "code", Value: code}, {Name: "scope", Value: req.scope.Echo()}}
	case "deny":
		p = ngiError(ngi.ErrConsentDenied)
	case "cancel-login":
		p = ngiError(ngi.ErrLoginCancelled)
	case "server-error":
		p = ngiError(ngi.ErrServerError)
	default:
		s.errorPage(w, http.StatusBadRequest, "Unknown choice", "The consent form sent an action the sandbox does not know.", nil, "")
		return
	}
	p = append(p, flow.Param{Name: "state", Value: req.state})
	http.Redirect(w, r, callbackURL(req.redirectURI, req.fragment, p), http.StatusSeeOther)
}

// ngiError is one of NGI's own errors as its callback carries it, described
// in the catalogue's words.
func ngiError(code string) []flow.Param {
	info, _ := ngi.ExplainError(code)
	return []flow.Param{{Name: "error", Value: code}, {Name: "error_description", Value: info.Meaning}}
}

// callbackURL appends parameters to a redirect URI, in its query or fragment.
func callbackURL(redirect string, fragment bool, params []flow.Param) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name) + "=" + url.QueryEscape(p.Value))
	}
	switch {
	case fragment:
		return redirect + "#" + b.String()
	case strings.Contains(redirect, "?"):
		return redirect + "&" + b.String()
	}
	return redirect + "?" + b.String()
}

// readQuery parses a query and lists the parameters given more than once.
func readQuery(raw string) (url.Values, []string) {
	q, _ := url.ParseQuery(raw)
	var dup []string
	for k, v := range q {
		if len(v) > 1 {
			dup = append(dup, k)
		}
	}
	slices.Sort(dup)
	return q, dup
}

func firstError(fs []flow.Finding) string {
	for _, f := range fs {
		if f.Level == flow.LevelError {
			return f.Message
		}
	}
	return ""
}

func newConsentID() string {
	b := []byte(randomText(16))
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
