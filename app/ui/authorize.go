package ui

import (
	"net/url"
	"strconv"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/record"
)

// authorizeTab builds an authorize URL and records the request it sends.
type authorizeTab struct {
	sh *shared

	purpose      string
	days         string
	openid       bool
	scope        string // the scope parameter; the builder writes it, the person may edit it
	redirectURI  string
	redirectSet  bool // false: this tool's own /callback on the current origin
	state        string
	nonce        string
	usePKCE      bool
	pkce         flow.PKCE
	responseMode string
	recorded     string // what the last Copy or Open recorded
	pasted       string // an authorize URL the person's own app sends

	preflight     *preflightAnswer // the server's answer to "Check with the server"
	preflightBusy bool
}

func (a *authorizeTab) setUp(s *Shell) {
	a.sh = &s.sh
	a.purpose = ngi.ScopePresentation
	a.scope = a.purpose
	a.state = flow.RandomValue()
	a.pkce = flow.NewPKCE()
	a.responseMode = "query"
}

// open reads a deep link: the request's parameters in the page's query.
func (a *authorizeTab) open(u *url.URL, now time.Time) { a.applyDeepLink(u.Query()) }

func (a *authorizeTab) arrive() {}

func (a *authorizeTab) fields() map[string]string {
	return map[string]string{"authorize-scope": a.scope, "redirect-uri": a.redirect(), "state": a.state, "nonce": a.nonce,
		"days": a.days, "authorize-paste": a.pasted}
}

// rebuildScope writes the scope from the builder's parts.
func (a *authorizeTab) rebuildScope() {
	a.scope = flow.BuildScope(a.purpose, a.days, a.openid)
	if a.openid && a.nonce == "" {
		a.nonce = flow.RandomValue()
	}
}

// setScope takes a scope as written (a deep link) and sets the builder from it
// where it can.
func (a *authorizeTab) setScope(scope string) {
	a.scope = scope
	sc := flow.ParseScope(scope)
	if sc.Purpose.Scope != "" {
		a.purpose = sc.Purpose.Scope
	}
	a.openid = sc.OpenID
	a.days = ""
	if sc.Days > 0 {
		a.days = strconv.Itoa(sc.Days)
	}
	if a.openid && a.nonce == "" {
		a.nonce = flow.RandomValue()
	}
}

// applyDeepLink pre-fills the form from /?env=&client_id=&scope=&redirect_uri=&response_mode=.
func (a *authorizeTab) applyDeepLink(q url.Values) {
	if v := q.Get("env"); v != "" {
		a.sh.envID = v
	}
	if v := q.Get("client_id"); v != "" {
		a.sh.clientID = v
	}
	if v := q.Get("scope"); v != "" {
		a.setScope(v)
	}
	if v := q.Get("redirect_uri"); v != "" {
		a.redirectURI, a.redirectSet = v, true
	}
	if v := q.Get("response_mode"); v != "" {
		a.responseMode = v
	}
}

// request is the authorize request the form describes.
func (a *authorizeTab) request() flow.AuthRequest {
	r := flow.AuthRequest{
		ClientID:     a.sh.clientID,
		RedirectURI:  a.redirect(),
		Scope:        a.scope,
		State:        a.state,
		ResponseMode: a.responseMode,
	}
	if e := a.sh.env(); e != nil {
		r.Endpoint = e.Endpoints.Authorize
	}
	if flow.ParseScope(a.scope).OpenID {
		r.Nonce = a.nonce
	}
	if a.usePKCE {
		r.CodeChallenge = a.pkce.Challenge
	}
	return r
}

// redirect is the redirect_uri typed, or this tool's own /callback.
func (a *authorizeTab) redirect() string {
	if a.redirectSet {
		return a.redirectURI
	}
	return a.sh.origin + "/callback"
}

// shareLink reproduces the form: environment, client, scope, redirect_uri
// and response_mode, never state, nonce or verifier.
func (a *authorizeTab) shareLink() string {
	q := url.Values{"env": {a.sh.envID}, "client_id": {a.sh.clientID}, "scope": {a.scope}}
	if a.redirectSet {
		q.Set("redirect_uri", a.redirectURI)
	}
	if a.responseMode != "" && a.responseMode != ngi.ResponseModeQuery {
		q.Set("response_mode", a.responseMode)
	}
	return a.sh.origin + "/?" + q.Encode()
}

