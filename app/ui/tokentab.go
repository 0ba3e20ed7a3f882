package ui

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// secretKey is the sessionStorage key used only when the person asks the tab
// to remember the secret; the secret never goes to localStorage.
const secretKey = "authdebug.secret"

// tokenTab exchanges a code or runs client credentials through the relay.
type tokenTab struct {
	sh *shared

	grant    string
	secret   string
	remember bool

	code         string
	codeReceived time.Time
	redirectURI  string
	verifier     string
	pending      *flow.PendingRequest // the authorize request the code answers
	spent        map[string]bool      // codes an answer said are used up (flow.CodeSpent)
	taken        *codeHandoff         // the last code handed over by the Callback tab

	audience string
	scope    string
	preset   bool // audience and scope are an environment's preset, replaced on a switch

	busy    bool
	result  *tokenResult
	revoked string // what the last revocation answered
	failure failureArm
}

// tokenResult is one exchange as the page shows it.
type tokenResult struct {
	env      string // the environment, client and grant the request went with
	client   string
	grant    string
	asked    string // scope asked for
	relay    flow.RelayResult
	fetchErr string
	token    *flow.TokenResponse
	oauthErr *flow.OAuthError
	problem  string
	at       time.Time
	curl     string
}

// outcome is data-outcome: success, error or relay-error.
func (r *tokenResult) outcome() string {
	switch {
	case r.fetchErr != "" || r.relay.Error != nil || r.relay.Response == nil:
		return "relay-error"
	case r.token != nil:
		return "success"
	}
	return "error"
}

func (t *tokenTab) setUp(s *Shell) {
	t.sh = &s.sh
	t.grant = flow.GrantAuthorizationCode
}

func (t *tokenTab) open(*url.URL, time.Time) {}

// arrive takes the code the Callback tab read last.
func (t *tokenTab) arrive() { t.take(t.sh.code) }

func (t *tokenTab) fields() map[string]string {
	return map[string]string{"code": t.code, "token-redirect-uri": t.redirectURI, "code-verifier": t.verifier, "audience": t.audience,
		"scope": t.scope, "client-secret": t.secret}
}

// take fills the code fields from the Callback tab's last reading, once.
func (t *tokenTab) take(h *codeHandoff) {
	if h == nil || h == t.taken {
		return
	}
	t.taken = h
	t.grant = flow.GrantAuthorizationCode
	t.code, t.codeReceived = h.code, h.received
	t.redirectURI, t.verifier, t.pending = h.redirectURI, h.verifier, h.pending
}

// applyEnvDefaults fills audience and scope with the environment's first
// service, unless the person typed their own.
func (t *tokenTab) applyEnvDefaults(e *ngi.Environment) {
	if e == nil || !(t.preset || t.audience == "") {
		return
	}
	t.audience, t.scope, t.preset = "", "", true
	if len(e.Services) > 0 {
		t.audience, t.scope = e.Services[0].Audience, e.Services[0].Scope
	}
}

func (t *tokenTab) form() map[string]string {
	if t.grant == flow.GrantClientCredentials {
		return flow.ClientCredentialsForm(t.audience, t.scope)
	}
	return flow.CodeForm(t.sh.clientID, t.codeExchange())
}

func (t *tokenTab) codeExchange() flow.CodeExchange {
	x := flow.CodeExchange{Code: t.code, RedirectURI: t.redirectURI, Verifier: t.verifier,
		Pending: t.pending, ReceivedAt: t.codeReceived, Spent: t.spent[t.code]}
	if e := t.sh.env(); e != nil {
		x.Lifetime = e.CodeTTL()
	}
	return x
}

func (t *tokenTab) findings(now time.Time) []flow.Finding {
	fs := flow.CheckClientAuth(t.sh.clientID, t.secret)
	if t.grant == flow.GrantClientCredentials {
		if e := t.sh.env(); e != nil {
			fs = append(fs, flow.CheckClientCredentials(*e, t.audience, t.scope)...)
		}
		return fs
	}
	return append(fs, flow.CheckCodeExchange(t.codeExchange(), now)...)
}

