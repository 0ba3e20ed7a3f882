package relay

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// formFields are the only form fields the relay sends. Values are data, sent
// as they are; a field outside this list is refused rather than guessed at.
var formFields = []string{"grant_type", "code", "redirect_uri", "client_id", "code_verifier",
	"audience", "scope", "refresh_token", "token", "token_type_hint"}

func (r *Relay) token(w http.ResponseWriter, req *http.Request) {
	if r.limited(w, req, "token") {
		return
	}
	r.post(w, req, "token", "grant_type", func(e ngi.Environment) string { return e.Endpoints.Token })
}

func (r *Relay) revoke(w http.ResponseWriter, req *http.Request) {
	if r.limited(w, req, "revoke") {
		return
	}
	r.post(w, req, "revoke", "token", func(e ngi.Environment) string { return e.Endpoints.Revoke })
}

func (r *Relay) discovery(w http.ResponseWriter, req *http.Request) {
	r.get(w, req, "discovery", func(e ngi.Environment) string { return e.Endpoints.Discovery })
}

func (r *Relay) jwks(w http.ResponseWriter, req *http.Request) {
	r.get(w, req, "jwks", func(e ngi.Environment) string { return e.Endpoints.JWKS })
}

// scenario carries an arranged failure to the sandbox, as the client: the
// only environment with a scenarios endpoint.
func (r *Relay) scenario(w http.ResponseWriter, req *http.Request) {
	var in flow.ScenarioRequest
	e, ok := r.accept(w, req, "scenario", &in, func() string { return in.Env })
	if !ok {
		return
	}
	if e.Endpoints.Scenarios == "" {
		badRequest(w, e.Label+" cannot be made to fail on purpose: only the sandbox arranges failures.")
		return
	}
	body := string(in.Scenario)
	up, err := http.NewRequestWithContext(req.Context(), http.MethodPost, e.Endpoints.Scenarios, strings.NewReader(body))
	if err != nil {
		badEndpoint(w, e, "scenario", err)
		return
	}
	up.Header.Set("Content-Type", "application/json")
	up.Header.Set("Authorization", flow.BasicAuth(in.ClientID, in.ClientSecret))
	r.send(w, req, e, "scenario", in.ClientID, up, body)
}

// badRequest answers 400 and makes no outbound connection.
func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, flow.RelayResult{Error: &flow.RelayError{Kind: "bad_request", Message: msg}})
}

// call carries a call of NGI's API: the URL is the environment's API base
// and the operation's fixed path, with a consent id that must be a plain id.
func (r *Relay) call(w http.ResponseWriter, req *http.Request) {
	var in flow.CallRequest
	e, ok := r.accept(w, req, "API", &in, func() string { return in.Env })
	if !ok {
		return
	}
	if e.APIBase == "" {
		badRequest(w, fmt.Sprintf("%s has no API base: give one with -env NAME=ISSUER_URL,API_BASE.", e.Label))
		return
	}
	op, ok := ngi.OperationByID(in.Operation)
	if !ok {
		ids := make([]string, len(ngi.Operations))
		for i, o := range ngi.Operations {
			ids[i] = o.ID
		}
		badRequest(w, fmt.Sprintf("Unknown operation %q: the relay calls only %s.", truncate(in.Operation, 60), strings.Join(ids, ", ")))
		return
	}
	if in.AccessToken == "" || strings.ContainsFunc(in.AccessToken, func(c rune) bool { return c <= ' ' || c > '~' }) {
		badRequest(w, "The access token is missing, or holds spaces or characters a token never has.")
		return
	}
	target, err := flow.CallTarget(e.APIBase, op, in)
	if err != nil {
		badRequest(w, sentence(err))
		return
	}
	var body string
	switch {
	case op.ID == ngi.OpCreateConsent && in.Consent == nil:
		badRequest(w, "createConsent needs its body: nin, scope_of_consent, consent_duration_days, client_consent_id.")
		return
	case op.ID == ngi.OpCreateConsent:
		b, _ := json.Marshal(in.Consent)
		body = string(b)
	case in.Consent != nil:
		badRequest(w, op.ID+" takes no body.")
		return
	}
	up, err := http.NewRequestWithContext(req.Context(), op.Method, target, strings.NewReader(body))
	if err != nil {
		badEndpoint(w, e, "API", err)
		return
	}
	up.Header.Set("Accept", "application/json")
	up.Header.Set("Authorization", "Bearer "+in.AccessToken)
	up.Header.Set("X-Trace-ID", "authdebug-"+randomID())
	if body != "" {
		up.Header.Set("Content-Type", "application/json")
	}
	r.send(w, req, e, op.ID, "", up, body)
}