// record keeps the request as pending so that its callback can be checked.
func (a *authorizeTab) record(how string, now time.Time) {
	r := a.request()
	p := flow.PendingRequest{
		Env: a.sh.envID, ClientID: r.ClientID, RedirectURI: r.RedirectURI, Scope: r.Scope,
		State: r.State, Nonce: r.Nonce, ResponseMode: r.ResponseMode, Created: now,
	}
	if a.usePKCE {
		p.Verifier = a.pkce.Verifier
	}
	a.sh.recordPending(p, now)
	a.recorded = how + ": the request with state " + r.State + " is recorded, so its callback can be checked."
	a.sh.startRun(now)
	var findings []flow.Finding
	if e := a.sh.env(); e != nil {
		findings = flow.CheckAuthorize(r, *e)
	}
	a.sh.addStep(authorizeStep(r, record.LaneBrowser, findings, now))
}

// pastedReading reads the pasted URL: the request, its parameters, its
// findings (NGI's rules included), and the environment it goes to.
func (a *authorizeTab) pastedReading() (flow.AuthRequest, []flow.Param, []flow.Finding, *ngi.Environment, bool) {
	r, params, fs, ok := flow.ReadAuthorizeURL(a.pasted)
	if !ok {
		return r, nil, fs, nil, false
	}
	env := a.sh.env()
	for i := range a.sh.envs {
		if a.sh.envs[i].Endpoints.Authorize == r.Endpoint {
			env = &a.sh.envs[i]
		}
	}
	if env != nil {
		if env.Endpoints.Authorize != r.Endpoint {
			fs = append(fs, flow.Finding{Level: flow.LevelWarning, Field: "url", Message: "This URL goes to " + r.Endpoint + ", which is no configured environment's authorize endpoint; it is checked against " + env.Label + "."})
		}
		fs = append(fs, flow.CheckAuthorize(r, *env)...)
	}
	return r, params, fs, env, true
}

// recordPasted keeps the pasted request as pending, so that the callback
// the person's app receives can be checked against it.
func (a *authorizeTab) recordPasted(now time.Time) {
	r, _, _, env, ok := a.pastedReading()
	if !ok || env == nil {
		return
	}
	a.sh.recordPending(flow.PendingRequest{Env: env.ID, ClientID: r.ClientID, RedirectURI: r.RedirectURI, Scope: r.Scope,
		State: r.State, Nonce: r.Nonce, ResponseMode: r.ResponseMode, Created: now}, now)
	a.sh.startRun(now)
	a.sh.addStep(authorizeStep(r, record.LaneApp, flow.CheckAuthorize(r, *env), now))
	a.recorded = "Recorded your app's request with state " + r.State + ": read its callback on the Callback tab."
	if r.CodeChallenge != "" {
		a.recorded += " It sends a PKCE challenge: type its code_verifier on the Token tab, the tool cannot know it."
	}
}

func (a *authorizeTab) onPaste(ctx ga.Context, e ga.Event) {
	a.pasted = ctx.JSSrc().Get("value").String()
}
func (a *authorizeTab) onRecordPasted(ctx ga.Context, e ga.Event) { a.recordPasted(time.Now()) }

// renderPasted reads the authorize URL the person's own app sends.
func (a *authorizeTab) renderPasted() ga.UI {
	r, params, fs, env, ok := a.pastedReading()
	return ga.Section().ID("authorize-pasted").Body(
		ga.H3().Text("What does my app send?"),
		ga.Label().For("authorize-paste").Class("hint").Text("Paste the authorize URL your own app sends the browser to: it is read and checked like a built one."),
		ga.Textarea().ID("authorize-paste").Rows(3).Spellcheck(false).Attr("value", a.pasted).
			Placeholder("https://access-preprod.norskgjeld.no/oauth2/auth?client_id=...").OnInput(a.onPaste),
		ga.If(a.pasted != "", func() ga.UI {
			return ga.Div().ID("authorize-paste-result").DataSet("ok", ok).Body(
				findingList("authorize-paste-findings", fs, "No problems found: the request follows NGI's rules."),
				ga.If(ok, func() ga.UI {
					return ga.Div().Body(
						paramTable("authorize-paste-params", params, ngi.ExplainAuthorizeParam),
						ga.Button().ID("authorize-paste-record").Type("button").Disabled(env == nil || r.State == "").
							Text("Record it, to check its callback").OnClick(a.onRecordPasted),
					)
				}),
			)
		}),
	)
}

