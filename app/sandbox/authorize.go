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
	ID          string
	ClientID    string
	RedirectURI string // where the answer goes
	// RedirectParam is the redirect_uri as the request gave it: empty when
	// the client's single registered URI was used. The token request must
	// repeat it.
	RedirectParam string
	ScopeParam    string // the scope as the request gave it
	State         string
	Nonce         string
	Challenge     string
	Mode          string // query, fragment or form_post
	Created       time.Time
}

// parsedScope reads the scope as NGI's consent app does.
func (r *authRequest) parsedScope() flow.Scope { return flow.ParseScope(r.ScopeParam) }

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.RawQuery) > MaxQuery {
		s.errorPage(w, http.StatusRequestURITooLong, "The request is too long", fmt.Sprintf("The authorize request's query is %d bytes; the sandbox keeps at most %d per pending request. Shorten the state or nonce.", len(r.URL.RawQuery), MaxQuery), nil, "")
		return
	}
	q := firstValues(r.URL.RawQuery)
	clientID := q.Get("client_id")
	client, known := s.clients[clientID]
	// Hydra never redirects to a client it cannot trust: these go to its error page.
	fallback := func(e *oauthError) { s.fallback(w, r, e, clientID, q.Get("redirect_uri")) }
	if !known {
		fallback(errorOf(http.StatusUnauthorized, "invalid_client", "The requested OAuth 2.0 Client does not exist."))
		return
	}
	if q.Has("request") || q.Has("request_uri") {
		fallback(errorOf(http.StatusBadRequest, "invalid_request", "Unable to verify the request object because the OAuth 2.0 Client does not have any JSON Web Keys registered."))
		return
	}
	openid := slices.Contains(strings.Fields(q.Get("scope")), ngi.ScopeOpenID)
	redirect, ok := flow.RedirectMatch(client.RedirectURIs, q.Get("redirect_uri"))
	switch {
	case q.Get("redirect_uri") != "" && ok:
		redirect = q.Get("redirect_uri")
	case q.Get("redirect_uri") == "" && openid:
		fallback(errorOf(http.StatusBadRequest, "invalid_request", "The 'redirect_uri' parameter is required when using OpenID Connect 1.0."))
		return
	case q.Get("redirect_uri") == "" && len(client.RedirectURIs) == 1:
		redirect = client.RedirectURIs[0]
	default:
		fallback(errorOf(http.StatusBadRequest, "invalid_request", "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls."))
		return
	}
	mode := q.Get("response_mode")
	if mode == "" {
		mode = ngi.ResponseModeQuery
	}
	if !slices.Contains(ngi.ResponseModes, mode) {
		fallback(errorOf(http.StatusBadRequest, ngi.ErrUnsupportedResponseMode, fmt.Sprintf("Request with unsupported response_mode '%s'.", mode)))
		return
	}
	// From here on the redirect URI is trusted: errors go back to it.
	fail := func(e *oauthError, alwaysState bool) {
		p := s.fields(e)
		if q.Get("state") != "" || alwaysState {
			p = append(p, flow.Param{Name: "state", Value: q.Get("state")})
		}
		s.respond(w, r, redirect, mode, p)
	}
	if rt := q.Get("response_type"); rt != "code" {
		fail(errorOf(http.StatusBadRequest, "unsupported_response_type", fmt.Sprintf("The client is not allowed to request response_type '%s'.", rt)), false)
		return
	}
	for _, sc := range strings.Fields(q.Get("scope")) {
		if !flow.ScopeAllowed(client.scopes(), sc) {
			fail(errorOf(http.StatusBadRequest, "invalid_scope", fmt.Sprintf("The OAuth 2.0 Client is not allowed to request scope '%s'.", sc)), false)
			return
		}
	}
	if len(q.Get("state")) < ngi.MinStateLength {
		fail(errorOf(http.StatusBadRequest, ngi.ErrInvalidState, fmt.Sprintf("Request parameter 'state' must be at least be %d characters long to ensure sufficient entropy.", ngi.MinStateLength)), true)
		return
	}
	if q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256" {
		fail(errorOf(http.StatusBadRequest, "invalid_request", "Clients must use code_challenge_method=S256, plain is not allowed."), false)
		return
	}
	if q.Get("prompt") == "none" {
		fail(errorOf(http.StatusBadRequest, ngi.ErrLoginRequired, "Prompt 'none' was requested, but no existing login session was found."), false)
		return
	}
	// Hydra would now send the person to NGI's login and consent app, which
	// applies NGI's own scope rules.
	req := &authRequest{
		ID: randomText(18), ClientID: client.ID, RedirectURI: redirect, RedirectParam: q.Get("redirect_uri"), ScopeParam: q.Get("scope"),
		State: q.Get("state"), Nonce: q.Get("nonce"), Challenge: q.Get("code_challenge"), Mode: mode, Created: s.now(),
	}
	if scope := req.parsedScope(); flow.HasErrors(scope.Findings) {
		fail(errorOf(http.StatusBadRequest, ngi.ErrInvalidScopes, firstError(scope.Findings)), false)
		return
	}
	if err := save(r.Context(), s.store, pendingRequests, req.ID, req); err != nil {
		s.storePageFailed(w)
		return
	}
	// As Hydra, accepted means a redirect to the login app: a preflight that
	// does not follow it learns the verdict without anyone logging in.
	http.Redirect(w, r, s.prefix+"/oauth2/login?login_challenge="+url.QueryEscape(req.ID), http.StatusFound)
}

