package check

import (
	"cmp"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/token"
)

// Outcomes of a check.
const (
	Pass = "pass"
	Fail = "fail"
	Warn = "warn"
	Skip = "skip"
)

// Result is one check's verdict, as every report writes it.
type Result struct {
	ID       string `json:"id"`    // redirect_uris.registered[0], jwks.rsa_size…
	Group    string `json:"group"` // the plan's group: discovery, jwks…
	Title    string `json:"title"`
	Outcome  string `json:"outcome"`
	Severity string `json:"severity"` // error, warning, info: what a failure means
	Ref      string `json:"ref,omitempty"`
	Message  string `json:"message"`
	// Expected marks a failure the plan lists in expected_failures.
	Expected bool `json:"expected_failure,omitempty"`
}

// Relay carries the calls to the environment the way the page's relay
// does for the page (it is the same code), so the page and CI agree.
type Relay interface {
	// Get fetches the environment's discovery document or keys ("discovery", "jwks").
	Get(what, env string) (flow.RelayResult, error)
	// Post sends one of the page's requests: /api/token, /api/preflight, /api/call.
	Post(path string, body any) (flow.RelayResult, error)
}

// Unreachable is returned when the environment could not be reached at all.
type Unreachable struct{ Reason string }

func (u Unreachable) Error() string { return u.Reason }

// Run runs the plan's checks against env with the client secret given
// (empty: the checks that need it are skipped, with the reason).
func Run(p Plan, env ngi.Environment, secret string, relay Relay, snap *Snapshot) ([]Result, error) {
	r := &runner{plan: p, env: env, secret: secret, relay: relay}
	discovery, err := relay.Get("discovery", env.ID)
	if err != nil {
		return nil, err
	}
	if discovery.Error != nil && unreachableKinds[discovery.Error.Kind] {
		return nil, Unreachable{fmt.Sprintf("%s (%s) cannot be reached: %s", env.Label, env.Issuer, discovery.Error.Message)}
	}
	c := p.Checks
	if c.Discovery != nil {
		r.discovery(discovery)
	}
	var keys flow.RelayResult
	if c.JWKS != nil || c.Snapshot != "" {
		if keys, err = relay.Get("jwks", env.ID); err != nil {
			return nil, err
		}
	}
	if c.JWKS != nil {
		r.jwks(keys)
	}
	if c.RedirectURIs != nil {
		r.redirectURIs(*c.RedirectURIs)
	}
	for i, a := range c.Authorize {
		r.authorize(i, a)
	}
	for i, cc := range c.ClientCredentials {
		r.clientCredentials(i, cc)
	}
	if c.API != nil {
		r.api()
	}
	if c.Snapshot != "" && snap != nil {
		r.results = append(r.results, snap.Compare(body(discovery), body(keys))...)
	}
	for i := range r.results {
		res := &r.results[i]
		res.Expected = res.Outcome == Fail && slices.Contains(p.ExpectedFailures, res.ID)
	}
	return r.results, nil
}

// unreachableKinds are the relay's failures that mean no answer came at all.
var unreachableKinds = map[string]bool{"dns": true, "refused": true, "timeout": true, "tls": true, "network": true, "closed": true}

type runner struct {
	plan    Plan
	env     ngi.Environment
	secret  string
	relay   Relay
	results []Result
}

func (r *runner) add(id, title, outcome, severity, ref, message string) {
	group, _, _ := strings.Cut(id, ".")
	group, _, _ = strings.Cut(group, "[")
	r.results = append(r.results, Result{ID: id, Group: group, Title: title, Outcome: outcome, Severity: severity, Ref: ref, Message: message})
}

func body(res flow.RelayResult) string {
	if res.Response == nil || res.Response.Status != 200 {
		return ""
	}
	return res.Response.Body
}

// answerProblem says why a relayed call gave no usable answer, or "".
func answerProblem(res flow.RelayResult) string {
	switch {
	case res.Error != nil:
		return res.Error.Message
	case res.Response == nil:
		return "no answer"
	}
	return ""
}

// fetchProblem says why a fetched document is not there to read, or "".
func fetchProblem(res flow.RelayResult) string {
	if p := answerProblem(res); p != "" {
		return p
	}
	if res.Response.Status != 200 {
		return fmt.Sprintf("HTTP %d", res.Response.Status)
	}
	return ""
}