// exchange sends the token request through the relay. A code counts as
// spent only when the environment's answer says so (flow.CodeSpent): a
// request that never arrived, a wrong secret or redirect_uri leave it usable.
func (t *tokenTab) exchange() {
	e := t.sh.env()
	if e == nil || t.busy {
		return
	}
	form := t.form()
	res := &tokenResult{env: e.ID, client: t.sh.clientID, grant: t.grant, at: time.Now(), curl: flow.CurlCommand(e.Endpoints.Token, t.sh.clientID, form)}
	res.asked = form["scope"]
	code, pending := "", t.pending
	if t.grant == flow.GrantAuthorizationCode {
		code = t.code
		if pending != nil {
			res.asked = pending.Scope
		}
	}
	t.busy, t.revoked = true, ""
	req := flow.RelayRequest{Env: e.ID, ClientID: t.sh.clientID, ClientSecret: t.secret, Form: form}
	entry := historyEntry{At: time.Now(), Kind: "token", Env: e.ID, Client: t.sh.clientID, Grant: t.grant, RedirectURI: form["redirect_uri"]}
	if t.grant == flow.GrantClientCredentials {
		entry.Audience, entry.Scope = t.audience, t.scope
	}
	t.sh.relay("POST", "/api/token", req, func(relayed *flow.RelayResult, problem string) {
		t.busy, t.result, res.at = false, res, time.Now()
		defer func() {
			entry.Outcome = res.outcome()
			if res.oauthErr != nil {
				entry.Outcome = res.oauthErr.Error
			}
			t.sh.remember(entry)
		}()
		if problem != "" {
			res.fetchErr = problem
			return
		}
		res.relay = *relayed
		resp := res.relay.Response
		if resp == nil || res.relay.Error != nil {
			return
		}
		res.token, res.oauthErr, res.problem = flow.ReadTokenResponse(resp.Status, flow.HeaderValue(resp.Headers, "Content-Type"), resp.Body)
		if code != "" && flow.CodeSpent(res.token, res.oauthErr) {
			if t.spent == nil {
				t.spent = map[string]bool{}
			}
			t.spent[code] = true
		}
		if res.token != nil {
			t.handOverToken(res.token, e.ID, req.ClientID, res.grant, form["audience"], form["scope"], res.at)
		}
		if res.token != nil && res.token.IDToken != "" {
			t.sh.response = &responseHandoff{body: resp.Body, pending: pending}
		}
	})
}

// revoke asks the environment that issued the access token to revoke it
// (RFC 7009), as the client it was issued to.
func (t *tokenTab) revoke() {
	r := t.result
	if r == nil || r.token == nil {
		return
	}
	if t.sh.envID != r.env || t.sh.clientID != r.client {
		t.revoked = fmt.Sprintf("This token was issued by %s to client %s: choose them again (with that client's secret) to revoke it.", r.env, r.client)
		return
	}
	req := flow.RelayRequest{Env: r.env, ClientID: r.client, ClientSecret: t.secret,
		Form: map[string]string{"token": r.token.AccessToken, "token_type_hint": "access_token"}}
	t.sh.relay("POST", "/api/revoke", req, func(res *flow.RelayResult, problem string) {
		switch {
		case problem != "":
			t.revoked = problem
		case res.Error != nil:
			t.revoked = res.Error.Message
		default:
			t.revoked = flow.ReadRevocation(res.Response.Status, res.Response.Body)
		}
	})
}

// choosePreset fills audience and scope from the environment's service with that audience.
func (t *tokenTab) choosePreset(audience string) {
	if e := t.sh.env(); e != nil {
		for _, svc := range e.Services {
			if svc.Audience == audience {
				t.audience, t.scope, t.preset = svc.Audience, svc.Scope, true
			}
		}
	}
}

func (t *tokenTab) onGrant(ctx ga.Context, e ga.Event) { t.grant = ctx.JSSrc().Get("value").String() }

func (t *tokenTab) onSecret(ctx ga.Context, e ga.Event) {
	t.secret = ctx.JSSrc().Get("value").String()
	if t.remember {
		ctx.SessionStorage().Set(secretKey, t.secret)
	}
}

func (t *tokenTab) onUseDemoSecret(ctx ga.Context, e ga.Event) {
	if env := t.sh.env(); env != nil && env.DemoClient != nil {
		t.secret = env.DemoClient.Secret
	}
}