// badEndpoint answers when an environment's endpoint cannot make a request;
// the server checks its environments at start, so this is a bug, not bad input.
func badEndpoint(w http.ResponseWriter, e ngi.Environment, what string, err error) {
	writeJSON(w, http.StatusInternalServerError, flow.RelayResult{Error: &flow.RelayError{Kind: "bad_endpoint",
		Message: fmt.Sprintf("The %s endpoint of %s is not a usable URL (%v). Fix the server's -env flag.", what, e.Label, err)}})
}

func (r *Relay) get(w http.ResponseWriter, req *http.Request, what string, endpoint func(ngi.Environment) string) {
	q := req.URL.Query()
	for k := range q {
		if k != "env" {
			badRequest(w, fmt.Sprintf("Unknown query parameter %q: only env is accepted.", k))
			return
		}
	}
	if len(q["env"]) != 1 {
		badRequest(w, "Give exactly one env parameter, the id of a configured environment.")
		return
	}
	e, ok := r.usableEnv(w, req, q.Get("env"))
	if !ok {
		return
	}
	up, err := http.NewRequestWithContext(req.Context(), http.MethodGet, endpoint(e), nil)
	if err != nil {
		badEndpoint(w, e, what, err)
		return
	}
	up.Header.Set("Accept", "application/json")
	r.send(w, req, e, what, "", up, "")
}

// post sends a form, with the client authenticated by HTTP Basic; required
// names the form field the call cannot do without.
func (r *Relay) post(w http.ResponseWriter, req *http.Request, what, required string, endpoint func(ngi.Environment) string) {
	in, msg := r.decode(w, req, required)
	if msg != "" {
		badRequest(w, msg)
		return
	}
	e, ok := r.usableEnv(w, req, in.Env)
	if !ok {
		return
	}
	form := url.Values{}
	for k, v := range in.Form {
		form.Set(k, v)
	}
	body := form.Encode()
	up, err := http.NewRequestWithContext(req.Context(), http.MethodPost, endpoint(e), strings.NewReader(body))
	if err != nil {
		badEndpoint(w, e, what, err)
		return
	}
	up.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	up.Header.Set("Accept", "application/json")
	up.Header.Set("Authorization", flow.BasicAuth(in.ClientID, in.ClientSecret))
	r.send(w, req, e, what, in.ClientID, up, body)
}

// accept takes a JSON call of the page's: within the client's rate, read
// into in, for an environment (env reads its id from in) the user may use.
// ok is false when it has already answered.
func (r *Relay) accept(w http.ResponseWriter, req *http.Request, kind string, in any, env func() string) (e ngi.Environment, ok bool) {
	if r.limited(w, req, kind) {
		return e, false
	}
	if msg := r.decodeJSON(w, req, in); msg != "" {
		badRequest(w, msg)
		return e, false
	}
	return r.usableEnv(w, req, env())
}

// decodeJSON reads one JSON value of the page's into v, strictly; a
// non-empty message is why it is refused.
func (r *Relay) decodeJSON(w http.ResponseWriter, req *http.Request, v any) string {
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt != "application/json" {
		return "The request must be JSON (Content-Type: application/json)."
	}
	if len(req.URL.RawQuery) > 0 {
		return "This endpoint takes no query parameters."
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, req.Body, r.opts.MaxRequest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Sprintf("The request is larger than %d bytes.", r.opts.MaxRequest)
		}
		return "The request is not valid: " + err.Error() + "."
	}
	if dec.More() {
		return "The request has more than one JSON value."
	}
	return ""
}

// decode reads and checks a RelayRequest; a non-empty message is why it is refused.
func (r *Relay) decode(w http.ResponseWriter, req *http.Request, required string) (flow.RelayRequest, string) {
	var in flow.RelayRequest
	if msg := r.decodeJSON(w, req, &in); msg != "" {
		if strings.HasPrefix(msg, "The request is not valid") {
			msg += " It takes env, client_id, client_secret and form."
		}
		return in, msg
	}
	if in.ClientID == "" {
		return in, "The client id is missing."
	}
	names := make([]string, 0, len(in.Form))
	for k := range in.Form {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !slices.Contains(formFields, k) {
			return in, fmt.Sprintf("The form field %q is not one the relay sends (it sends %s).", k, strings.Join(formFields, ", "))
		}
	}
	if _, ok := in.Form[required]; !ok {
		return in, "The form has no " + required + "."
	}
	return in, ""
}