func (r *runner) discovery(res flow.RelayResult) {
	const ref = "OpenID Connect Discovery 1.0 §3; NGI's profile (domain.md)"
	if p := fetchProblem(res); p != "" {
		r.add("discovery.document", "The discovery document is served", Fail, "error", ref, p)
		return
	}
	checks, err := flow.CheckDiscovery([]byte(res.Response.Body), r.env)
	if err != nil {
		r.add("discovery.document", "The discovery document is served", Fail, "error", ref, err.Error())
		return
	}
	for _, c := range checks {
		outcome := Pass
		if !c.OK {
			outcome = Fail
		}
		r.add("discovery."+c.Field, c.Field+" is as NGI's profile says", outcome, "error", ref, c.Message)
	}
}

func (r *runner) jwks(res flow.RelayResult) {
	const ref = "RFC 7517; RFC 7518 §3.3 (RS256, keys of 2048 bits or more)"
	if p := fetchProblem(res); p != "" {
		r.add("jwks.document", "The key set is served", Fail, "error", ref, p)
		return
	}
	set, err := token.ParseJWKS([]byte(res.Response.Body))
	if err != nil || len(set.Keys) == 0 {
		r.add("jwks.document", "The key set is served", Fail, "error", ref, cmp.Or(errText(err), "the key set has no keys"))
		return
	}
	r.add("jwks.document", "The key set is served", Pass, "error", ref, fmt.Sprintf("%d key(s)", len(set.Keys)))
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	json.Unmarshal([]byte(res.Response.Body), &raw)
	var private, notRS256, small, seen, dup []string
	kids := map[string]bool{}
	for i, k := range set.Keys {
		for _, field := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := raw.Keys[i][field]; ok {
				private = append(private, k.Kid)
				break
			}
		}
		if err := k.CheckRS256(); err != nil {
			notRS256 = append(notRS256, err.Error())
		} else if pub, _ := k.RSAKey(); pub.N.BitLen() < 2048 {
			small = append(small, fmt.Sprintf("%s: %d bits", k.Kid, pub.N.BitLen()))
		}
		if kids[k.Kid] {
			dup = append(dup, k.Kid)
		}
		kids[k.Kid], seen = true, append(seen, k.Kid)
	}
	verdict := func(id, title string, bad []string, good string) {
		if len(bad) > 0 {
			r.add(id, title, Fail, "error", ref, strings.Join(bad, "; "))
			return
		}
		r.add(id, title, Pass, "error", ref, good)
	}
	verdict("jwks.no_private", "No private or symmetric key material is published", private, "public keys only")
	verdict("jwks.rs256", "Every key can verify RS256", notRS256, "RSA, RS256")
	verdict("jwks.rsa_size", "Every RSA key has at least 2048 bits", small, "2048 bits or more")
	verdict("jwks.unique_kids", "Key ids are unique", dup, "kids: "+strings.Join(seen, ", "))
}

// preflight asks the authorize endpoint about a request, nobody logging in;
// said is the page's sentence for the answer, or why there is none.
func (r *runner) preflight(redirectURI, scope string) (p *flow.Preflight, said string) {
	req := flow.AuthRequest{Endpoint: r.env.Endpoints.Authorize, ClientID: r.plan.ClientID, RedirectURI: redirectURI, Scope: scope,
		State: randomState()}
	params := map[string]string{}
	for _, p := range req.Params() {
		params[p.Name] = p.Value
	}
	res, err := r.relay.Post("/api/preflight", flow.PreflightRequest{Env: r.env.ID, Params: params})
	switch {
	case err != nil:
		return nil, "No answer: " + err.Error()
	case answerProblem(res) != "":
		return nil, "No answer: " + answerProblem(res)
	case res.Preflight == nil:
		return nil, "No answer: no preflight reading"
	}
	return res.Preflight, res.Preflight.Sentence(redirectURI, r.plan.ClientID, r.env.Who(), res.Response.Status)
}

func (r *runner) redirectURIs(c RedirectURIs) {
	const ref = "RFC 6749 §3.1.2.3; Hydra compares redirect URIs exactly"
	scope := cmp.Or(c.Scope, ngi.ScopePresentation)
	check := func(id, title, uri string, pass func(*flow.Preflight) bool) {
		p, said := r.preflight(uri, scope)
		outcome := Fail
		if p != nil && pass(p) {
			outcome = Pass
		}
		r.add(id, title, outcome, "error", ref, said)
	}
	for i, uri := range c.Registered {
		check(fmt.Sprintf("redirect_uris.registered[%d]", i), uri+" is registered and accepted", uri, func(p *flow.Preflight) bool {
			return p.Registered() == flow.MatchYes && p.Verdict == flow.PreflightAccepted
		})
	}
	for i, uri := range c.NotRegistered {
		check(fmt.Sprintf("redirect_uris.not_registered[%d]", i), uri+" is refused before any redirect", uri, func(p *flow.Preflight) bool {
			return p.Registered() == flow.MatchNo
		})
	}
}