func (t *tokenTab) onRemember(ctx ga.Context, e ga.Event) {
	t.remember = ctx.JSSrc().Get("checked").Bool()
	if t.remember {
		ctx.SessionStorage().Set(secretKey, t.secret)
	} else {
		ctx.SessionStorage().Del(secretKey)
	}
}

func (t *tokenTab) onCode(ctx ga.Context, e ga.Event) { t.code = ctx.JSSrc().Get("value").String() }
func (t *tokenTab) onRedirect(ctx ga.Context, e ga.Event) {
	t.redirectURI = ctx.JSSrc().Get("value").String()
}
func (t *tokenTab) onVerifier(ctx ga.Context, e ga.Event) {
	t.verifier = ctx.JSSrc().Get("value").String()
}
func (t *tokenTab) onService(ctx ga.Context, e ga.Event) {
	t.choosePreset(ctx.JSSrc().Get("value").String())
}

func (t *tokenTab) onAudience(ctx ga.Context, e ga.Event) {
	t.audience, t.preset = ctx.JSSrc().Get("value").String(), false
}

func (t *tokenTab) onScope(ctx ga.Context, e ga.Event) {
	t.scope, t.preset = ctx.JSSrc().Get("value").String(), false
}

// stale reports whether the result answered another request than the one
// on screen: another environment or another grant.
func (t *tokenTab) stale() bool {
	return t.result != nil && (t.result.env != t.sh.envID || t.result.grant != t.grant)
}
func (t *tokenTab) onRevoke(ctx ga.Context, e ga.Event) { t.revoke() }

func (t *tokenTab) render() ga.UI {
	e := t.sh.env()
	findings := t.findings(time.Now())
	return ga.Div().ID("token").Body(
		ga.H2().Text("Get a token"),
		ga.Div().Class("form").Body(
			ga.Label().For("token-grant").Text("Grant"),
			ga.Select().ID("token-grant").OnChange(t.onGrant).Body(
				ga.Option().Value(flow.GrantAuthorizationCode).Selected(t.grant == flow.GrantAuthorizationCode).Text("authorization_code: exchange a code"),
				ga.Option().Value(flow.GrantClientCredentials).Selected(t.grant == flow.GrantClientCredentials).Text("client_credentials: a token for the client itself"),
			),
			ga.Label().For("client-secret").Text("Client secret"),
			ga.Div().Body(
				ga.Input().ID("client-secret").Type("password").Value(t.secret).AutoComplete(false).OnInput(t.onSecret),
				// Marked disabled rather than removed or disabled once used, so
				// nothing below it moves and the keyboard focus stays on it.
				ga.If(e != nil && e.DemoClient != nil && t.sh.clientID == e.DemoClient.ID, func() ga.UI {
					return ga.Button().ID("use-demo-secret").Type("button").Class("small").Aria("disabled", t.secret == e.DemoClient.Secret).
						Text("Use the demo client's secret").OnClick(t.onUseDemoSecret)
				}),
				ga.Label().Class("check").Body(
					ga.Input().ID("remember-secret").Type("checkbox").Checked(t.remember).OnChange(t.onRemember),
					ga.Text(" remember in this browser tab (sessionStorage, gone when the tab closes)"),
				),
			),
			ga.If(t.grant == flow.GrantAuthorizationCode, t.renderCodeFields),
			ga.If(t.grant == flow.GrantClientCredentials, func() ga.UI { return t.renderCredentialsFields(e) }),
		),
		findingList("token-findings", findings, "Ready to send."),
		sendButtons("exchange", "Send", "Send token request", "Sending…", t.busy || e == nil, func() []flow.Finding { return t.findings(time.Now()) }, t.exchange),
		ga.If(e != nil && e.Endpoints.Scenarios != "", func() ga.UI {
			return t.failure.render("token-failure", "token", func(ga.Context, ga.Event) { t.failure.arm(t.sh, "token", "", t.secret) })
		}),
		// The live region is there before the first answer, so that it is announced.
		ga.Div().ID("token-live").Attr("aria-live", "polite").Body(ga.If(t.result != nil, func() ga.UI { return t.renderResult(t.result) })),
	)
}