func (a *authorizeTab) onPurpose(ctx ga.Context, e ga.Event) {
	a.purpose = ctx.JSSrc().Get("value").String()
	a.rebuildScope()
}

func (a *authorizeTab) onDays(ctx ga.Context, e ga.Event) {
	a.days = ctx.JSSrc().Get("value").String()
	a.rebuildScope()
}

func (a *authorizeTab) onOpenID(ctx ga.Context, e ga.Event) {
	a.openid = ctx.JSSrc().Get("checked").Bool()
	a.rebuildScope()
}

func (a *authorizeTab) onScope(ctx ga.Context, e ga.Event) {
	a.setScope(ctx.JSSrc().Get("value").String())
}

func (a *authorizeTab) onRedirect(ctx ga.Context, e ga.Event) {
	a.redirectURI, a.redirectSet = ctx.JSSrc().Get("value").String(), true
}

func (a *authorizeTab) onPKCE(ctx ga.Context, e ga.Event) {
	a.usePKCE = ctx.JSSrc().Get("checked").Bool()
	if a.usePKCE {
		a.pkce = flow.NewPKCE()
	}
}

func (a *authorizeTab) onResponseMode(ctx ga.Context, e ga.Event) {
	a.responseMode = ctx.JSSrc().Get("value").String()
}

func (a *authorizeTab) onCopy(ctx ga.Context, e ga.Event) {
	a.record("Copied", time.Now())
	a.sh.clipboard(a.request().URL(), func(problem string) {
		if problem != "" {
			a.recorded = "Recorded, but not copied (" + problem + "): select the URL above and copy it by hand."
		}
	})
}

func (a *authorizeTab) onOpen(ctx ga.Context, e ga.Event) {
	a.record("Opened", time.Now())
	ga.Window().Get("location").Set("href", a.request().URL())
}

func (a *authorizeTab) render() ga.UI {
	req := a.request()
	var findings []flow.Finding
	if e := a.sh.env(); e != nil {
		findings = flow.CheckAuthorize(req, *e)
	}
	sc := flow.ParseScope(a.scope)
	return ga.Div().ID("authorize").Body(
		ga.H2().Text("Build an authorize URL"),
		ga.Div().Class("form").Body(
			ga.Label().For("purpose").Text("Purpose"),
			ga.Select().ID("purpose").OnChange(a.onPurpose).Body(ga.Range(ngi.Purposes).Slice(func(i int) ga.UI {
				p := ngi.Purposes[i]
				return ga.Option().Value(p.Scope).Selected(p.Scope == a.purpose).Text(p.Label)
			})),
			ga.Label().For("days").Text("Duration in days (optional)"),
			ga.Div().Body(
				ga.Input().ID("days").Type("text").Attr("inputmode", "numeric").Value(a.days).
					Placeholder("empty: "+ngi.DefaultConsent).OnInput(a.onDays),
				ga.If(sc.Granted > 0, func() ga.UI {
					return ga.Span().Class("hint").Textf(" NGI grants %d days (max %d).", sc.Granted, sc.Purpose.MaxDays)
				}),
			),
			ga.Label().For("openid").Text("ID token (openid)"),
			ga.Label().Class("check").Body(
				ga.Input().ID("openid").Type("checkbox").Checked(a.openid).OnChange(a.onOpenID),
				ga.Text(" ask for an ID token (openid is always placed last)"),
			),
			ga.Label().For("authorize-scope").Text("scope"),
			ga.Input().ID("authorize-scope").Type("text").Value(a.scope).Spellcheck(false).OnInput(a.onScope),
			ga.Label().For("redirect-uri").Text("redirect_uri"),
			ga.Input().ID("redirect-uri").Type("url").Value(a.redirect()).Spellcheck(false).OnInput(a.onRedirect),
			ga.Label().For("state").Text("state"),
			randomField("state", "New state", &a.state),
			ga.If(sc.OpenID, func() ga.UI {
				return ga.Div().Class("pair").Body(
					ga.Label().For("nonce").Text("nonce"),
					randomField("nonce", "New nonce", &a.nonce),
				)
			}),
			ga.Label().For("pkce").Text("PKCE (S256)"),
			ga.Label().Class("check").Body(
				ga.Input().ID("pkce").Type("checkbox").Checked(a.usePKCE).OnChange(a.onPKCE),
				ga.Text(" send a code_challenge; the verifier is kept for the token step"),
			),
			ga.Label().For("response-mode").Text("response_mode"),
			ga.Select().ID("response-mode").OnChange(a.onResponseMode).Body(
				ga.Range(ngi.ResponseModes).Slice(func(i int) ga.UI {
					m := ngi.ResponseModes[i]
					return ga.Option().Value(m).Selected(m == a.responseMode).Text(m)
				}),
			),
		),
		ga.H3().Text("URL"),
		ga.Pre().ID("authorize-url").Class("url").Text(req.URL()),
		ga.Div().Class("row").Body(
			ga.Button().ID("authorize-copy").Type("button").Text("Copy").OnClick(a.onCopy),
			ga.Button().ID("authorize-open").Type("button").Class("primary").Text("Open").OnClick(a.onOpen),
			ga.Button().ID("preflight").Type("button").Disabled(a.preflightBusy).Text(map[bool]string{true: "Asking…", false: "Check with the server"}[a.preflightBusy]).OnClick(a.onPreflight),
		),
		a.renderPreflight(),
		ga.If(a.recorded != "", func() ga.UI { return ga.P().ID("authorize-recorded").Class("hint").Text(a.recorded) }),
		ga.Div().Class("share").Body(
			ga.Label().For("authorize-share").Text("Link to this form "),
			ga.Input().ID("authorize-share").Type("text").ReadOnly(true).Value(a.shareLink()),
			a.sh.copyButton("copy-authorize-share", "authorize-share"),
		),
		ga.H3().Text("Findings"),
		findingList("authorize-findings", findings, "No problems found: the request follows NGI's rules."),
		ga.H3().Text("Parameters"),
		paramTable("authorize-params", req.Params(), ngi.ExplainAuthorizeParam),
		a.renderPasted(),
	)
}