// usableEnv finds the environment named by id, and answers 400 when there
// is none (the relay talks to configured environments only) or 403 when the
// user may not use it.
func (r *Relay) usableEnv(w http.ResponseWriter, req *http.Request, id string) (ngi.Environment, bool) {
	e, ok := r.env(id)
	if !ok {
		ids := make([]string, 0, len(r.envs))
		for _, e := range r.envs {
			ids = append(ids, e.ID)
		}
		badRequest(w, fmt.Sprintf("Unknown environment %q: the relay only talks to configured environments (%s), named by id.", truncate(id, 60), strings.Join(ids, ", ")))
		return e, false
	}
	return e, !r.refuseEnv(w, req, e)
}

// send carries one request upstream and answers the page with what was sent
// (masked) and what came back, or a relay error that says what happened.
func (r *Relay) send(w http.ResponseWriter, req *http.Request, e ngi.Environment, what, clientID string, up *http.Request, body string) {
	status, res := r.do(req, e, what, clientID, up, body)
	writeJSON(w, status, res)
}

// do carries one request upstream; the status is the relay's own answer's.
// Each call leaves one audit line, and is counted.
func (r *Relay) do(req *http.Request, e ngi.Environment, what, clientID string, up *http.Request, body string) (status int, res flow.RelayResult) {
	ctx, cancel := context.WithTimeout(up.Context(), r.opts.Timeout)
	defer cancel()
	up = up.WithContext(ctx)
	res = flow.RelayResult{Request: masked(up, body)}
	start := time.Now()
	defer func() { r.audit(req, e, what, clientID, res, start) }()
	resp, err := r.clients[e.ID].Do(up)
	if err != nil {
		res.Error = classify(err, req.Context(), e, up.URL, r.opts.Timeout)
		return http.StatusBadGateway, res
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, r.opts.MaxResponse+1))
	elapsed := since(start)
	switch {
	case err != nil:
		res.Error = classify(err, req.Context(), e, up.URL, r.opts.Timeout)
	case int64(len(data)) > r.opts.MaxResponse:
		res.Error = &flow.RelayError{Kind: "too_large", Message: fmt.Sprintf("%s answered more than %d bytes: too large for a %s response, so it was cut off and not shown.", e.Label, r.opts.MaxResponse, what)}
	}
	if res.Error != nil {
		return http.StatusBadGateway, res
	}
	res.Response = &flow.WireResponse{Status: resp.StatusCode, Headers: headerList(resp.Header), Body: string(data), ElapsedMS: elapsed}
	return http.StatusOK, res
}

// audit writes the call's audit line (who, where, what, how it ended; never
// a secret, code, token, national id number or query) and counts it.
func (r *Relay) audit(req *http.Request, e ngi.Environment, what, clientID string, res flow.RelayResult, start time.Time) {
	outcome, status := outcomeOf(res), 0
	if res.Response != nil {
		status = res.Response.Status
	}
	r.log.Info("relay call", "audit", true, "user", r.user(req), "env", e.ID, "call", what,
		"client_id", truncate(clientID, 100), "status", status, "outcome", outcome, "ms", since(start))
	if r.opts.Observer != nil {
		r.opts.Observer.Call(e.ID, what, outcome, time.Since(start))
	}
}

// outcomeOf names how a call ended: success, the answer's OAuth or Hydra
// error code if ngi knows it, else http_<status>, or the relay's own failure.
func outcomeOf(res flow.RelayResult) string {
	switch {
	case res.Error != nil:
		return "relay_" + res.Error.Kind
	case res.Response == nil:
		return "none"
	case res.Response.Status < 400:
		return "success"
	}
	var body struct {
		Error string `json:"error"`
	}
	// Only codes NGI and Hydra document become a label: an upstream's own
	// words would let the metric grow without bound.
	if json.Unmarshal([]byte(res.Response.Body), &body) == nil {
		if _, known := ngi.ExplainError(body.Error); known {
			return body.Error
		}
	}
	return fmt.Sprintf("http_%d", res.Response.Status)
}