func (t *tokenTab) renderCodeFields() ga.UI {
	field := func(id, label, value string, onInput ga.EventHandler) ga.UI {
		return ga.Div().Class("pair").Body(
			ga.Label().For(id).Text(label),
			ga.Input().ID(id).Type("text").Value(value).Spellcheck(false).OnInput(onInput),
		)
	}
	return ga.Div().Class("pair").Body(
		field("code", "code", t.code, t.onCode),
		field("token-redirect-uri", "redirect_uri", t.redirectURI, t.onRedirect),
		field("code-verifier", "code_verifier (PKCE)", t.verifier, t.onVerifier),
	)
}

func (t *tokenTab) renderCredentialsFields(e *ngi.Environment) ga.UI {
	var services []ngi.Service
	if e != nil {
		services = e.Services
	}
	return ga.Div().Class("pair").Body(
		ga.Label().For("service").Text("Service preset"),
		ga.Select().ID("service").OnChange(t.onService).Body(
			ga.Option().Value("").Text("choose a service…"),
			ga.Range(services).Slice(func(i int) ga.UI {
				return ga.Option().Value(services[i].Audience).Selected(services[i].Audience == t.audience).Text(services[i].Name)
			}),
		),
		ga.Label().For("audience").Text("audience"),
		ga.Input().ID("audience").Type("text").Value(t.audience).Spellcheck(false).OnInput(t.onAudience),
		ga.Label().For("scope").Text("scope"),
		ga.Input().ID("scope").Type("text").Value(t.scope).Spellcheck(false).OnInput(t.onScope),
	)
}

func (t *tokenTab) renderResult(r *tokenResult) ga.UI {
	status := 0
	if r.relay.Response != nil {
		status = r.relay.Response.Status
	}
	errCode := ""
	if r.oauthErr != nil {
		errCode = r.oauthErr.Error
	}
	stale := t.stale()
	return ga.Section().ID("token-result").Class("result", r.outcome(), classIf("stale", stale)).
		DataSet("outcome", r.outcome()).DataSet("status", status).DataSet("error", errCode).DataSet("stale", stale).Body(
		ga.If(stale, func() ga.UI {
			return ga.P().ID("token-stale").Class("banner").Textf("This answer is for the previous request (%s, grant %s), not the one above.", r.env, r.grant)
		}),
		t.renderVerdict(r),
		ga.If(r.relay.Request != nil, func() ga.UI { return renderWire(t.sh, r.relay.Request, r.relay.Response, false) }),
		ga.H3().Body(ga.Text("Repeat it with curl"), t.sh.copyButton("copy-token-curl", "token-curl")),
		ga.Pre().ID("token-curl").Class("code").Text(r.curl),
	)
}

