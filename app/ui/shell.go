package ui

import (
	"encoding/json"
	"net/url"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// Shell is the whole page: the nav and the current tab. All tabs share it,
// so a value typed on one tab is still there on the next.
type Shell struct {
	ga.Compo

	tab     string
	mounted bool
	updated bool   // a new build is installed; a reload shows it
	origin  string // the page's own origin, for the default redirect_uri

	envs    []ngi.Environment
	envsErr string
	envID   string
	// clientID is chosen once for the page; Authorize and Token both edit it.
	clientID string

	auth     authorizeState
	callback callbackState
	token    tokenState
	inspect  inspectState
	disco    discoveryState

	pending []flow.PendingRequest
	copied  map[string]string // what a copy button says for a moment after a click
}

// pendingKey is the localStorage key of the pending requests (never a secret).
const pendingKey = "authdebug.pending"

// OnInit sets the defaults that do not depend on the browser.
func (s *Shell) OnInit() {
	s.auth.init()
	s.token.grant = flow.GrantAuthorizationCode
}

// OnMount loads what only the browser has: the environments from the server,
// the pending requests from localStorage, the remembered secret.
func (s *Shell) OnMount(ctx ga.Context) {
	s.mounted = true
	ctx.LocalStorage().Get(pendingKey, &s.pending)
	ctx.SessionStorage().Get(secretKey, &s.token.secret)
	s.token.remember = s.token.secret != ""
	fetchAPI(ctx, "GET", "/api/environments", nil, s.onEnvironments)
	ctx.Async(func() { s.tick(ctx) })
}

// tick re-renders once a second while a tab shows a countdown or a relative
// time (token expiry, exp and iat), so they stay true.
func (s *Shell) tick(ctx ga.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for range t.C {
		ctx.Dispatch(func(ctx ga.Context) {
			live := (s.tab == TabToken && s.token.result != nil) || (s.tab == TabInspect && s.inspect.input != "")
			if !live {
				ctx.PreventUpdate()
			}
		})
	}
}

// OnNav picks the tab from the path and reads what the URL carries: a deep
// link on the Authorize tab, the callback on /callback.
func (s *Shell) OnNav(ctx ga.Context) {
	u := ctx.Page().URL()
	if s.origin == "" && u.Host != "" {
		s.origin = u.Scheme + "://" + u.Host
	}
	s.tab = TabAuthorize
	for _, t := range tabs {
		if t.Path == u.Path {
			s.tab = t.ID
		}
	}
	switch s.tab {
	case TabAuthorize:
		s.applyDeepLink(u.Query())
	case TabCallback:
		if u.RawQuery != "" || u.Fragment != "" {
			s.readCallback(u.String(), time.Now())
		}
	}
	s.loadForTab(ctx)
	ctx.Page().SetTitle("authdebug · " + s.tabLabel())
}

// OnAppUpdate learns that the service worker installed a new build.
func (s *Shell) OnAppUpdate(ctx ga.Context) {
	s.updated = ctx.AppUpdateAvailable()
}

func (s *Shell) onEnvironments(ctx ga.Context, r fetchResult) {
	if r.Err != "" || r.Status != 200 {
		s.envsErr = "Could not load the environments from the server: " + firstNonEmpty(r.Err, r.Body)
		return
	}
	var envs []ngi.Environment
	if err := json.Unmarshal([]byte(r.Body), &envs); err != nil || len(envs) == 0 {
		s.envsErr = "The server offers no environments."
		return
	}
	s.envs = envs
	if s.env() == nil {
		s.envID = envs[0].ID
	}
	s.fillDemoClient("")
	s.token.applyEnvDefaults(s.env())
	s.loadForTab(ctx)
}

// loadForTab fetches what the current tab shows from the server: the
// environment's keys on Inspect, its metadata on Discovery.
func (s *Shell) loadForTab(ctx ga.Context) {
	switch s.tab {
	case TabInspect:
		s.ensureKeys(ctx)
	case TabDiscovery:
		s.ensureKeys(ctx)
		if s.disco.envID != s.envID {
			s.loadDiscovery(ctx)
		}
	}
}

// env returns the chosen environment, or nil before the list is loaded.
func (s *Shell) env() *ngi.Environment {
	for i := range s.envs {
		if s.envs[i].ID == s.envID {
			return &s.envs[i]
		}
	}
	return nil
}

// selectEnv switches the page's environment, on any tab.
func (s *Shell) selectEnv(id string) {
	before := s.env()
	s.envID = id
	prevDemo := ""
	if before != nil && before.DemoClient != nil {
		prevDemo = before.DemoClient.ID
	}
	s.fillDemoClient(prevDemo)
	s.token.applyEnvDefaults(s.env())
}

// fillDemoClient pre-fills the sandbox's demo client when no client id was
// given, or when the id is the demo client of the environment left behind.
func (s *Shell) fillDemoClient(previousDemo string) {
	e := s.env()
	switch {
	case e != nil && e.DemoClient != nil && (s.clientID == "" || s.clientID == previousDemo):
		s.clientID = e.DemoClient.ID
	case previousDemo != "" && s.clientID == previousDemo:
		s.clientID = ""
	}
}

func (s *Shell) tabLabel() string {
	for _, t := range tabs {
		if t.ID == s.tab {
			return t.Label
		}
	}
	return ""
}

// Render draws the header, the shared environment bar, the nav and the tab.
func (s *Shell) Render() ga.UI {
	ready := s.mounted && len(s.envs) > 0
	return ga.Div().ID("app").Class("shell").DataSet("ready", ready).DataSet("tab", s.tab).Body(
		ga.Header().Class("top").Body(
			ga.A().Href("/").Class("brand").Body(
				ga.Img().Src("/web/icon.svg").Alt(""),
				ga.Span().Text("authdebug"),
			),
			ga.Span().Class("tagline").Text("OAuth 2.0 debugger for Norsk Gjeldsinformasjon"),
		),
		ga.Nav().Class("tabs").Body(
			ga.Range(tabs).Slice(func(i int) ga.UI {
				t := tabs[i]
				return ga.A().ID("nav-" + t.ID).Href(t.Path).Class(classIf("active", t.ID == s.tab)).Text(t.Label)
			}),
		),
		ga.If(s.updated, func() ga.UI {
			return ga.Div().ID("update").Class("banner").Body(
				ga.Text("A new version of authdebug is installed. "),
				ga.Button().ID("update-reload").Type("button").Text("Reload to use it").OnClick(func(ctx ga.Context, e ga.Event) { ctx.Reload() }),
			)
		}),
		s.renderEnvBar(),
		ga.Main().Class("tab").Body(s.renderTab()),
		ga.Footer().Body(
			ga.Text("Nothing secret leaves this browser except through this tool's own server, and only to the chosen environment. "),
			ga.If(!s.mounted, func() ga.UI { return ga.Span().ID("loading").Text("Loading the page…") }),
		),
	)
}

func (s *Shell) renderTab() ga.UI {
	switch s.tab {
	case TabCallback:
		return s.renderCallback()
	case TabToken:
		return s.renderToken()
	case TabInspect:
		return s.renderInspect()
	case TabDiscovery:
		return s.renderDiscovery()
	default:
		return s.renderAuthorize()
	}
}

// renderEnvBar is the environment and client id, chosen once for the page.
func (s *Shell) renderEnvBar() ga.UI {
	e := s.env()
	return ga.Section().Class("envbar").Body(
		ga.Label().For("env").Text("Environment"),
		ga.Select().ID("env").Disabled(len(s.envs) == 0).OnChange(func(ctx ga.Context, ev ga.Event) {
			s.selectEnv(ctx.JSSrc().Get("value").String())
			s.loadForTab(ctx)
		}).Body(
			ga.If(len(s.envs) == 0, func() ga.UI { return ga.Option().Text("loading…") }),
			ga.Range(s.envs).Slice(func(i int) ga.UI {
				env := s.envs[i]
				label := env.Label
				if env.Production {
					label += " — PRODUCTION"
				}
				return ga.Option().Value(env.ID).Selected(env.ID == s.envID).Text(label)
			}),
		),
		ga.If(e != nil && e.Production, func() ga.UI {
			return ga.Span().ID("env-production").Class("badge", "prod").Text("production: real people, real consents")
		}),
		ga.Label().For("client-id").Text("Client id"),
		ga.Input().ID("client-id").Type("text").Value(s.clientID).Placeholder("the id NGI issued").
			AutoComplete(false).Spellcheck(false).OnInput(func(ctx ga.Context, ev ga.Event) {
			s.clientID = ctx.JSSrc().Get("value").String()
		}),
		ga.If(e != nil && e.DemoClient != nil, func() ga.UI {
			return ga.P().ID("demo-client").Class("hint").Body(
				ga.Text("Sandbox demo client: id "), ga.Code().Text(e.DemoClient.ID),
				ga.Text(", secret "), ga.Code().ID("demo-secret").Text(e.DemoClient.Secret),
				ga.Text(" (type the secret on the Token tab)."),
			)
		}),
		ga.If(s.envsErr != "", func() ga.UI { return ga.P().Class("error").Text(s.envsErr) }),
	)
}

// applyDeepLink pre-fills the Authorize tab from /?env=&client_id=&scope=&redirect_uri=.
func (s *Shell) applyDeepLink(q url.Values) {
	if v := q.Get("env"); v != "" {
		s.envID = v
	}
	if v := q.Get("client_id"); v != "" {
		s.clientID = v
	}
	if v := q.Get("scope"); v != "" {
		s.auth.setScope(v)
	}
	if v := q.Get("redirect_uri"); v != "" {
		s.auth.redirectURI, s.auth.redirectSet = v, true
	}
	if v := q.Get("response_mode"); v != "" {
		s.auth.responseMode = v
	}
}

func classIf(class string, on bool) string {
	if on {
		return class
	}
	return ""
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