// randomField is an editable random value with a button for a fresh one.
// Its handlers hold a pointer into the tab, which lives as long as the page.
func randomField(id, button string, v *string) ga.UI {
	return ga.Div().Class("row").Body(
		ga.Input().ID(id).Type("text").Value(*v).Spellcheck(false).OnInput(func(ctx ga.Context, e ga.Event) {
			*v = ctx.JSSrc().Get("value").String()
		}),
		ga.Button().ID(id+"-regenerate").Type("button").Text(button).OnClick(func(ctx ga.Context, e ga.Event) {
			*v = flow.RandomValue()
		}),
	)
}

func (a *authorizeTab) onPreflight(ctx ga.Context, e ga.Event) {
	a.preflightBusy, a.preflight = true, nil
	a.sh.preflight(a.request(), func(p *preflightAnswer) { a.preflightBusy, a.preflight = false, p })
}

func (a *authorizeTab) renderPreflight() ga.UI {
	p := a.preflight
	return ga.Div().Body(
		// The live region is there before the first answer, so that it is announced.
		ga.Div().ID("preflight-live").Attr("aria-live", "polite").Body(ga.If(p != nil, func() ga.UI {
			code := ""
			if p.result != nil {
				code = p.result.Error
			}
			return ga.P().ID("preflight-result").Class("check", map[string]string{flow.PreflightAccepted: "match", flow.PreflightRefused: "mismatch", flow.PreflightUnclear: "unknown"}[p.verdict()]).
				DataSet("verdict", p.verdict()).DataSet("registered", string(p.registered())).DataSet("error", code).Text(p.sentence())
		})),
		ga.P().Class("hint").Text("Check with the server sends this request to the environment without following its answer: a login starts at NGI that nobody finishes. It expires by itself; nothing is created for any person."),
	)
}

// authorizeStep is an authorize request on the run: the browser (or the
// person's app) sends it to the authorization server.
func authorizeStep(r flow.AuthRequest, from string, findings []flow.Finding, now time.Time) record.Step {
	verdict := "follows NGI's rules"
	if flow.HasErrors(findings) {
		verdict = "breaks NGI's rules"
	}
	return record.Step{Kind: record.KindAuthorize, At: now, From: from, To: record.LaneAuth, Method: "GET", URL: record.URL(r.URL()),
		Verdict: verdict, Failed: flow.HasErrors(findings), Findings: findings}
}