func (t *tokenTab) renderVerdict(r *tokenResult) ga.UI {
	switch r.outcome() {
	case "relay-error":
		msg := r.fetchErr
		kind := "unreachable"
		if r.relay.Error != nil {
			msg, kind = r.relay.Error.Message, r.relay.Error.Kind
		}
		heading := "No answer: the request did not get through"
		switch kind {
		case "rate_limited":
			heading = "Not sent: too many calls in a short time"
		case "bad_request", "forbidden", "bad_endpoint", "not_found":
			heading = "Not sent: the tool's server refused the request"
		}
		return ga.Div().Body(
			ga.H3().Class("verdict").Text(heading),
			ga.P().ID("token-relay-error").DataSet("kind", kind).Text(msg),
		)
	case "error":
		if r.oauthErr == nil {
			return ga.Div().Body(ga.H3().Class("verdict").Textf("Unexpected answer (HTTP %d)", r.relay.Response.Status), ga.P().ID("token-problem").Text(r.problem))
		}
		return ga.Div().Body(
			ga.H3().Class("verdict").Body(ga.Textf("Error (HTTP %d): ", r.relay.Response.Status), ga.Code().Text(r.oauthErr.Error)),
			oauthErrorDetails("token", *r.oauthErr, ""),
		)
	}
	tok := r.token
	expires := r.at.Add(time.Duration(tok.ExpiresIn) * time.Second)
	var scopeNote flow.Finding
	if r.grant == flow.GrantAuthorizationCode {
		scopeNote = flow.CompareScope(r.asked, tok.Scope)
	} else {
		scopeNote = flow.CompareScopeSets(r.asked, tok.Scope)
	}
	return ga.Div().Body(
		ga.H3().Class("verdict").Textf("Token issued (HTTP %d)", r.relay.Response.Status),
		ga.Table().Class("params").ID("token-fields").Body(ga.TBody().Body(
			ga.Tr().Body(ga.Th().Text("access_token"), ga.Td().Class("value").Body(ga.Code().ID("access-token").Text(tok.AccessToken), t.sh.copyButton("copy-access-token", "access-token"))),
			ga.Tr().Body(ga.Th().Text("token_type"), ga.Td().Text(tok.TokenType)),
			ga.Tr().Body(ga.Th().Text("expires_in"), ga.Td().ID("token-expiry").Textf("%d s: %s, at %s", tok.ExpiresIn, countdown(time.Until(expires)), expires.Format("15:04:05 MST (2006-01-02)"))),
			ga.Tr().Body(ga.Th().Text("scope"), ga.Td().Body(ga.Code().Text(tok.Scope), ga.Span().ID("token-scope-check").Class("hint", string(scopeNote.Level)).Text(" "+scopeNote.Message))),
			ga.If(tok.IDToken != "", func() ga.UI {
				return ga.Tr().Body(ga.Th().Text("id_token"), ga.Td().Body(
					ga.Code().Class("value").Textf("%.40s…", tok.IDToken), ga.Code().ID("id-token").Class("hidden-copy").Text(tok.IDToken),
					t.sh.copyButton("copy-id-token", "id-token"), ga.Text(" "),
					ga.A().ID("to-inspect").Href("/inspect").Text("Decode and verify it on the Inspect tab →"),
				))
			}),
			ga.If(tok.IDToken == "" && r.grant == flow.GrantAuthorizationCode, func() ga.UI {
				return ga.Tr().Body(ga.Th().Text("id_token"), ga.Td().ID("no-id-token").Class("hint").Text("None: the request did not ask for openid. Tick \"ID token (openid)\" on the Authorize tab to get one."))
			}),
			ga.If(tok.RefreshToken != "", func() ga.UI {
				return ga.Tr().Body(ga.Th().Text("refresh_token"), ga.Td().Class("value").Text(tok.RefreshToken))
			}),
		)),
		ga.Div().Class("row").Body(
			ga.Button().ID("revoke").Type("button").Text("Revoke the access token").OnClick(t.onRevoke),
			ga.Span().ID("revoke-result").Attr("aria-live", "polite").Text(t.revoked),
		),
	)
}

// countdown writes the time left to the second.
func countdown(d time.Duration) string {
	if d <= 0 {
		return "expired " + flow.Age(-d) + " ago"
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("expires in %d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// renderWire shows the exact request (its secrets masked by the relay) and
// the response, its tokens and id numbers hidden unless raw: what is copied
// from here goes into tickets (flow.RedactJSON).
func renderWire(sh *shared, req *flow.WireRequest, resp *flow.WireResponse, raw bool) ga.UI {
	headers := func(hs []flow.Header) string {
		out := ""
		for _, h := range hs {
			out += h.Name + ": " + h.Value + "\n"
		}
		return out
	}
	body := ""
	if resp != nil {
		body = resp.Body
		if !raw {
			body = flow.RedactJSON(body)
		}
	}
	return ga.Div().Class("wire").Body(
		ga.H3().Body(ga.Text("Request sent (secrets masked)"), sh.copyButton("copy-token-request", "token-request")),
		ga.Pre().ID("token-request").Class("code").Text(req.Method+" "+req.URL+"\n"+headers(req.Headers)+"\n"+req.Body),
		ga.If(resp != nil, func() ga.UI {
			return ga.Div().Body(
				ga.H3().Body(ga.Textf("Response: HTTP %d in %.0f ms", resp.Status, resp.ElapsedMS), sh.copyButton("copy-token-response", "token-response")),
				ga.Pre().ID("token-response").Class("code").Text(headers(resp.Headers)+"\n"+prettyJSON(body)),
			)
		}),
	)
}

func prettyJSON(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return s
	}
	return string(b)
}