// login shows the consent page of an accepted request; in NGI's app the
// person would log in with ID-porten first.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	req, err := load[authRequest](r.Context(), s.store, pendingRequests, r.URL.Query().Get("login_challenge"))
	switch {
	case err != nil:
		s.storePageFailed(w)
		return
	case req == nil:
		s.errorPage(w, http.StatusBadRequest, "This login has expired", "The authorize request it belongs to is unknown: it was already answered, is older than "+RequestLifetime.String()+", or the server restarted. Start again from the tool's Authorize tab.", nil, "")
		return
	}
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
	req, err := take[authRequest](r.Context(), s.store, pendingRequests, r.PostForm.Get("request"))
	switch {
	case err != nil:
		s.storePageFailed(w)
		return
	case req == nil:
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
		code := s.prefixed(ngi.PrefixCode, opaque())
		now := s.now()
		scope := req.parsedScope()
		c := makeConsent(now, req.ClientID, person, scope.Purpose.Scope, scope.Granted, "")
		err := s.recordConsent(r.Context(), now, c)
		issued := now
		if r.PostForm.Get("expired") == "1" { // QA's expired code: issued one lifetime and a second ago
			issued = now.Add(-s.codeLifetime - time.Second)
		}
		if err == nil {
			err = save(r.Context(), s.store, codes, code, &grant{Req: *req, Person: person, Created: issued, ConsentID: c.ID, SID: newConsentID(), PKCE: req.Challenge != ""})
		}
		if err != nil {
			s.storePageFailed(w)
			return
		}
		p = []flow.Param{{Name: "code", Value: code}, {Name: "scope", Value: scope.Echo()}}
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
	p = append(p, flow.Param{Name: "state", Value: req.State})
	s.respond(w, r, req.RedirectURI, req.Mode, p)
}

// ngiError is one of NGI's own errors as its callback carries it, described
// in the catalogue's words.
func ngiError(code string) []flow.Param {
	info, _ := ngi.ExplainError(code)
	return []flow.Param{{Name: "error", Value: code}, {Name: "error_description", Value: info.Meaning}}
}

// respond sends the browser back to the client with the parameters: in the
// query, in the fragment, or as a form the browser posts (form_post).
func (s *Server) respond(w http.ResponseWriter, r *http.Request, redirect, mode string, params []flow.Param) {
	if mode == ngi.ResponseModeFormPost {
		formPostPage(w, redirect, params)
		return
	}
	http.Redirect(w, r, callbackURL(redirect, mode == ngi.ResponseModeFragment, params), http.StatusSeeOther)
}

// fallback sends the browser to the sandbox's error page with the error in
// its query, as Hydra does when it cannot trust the client or its
// redirect_uri. The client and redirect_uri are added so that the page can
// show the registered URIs next to the one asked for.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request, e *oauthError, clientID, redirect string) {
	q := url.Values{}
	for _, p := range s.fields(e) {
		q.Set(p.Name, p.Value)
	}
	if clientID != "" {
		q.Set("client_id", clientID)
	}
	if redirect != "" {
		q.Set("redirect_uri", redirect)
	}
	http.Redirect(w, r, s.prefix+"/oauth2/fallbacks/error?"+q.Encode(), http.StatusFound)
}

// fallbackPage explains the error of the fallback redirect in plain words.
func (s *Server) fallbackPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code := q.Get("error")
	reason, generic := ngi.SplitDescription(code, q.Get("error_description"))
	if hint := q.Get("error_hint"); hint != "" {
		reason = hint
	}
	info, _ := ngi.ExplainError(code)
	message := strings.TrimSpace(reason + " " + info.Next)
	client, known := s.clients[q.Get("client_id")]
	var registered []string
	if known && code == "invalid_request" && strings.Contains(reason, "redirect") {
		registered = client.RedirectURIs
	}
	if code == "invalid_client" {
		message = fmt.Sprintf("No client with id %q is registered in the sandbox. The demo client is %q; more can be added with -sandbox-client or -sandbox-clients. Like Hydra, the sandbox does not redirect when the client is unknown.", q.Get("client_id"), DemoClientID)
	}
	s.renderError(w, http.StatusOK, errorPageData{Title: "Error: " + code, Code: code, Message: message, Generic: generic,
		Registered: registered, Got: q.Get("redirect_uri")})
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

// firstValues parses a query keeping the first value of a repeated
// parameter, as Hydra reads it.
func firstValues(raw string) url.Values {
	all, _ := url.ParseQuery(raw)
	q := url.Values{}
	for k, v := range all {
		q.Set(k, v[0])
	}
	return q
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