// preflight sends an authorize request to the environment's authorize
// endpoint, without cookies, and reads where the server would send the
// browser. The Location is read, never fetched.
func (r *Relay) preflight(w http.ResponseWriter, req *http.Request) {
	var in flow.PreflightRequest
	e, ok := r.accept(w, req, "preflight", &in, func() string { return in.Env })
	if !ok {
		return
	}
	q := url.Values{}
	for k, v := range in.Params {
		if !slices.Contains(flow.PreflightParams, k) {
			badRequest(w, fmt.Sprintf("The parameter %q is not one a preflight sends (%s).", truncate(k, 60), strings.Join(flow.PreflightParams, ", ")))
			return
		}
		q.Set(k, v)
	}
	up, err := http.NewRequestWithContext(req.Context(), http.MethodGet, e.Endpoints.Authorize+"?"+q.Encode(), nil)
	if err != nil {
		badEndpoint(w, e, "authorize", err)
		return
	}
	status, res := r.do(req, e, "preflight", in.Params["client_id"], up, "")
	if res.Response != nil {
		p := flow.ReadPreflight(e.Endpoints.Authorize, in.Params["redirect_uri"], res.Response.Status, flow.HeaderValue(res.Response.Headers, "Location"))
		res.Preflight = &p
	}
	writeJSON(w, status, res)
}

func since(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

// masked is the request as the page shows and copies it: the credentials
// and every secret field of the body (flow.IsSecret: the secret, the code,
// the verifier, a token) replaced by asterisks, their presence kept.
func masked(up *http.Request, body string) *flow.WireRequest {
	h := up.Header.Clone()
	switch auth := h.Get("Authorization"); {
	case strings.HasPrefix(auth, "Bearer "):
		h.Set("Authorization", "Bearer ******** (the access token)")
	case auth != "":
		h.Set("Authorization", "Basic ******** (client id and secret, form-url-encoded, base64)")
	}
	if body != "" {
		if form, err := url.ParseQuery(body); err == nil {
			hidden := false
			for name := range form {
				if flow.IsSecret(name) {
					form.Set(name, "********")
					hidden = true
				}
			}
			if hidden {
				body = form.Encode()
			}
		}
	}
	return &flow.WireRequest{Method: up.Method, URL: up.URL.String(), Headers: headerList(h), Body: body}
}

func headerList(h http.Header) []flow.Header {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []flow.Header
	for _, n := range names {
		for _, v := range h[n] {
			out = append(out, flow.Header{Name: n, Value: v})
		}
	}
	return out
}

// classify turns a transport error into a kind and a message saying what to
// do. It names the host that failed, which is the API's for an API call and
// the authorization server's for the others.
func classify(err error, client context.Context, e ngi.Environment, target *url.URL, timeout time.Duration) *flow.RelayError {
	host := target.Scheme + "://" + target.Host
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	// A DNS lookup that times out is a DNS failure first.
	switch {
	case client.Err() != nil:
		return &flow.RelayError{Kind: "canceled", Message: "The page went away before the answer came; the upstream call was cancelled."}
	case errors.As(err, &dnsErr):
		return &flow.RelayError{Kind: "dns", Message: fmt.Sprintf("The name of %s could not be resolved (%s). Check this server's DNS and network access.", host, dnsErr.Err)}
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return &flow.RelayError{Kind: "timeout", Message: fmt.Sprintf("%s (%s) did not answer within %s. It may be down or unreachable from this server; try again, or check its status.", host, e.Label, timeout)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &flow.RelayError{Kind: "refused", Message: fmt.Sprintf("%s refused the connection: nothing listens there. Check the environment's URL and that the server is up.", host)}
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &recordErr),
		strings.Contains(err.Error(), "tls:"), strings.Contains(err.Error(), "x509:"):
		return &flow.RelayError{Kind: "tls", Message: fmt.Sprintf("The TLS handshake with %s failed (%s): its certificate is not trusted by this server, or it does not speak TLS.", host, rootCause(err))}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return &flow.RelayError{Kind: "closed", Message: fmt.Sprintf("%s closed the connection without a complete answer.", host)}
	}
	return &flow.RelayError{Kind: "network", Message: fmt.Sprintf("The request to %s failed: %s.", host, rootCause(err))}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// randomID is a fresh id for X-Trace-ID, so that a call can be found in
// NGI's logs.
func randomID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// sentence turns an error into a sentence: capitalised, with a full stop.
func sentence(err error) string {
	s := err.Error()
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
