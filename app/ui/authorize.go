package ui

import (
	"strconv"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// authorizeState is the Authorize tab's form.
type authorizeState struct {
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
}

func (a *authorizeState) init() {
	a.purpose = ngi.ScopePresentation
	a.scope = a.purpose
	a.state = flow.RandomValue()
	a.pkce = flow.NewPKCE()
	a.responseMode = "query"
}

// rebuildScope writes the scope from the builder's parts.
func (a *authorizeState) rebuildScope() {
	a.scope = flow.BuildScope(a.purpose, a.days, a.openid)
	if a.openid && a.nonce == "" {
		a.nonce = flow.RandomValue()
	}
}

// setScope takes a scope as written (a deep link) and sets the builder from it
// where it can.
func (a *authorizeState) setScope(scope string) {
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

// request is the authorize request the form describes.
func (s *Shell) request() flow.AuthRequest {
	r := flow.AuthRequest{
		ClientID:     s.clientID,
		RedirectURI:  s.redirectURI(),
		Scope:        s.auth.scope,
		State:        s.auth.state,
		ResponseMode: s.auth.responseMode,
	}
	if e := s.env(); e != nil {
		r.Endpoint = e.Endpoints.Authorize
	}
	if flow.ParseScope(s.auth.scope).OpenID {
		r.Nonce = s.auth.nonce
	}
	if s.auth.usePKCE {
		r.CodeChallenge = s.auth.pkce.Challenge
	}
	return r
}

func (s *Shell) redirectURI() string {
	if s.auth.redirectSet {
		return s.auth.redirectURI
	}
	return s.origin + "/callback"
}

// recordPending keeps the request so that its callback can be checked, even
// in another tab: it goes to localStorage, without any secret.
func (s *Shell) recordPending(ctx ga.Context, how string) {
	r := s.request()
	p := flow.PendingRequest{
		Env: s.envID, ClientID: r.ClientID, RedirectURI: r.RedirectURI, Scope: r.Scope,
		State: r.State, Nonce: r.Nonce, ResponseMode: r.ResponseMode, Created: time.Now(),
	}
	if s.auth.usePKCE {
		p.Verifier = s.auth.pkce.Verifier
	}
	s.pending = flow.AddPending(s.pending, p, time.Now())
	ctx.LocalStorage().Set(pendingKey, s.pending)
	s.auth.recorded = how + ": the request with state " + r.State + " is recorded, so its callback can be checked."
}

func (s *Shell) renderAuthorize() ga.UI {
	a := &s.auth
	req := s.request()
	var findings []flow.Finding
	if e := s.env(); e != nil {
		findings = flow.CheckAuthorize(req, *e)
	}
	sc := flow.ParseScope(a.scope)
	return ga.Div().ID("authorize").Body(
		ga.H2().Text("Build an authorize URL"),
		ga.Div().Class("form").Body(
			ga.Label().For("purpose").Text("Purpose"),
			ga.Select().ID("purpose").OnChange(func(ctx ga.Context, e ga.Event) {
				a.purpose = ctx.JSSrc().Get("value").String()
				a.rebuildScope()
			}).Body(ga.Range(ngi.Purposes).Slice(func(i int) ga.UI {
				p := ngi.Purposes[i]
				return ga.Option().Value(p.Scope).Selected(p.Scope == a.purpose).Text(p.Label)
			})),
			ga.Label().For("days").Text("Duration in days (optional)"),
			ga.Div().Body(
				ga.Input().ID("days").Type("text").Attr("inputmode", "numeric").Value(a.days).
					Placeholder("empty: "+ngi.DefaultConsent).OnInput(func(ctx ga.Context, e ga.Event) {
					a.days = ctx.JSSrc().Get("value").String()
					a.rebuildScope()
				}),
				ga.If(sc.Granted > 0, func() ga.UI {
					return ga.Span().Class("hint").Textf(" NGI grants %d days (max %d).", sc.Granted, sc.Purpose.MaxDays)
				}),
			),
			ga.Label().For("openid").Text("ID token (openid)"),
			ga.Label().Class("check").Body(
				ga.Input().ID("openid").Type("checkbox").Checked(a.openid).OnChange(func(ctx ga.Context, e ga.Event) {
					a.openid = ctx.JSSrc().Get("checked").Bool()
					a.rebuildScope()
				}),
				ga.Text(" ask for an ID token (openid is always placed last)"),
			),
			ga.Label().For("authorize-scope").Text("scope"),
			ga.Input().ID("authorize-scope").Type("text").Value(a.scope).Spellcheck(false).OnInput(func(ctx ga.Context, e ga.Event) {
				a.setScope(ctx.JSSrc().Get("value").String())
			}),
			ga.Label().For("redirect-uri").Text("redirect_uri"),
			ga.Input().ID("redirect-uri").Type("url").Value(s.redirectURI()).Spellcheck(false).OnInput(func(ctx ga.Context, e ga.Event) {
				a.redirectURI, a.redirectSet = ctx.JSSrc().Get("value").String(), true
			}),
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
				ga.Input().ID("pkce").Type("checkbox").Checked(a.usePKCE).OnChange(func(ctx ga.Context, e ga.Event) {
					a.usePKCE = ctx.JSSrc().Get("checked").Bool()
					if a.usePKCE {
						a.pkce = flow.NewPKCE()
					}
				}),
				ga.Text(" send a code_challenge; the verifier is kept for the token step"),
			),
			ga.Label().For("response-mode").Text("response_mode"),
			ga.Select().ID("response-mode").OnChange(func(ctx ga.Context, e ga.Event) {
				a.responseMode = ctx.JSSrc().Get("value").String()
			}).Body(
				ga.Range([]string{"query", "fragment", "form_post"}).Slice(func(i int) ga.UI {
					m := []string{"query", "fragment", "form_post"}[i]
					return ga.Option().Value(m).Selected(m == a.responseMode).Text(m)
				}),
			),
		),
		ga.H3().Text("URL"),
		ga.Pre().ID("authorize-url").Class("url").Text(req.URL()),
		ga.Div().Class("row").Body(
			ga.Button().ID("authorize-copy").Type("button").Text("Copy").OnClick(func(ctx ga.Context, e ga.Event) {
				s.recordPending(ctx, "Copied")
				writeClipboard(ctx, s.request().URL(), func(ctx ga.Context, problem string) {
					if problem != "" {
						s.auth.recorded = "Recorded, but not copied (" + problem + "): select the URL above and copy it by hand."
					}
				})
			}),
			ga.Button().ID("authorize-open").Type("button").Class("primary").Text("Open").OnClick(func(ctx ga.Context, e ga.Event) {
				s.recordPending(ctx, "Opened")
				ga.Window().Get("location").Set("href", s.request().URL())
			}),
		),
		ga.If(a.recorded != "", func() ga.UI { return ga.P().ID("authorize-recorded").Class("hint").Text(a.recorded) }),
		ga.H3().Text("Findings"),
		findingList("authorize-findings", findings, "No problems found: the request follows NGI's rules."),
		ga.H3().Text("Parameters"),
		paramTable("authorize-params", req.Params(), explainAuthorizeParam),
	)
}

// randomField is an editable random value with a button for a fresh one.
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

func explainAuthorizeParam(name string) string {
	switch name {
	case "client_id":
		return "The id NGI issued to the client."
	case "response_type":
		return "Always code: the authorization code flow."
	case "scope":
		return "One debt scope (optionally .days), then openid for an ID token."
	case "redirect_uri":
		return "Where NGI sends the browser back; must be registered, character for character."
	case "state":
		return "A fresh random value; the callback must carry it back unchanged."
	case "nonce":
		return "Echoed inside the ID token; guards against replayed ID tokens."
	case "code_challenge", "code_challenge_method":
		return "PKCE: proves the token request comes from whoever started the flow."
	case "response_mode":
		return "Where the callback parameters go: the query (?) or the fragment (#)."
	}
	return ""
}