func (r *runner) authorize(i int, c AuthorizeCase) {
	id := fmt.Sprintf("authorize[%d]", i)
	title := fmt.Sprintf("scope %q is %s", c.Scope, c.Expect)
	uri := c.RedirectURI
	if uri == "" {
		uri = r.plan.Checks.RedirectURIs.Registered[0]
	}
	p, said := r.preflight(uri, c.Scope)
	if p == nil {
		r.add(id, title, Fail, "error", "RFC 6749 §4.1.1", said)
		return
	}
	got := p.Verdict
	if c.Expect != flow.PreflightAccepted && c.Expect != flow.PreflightRefused && p.Error != "" {
		got = p.Error
	}
	if got == c.Expect {
		r.add(id, title, Pass, "error", "RFC 6749 §4.1.1", said)
		return
	}
	r.add(id, title, Fail, "error", "RFC 6749 §4.1.1", fmt.Sprintf("expected %s, got %s", c.Expect, said))
}

// token asks for a client-credentials token; "" and the reason when none came.
func (r *runner) token(audience, scope string) (*flow.TokenResponse, *flow.OAuthError, string) {
	res, err := r.relay.Post("/api/token", flow.RelayRequest{Env: r.env.ID, ClientID: r.plan.ClientID, ClientSecret: r.secret,
		Form: flow.ClientCredentialsForm(audience, scope)})
	if err != nil {
		return nil, nil, err.Error()
	}
	if p := answerProblem(res); p != "" {
		return nil, nil, p
	}
	tok, oerr, problem := flow.ReadTokenResponse(res.Response.Status, flow.HeaderValue(res.Response.Headers, "Content-Type"), res.Response.Body)
	return tok, oerr, problem
}

func (r *runner) clientCredentials(i int, c CredentialsCase) {
	const ref = "RFC 6749 §4.4; NGI's audiences and scopes"
	id := fmt.Sprintf("client_credentials[%d]", i)
	title := fmt.Sprintf("a token for %s, scope %q, expecting %s", c.Audience, c.Scope, c.Expect)
	if r.secret == "" {
		r.add(id, title, Skip, "error", ref, "No client secret: name it with client_secret_env or client_secret_file in the plan.")
		return
	}
	tok, oerr, problem := r.token(c.Audience, c.Scope)
	got, said := "", ""
	switch {
	case tok != nil:
		got, said = "success", "a token, scope "+cmp.Or(tok.Scope, c.Scope)
	case oerr != nil:
		reason, _ := oerr.Reason()
		got, said = oerr.Error, oerr.Error+": "+reason
	default:
		got, said = "no answer", problem
	}
	if got == c.Expect {
		r.add(id, title, Pass, "error", ref, said)
		return
	}
	r.add(id, title, Fail, "error", ref, fmt.Sprintf("expected %s, got %s", c.Expect, said))
}

// api makes one harmless read: the consent feed's last sequence number,
// with a client-credentials token for it.
func (r *runner) api() {
	const id, title, ref = "api.lastSequenceNr", "The consent feed answers lastSequenceNr", "NGI's API (domain.md)"
	op, _ := ngi.OperationByID(ngi.OpLastSequenceNr)
	switch {
	case r.secret == "":
		r.add(id, title, Skip, "error", ref, "No client secret: name it with client_secret_env or client_secret_file in the plan.")
		return
	case op.Service >= len(r.env.Services) || r.env.APIBase == "":
		r.add(id, title, Skip, "error", ref, r.env.Label+" has no API base.")
		return
	}
	svc := r.env.Services[op.Service]
	tok, oerr, problem := r.token(svc.Audience, op.Scopes[0])
	if tok == nil {
		if oerr != nil {
			problem = oerr.Error
		}
		r.add(id, title, Fail, "error", ref, "No token for "+svc.Audience+": "+problem)
		return
	}
	res, err := r.relay.Post("/api/call", flow.CallRequest{Env: r.env.ID, Operation: op.ID, AccessToken: tok.AccessToken})
	switch {
	case err != nil:
		r.add(id, title, Fail, "error", ref, err.Error())
	case answerProblem(res) != "":
		r.add(id, title, Fail, "error", ref, answerProblem(res))
	case res.Response.Status == 200:
		r.add(id, title, Pass, "error", ref, "HTTP 200: "+strings.TrimSpace(res.Response.Body))
	default:
		e, _ := flow.ReadAPIError(res.Response.Body)
		meaning, _ := flow.ExplainCall(op, res.Response.Status, e)
		r.add(id, title, Fail, "error", ref, fmt.Sprintf("HTTP %d: %s", res.Response.Status, cmp.Or(meaning, e.Error)))
	}
}

func randomState() string {
	return "check-" + rand.Text()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
