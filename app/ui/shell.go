package ui

import (
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// Shell is the page: the header, the environment bar, the nav and the
// current tab. Each tab is a type of its own holding its state and its
// handlers; the shell keeps them all, and what they share, so a value typed
// on one tab is still there on the next.
type Shell struct {
	ga.Compo

	tab     string
	updated bool // a new build is installed; a reload shows it
	shown   bool // a tab was shown: later navigations move the focus

	sh shared
	// Each tab's state: a field here, and its line in tabs (routes.go).
	authorize authorizeTab
	callback  callbackTab
	token     tokenTab
	inspect   inspectTab
	discovery discoveryTab
	call      callTab
	timeline  timelineTab
}

// OnInit hands each tab the shared state and sets the defaults that do not
// depend on the browser.
func (s *Shell) OnInit() {
	for _, t := range tabs {
		t.page(s).setUp(s)
	}
	s.sh.landed = s.arrive
}

// page is the current tab.
func (s *Shell) page() tabPage {
	for _, t := range tabs {
		if t.ID == s.tab {
			return t.page(s)
		}
	}
	return &s.authorize
}

// OnMount keeps the shell's context for asynchronous work and loads what
// only the browser has: the environments from the server, the pending
// requests from localStorage, the remembered secret.
func (s *Shell) OnMount(ctx ga.Context) {
	ga.Window().Get("performance").Call("mark", "app-mounted") // read by make bench
	s.sh.root, s.sh.mounted = ctx, true
	s.sh.loadPending(ctx)
	s.sh.loadRun(ctx)
	ctx.LocalStorage().Get(registeredKey, &s.callback.registered)
	ctx.LocalStorage().Get(historyKey, &s.sh.history)
	ctx.SessionStorage().Get(secretKey, &s.token.secret)
	s.token.remember = s.token.secret != ""
	// The configuration that came with the page makes it ready now; the
	// server's answers below bring what depends on who asks.
	if el := ga.Window().GetElementByID("authdebug-config"); el.Truthy() {
		var cfg PageConfig
		if json.Unmarshal([]byte(el.Get("textContent").String()), &cfg) == nil && len(cfg.Environments) > 0 {
			s.sh.publicOrigin, s.sh.version, s.sh.signOut = cfg.PublicOrigin, cfg.Version, cfg.SignOut
			s.useEnvironments(cfg.Environments)
		}
	}
	s.sh.fetch("GET", "/api/environments", nil, s.onEnvironments)
	s.sh.fetch("GET", "/api/site", nil, func(r fetchResult) {
		var site struct {
			PublicOrigin string `json:"public_origin"`
			User         string `json:"user"`
			SignOut      string `json:"sign_out"`
			SandboxStore string `json:"sandbox_store"`
			Version      string `json:"version"`
		}
		if r.Status == 200 && json.Unmarshal([]byte(r.Body), &site) == nil {
			s.sh.publicOrigin, s.sh.user, s.sh.signOut = site.PublicOrigin, site.User, site.SignOut
			s.sh.sandboxDown, s.sh.version = site.SandboxStore == "down", site.Version
			if s.sh.run != nil && s.sh.run.Tool == "" {
				s.sh.run.Tool = site.Version
			}
		}
	})
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

// OnNav picks the tab from the path. On the server the URL carries no query
// (the server renders no request value); in the browser it is the address
// bar's: a deep link on the Authorize tab, the callback on /callback.
//
// Moving to another tab inside the page moves the keyboard focus to its
// heading, as a page load would put a screen reader at the top of the new
// content, rather than leaving it on the link that is gone.
func (s *Shell) OnNav(ctx ga.Context) {
	from := s.tab
	s.navigate(ctx.Page().URL().String(), time.Now())
	ctx.Page().SetTitle("authdebug · " + s.tabLabel())
	if s.shown && s.sh.mounted && from != s.tab {
		ctx.Defer(func(ga.Context) {
			if h := ga.Window().Get("document").Call("querySelector", "#tab h2"); h.Truthy() {
				h.Call("setAttribute", "tabindex", "-1")
				h.Call("focus")
			}
		})
	}
	s.shown = true
}

// navigate shows the tab of a URL and reads what the URL carries for it.
func (s *Shell) navigate(raw string, now time.Time) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	if s.sh.origin == "" && u.Host != "" {
		s.sh.origin = u.Scheme + "://" + u.Host
	}
	s.tab = TabAuthorize
	for _, t := range tabs {
		if t.Path == u.Path {
			s.tab = t.ID
		}
	}
	s.page().open(u, now)
	s.arrive()
}

// arrive lets the current tab take what another tab left for it and fetch
// what it shows from the server.
func (s *Shell) arrive() { s.page().arrive() }

// OnAppUpdate learns that the service worker installed a new build.
func (s *Shell) OnAppUpdate(ctx ga.Context) {
	s.updated = ctx.AppUpdateAvailable()
}

func (s *Shell) onEnvironments(r fetchResult) {
	if r.Err != "" || r.Status != 200 {
		s.sh.envsErr = "Could not load the environments from the server: " + firstNonEmpty(r.Err, r.Body)
		return
	}
	var envs []ngi.Environment
	if err := json.Unmarshal([]byte(r.Body), &envs); err != nil || len(envs) == 0 {
		s.sh.envsErr = "The server offers no environments."
		return
	}
	s.useEnvironments(envs)
}

// useEnvironments takes a list of environments, from the page's own
// configuration or the server's answer.
func (s *Shell) useEnvironments(envs []ngi.Environment) {
	first := len(s.sh.envs) == 0
	s.sh.setEnvironments(envs)
	s.token.applyEnvDefaults(s.sh.env())
	s.arrive()
	if first {
		// make bench reads this mark: the page rendered with its environments.
		s.sh.root.Defer(func(ga.Context) { ga.Window().Get("performance").Call("mark", "app-ready") })
	}
}

// selectEnv switches the page's environment, on any tab.
func (s *Shell) selectEnv(id string) {
	s.sh.selectEnv(id)
	s.token.applyEnvDefaults(s.sh.env())
	s.arrive()
}

func (s *Shell) onEnv(ctx ga.Context, e ga.Event) { s.selectEnv(ctx.JSSrc().Get("value").String()) }
func (s *Shell) onClientID(ctx ga.Context, e ga.Event) {
	s.sh.clientID = ctx.JSSrc().Get("value").String()
}
func (s *Shell) onReload(ctx ga.Context, e ga.Event) { ctx.Reload() }

func (s *Shell) tabLabel() string {
	for _, t := range tabs {
		if t.ID == s.tab {
			return t.Label
		}
	}
	return ""
}

// syncFields writes the state into the page's text fields after a render.
// go-app cannot empty a field (it removes an empty value attribute, which
// leaves what the field shows), so without this a field the page cleared,
// such as the client id on a switch of environment, would show one value
// while the request sends another.
func (s *Shell) syncFields() {
	fields := s.page().fields()
	fields["client-id"] = s.sh.clientID
	for id, v := range fields {
		if el := ga.Window().GetElementByID(id); el.Truthy() && el.Get("value").String() != v {
			el.Set("value", v)
		}
	}
}

// Render draws the header, the shared environment bar, the nav and the tab.
func (s *Shell) Render() ga.UI {
	if s.sh.mounted {
		s.sh.root.Defer(func(ga.Context) { s.syncFields() })
	}
	ready := s.sh.mounted && len(s.sh.envs) > 0
	root := ga.Div().ID("app").Class("shell").DataSet("ready", ready).DataSet("tab", s.tab)
	if ga.IsServer {
		// The server's page shows while app.wasm loads; nothing on it works
		// until the wasm replaces it, so it takes no focus, click or typing.
		root = root.Attr("inert", true)
	}
	return root.Body(
		ga.A().Class("skip").Href("#tab").Text("Skip to the tab"),
		ga.Header().Class("top").Body(
			ga.H1().Class("brand").Body(ga.A().Href("/").Body(
				// Decorative: go-app drops an empty alt, so the role says it.
				// A PNG, not the SVG: an SVG image costs the first load ~10 ms
				// of the main thread to set up its document (make bench's trace).
				ga.Img().Src("/web/icon-192.png").Attr("role", "presentation"),
				ga.Span().Text("authdebug"),
			)),
			ga.Span().Class("tagline").Text("OAuth 2.0 debugger for Norsk Gjeldsinformasjon"),
			ga.If(s.sh.user != "", func() ga.UI {
				return ga.Span().ID("signed-in").Class("tagline").Body(
					ga.Text("Signed in as "+s.sh.user),
					// A form that posts: signing out by GET would let any site's link sign people out.
					ga.If(s.sh.signOut != "", func() ga.UI {
						return ga.Form().Class("sign-out").Method("post").Action(s.sh.signOut).Body(
							ga.Button().ID("sign-out").Type("submit").Class("link").Text("Sign out"))
					}),
				)
			}),
		),
		ga.Nav().Class("tabs").Attr("aria-label", "Tabs").Body(
			ga.Range(tabs).Slice(func(i int) ga.UI {
				t := tabs[i]
				a := ga.A().ID("nav-" + t.ID).Href(t.Path).Class(classIf("active", t.ID == s.tab)).Text(t.Label)
				if t.ID == s.tab {
					a = a.Aria("current", "page")
				}
				return a
			}),
		),
		s.renderOriginWarning(),
		ga.If(s.updated, func() ga.UI {
			return ga.Div().ID("update").Class("banner").Body(
				ga.Text("A new version of authdebug is installed. "),
				ga.Button().ID("update-reload").Type("button").Text("Reload to use it").OnClick(s.onReload),
			)
		}),
		s.renderEnvBar(),
		ga.Main().ID("tab").Class("tab").Body(
			s.page().render(),
			ga.If(s.tab == TabCallback || s.tab == TabToken, s.renderHistory),
		),
		ga.Footer().Body(
			ga.Text("Nothing secret leaves this browser except through this tool's own server, and only to the chosen environment. "),
			ga.If(!s.sh.mounted, func() ga.UI { return ga.Span().ID("loading").Text("Loading the page…") }),
		),
	)
}

// renderOriginWarning says when the page was opened by another name than
// the server's public URL: redirect URIs built here would not match.
func (s *Shell) renderOriginWarning() ga.UI {
	pub, here := s.sh.publicOrigin, s.sh.origin
	if pub == "" || here == "" || pub == here {
		return ga.Div()
	}
	return ga.Div().ID("origin-warning").Class("banner").Body(
		ga.Strong().Text("Opened by another name. "),
		ga.Textf("This page is at %s, but the server's public URL is %s: the sandbox's issuer and its demo client's redirect URI are built on that, so a redirect_uri built here will not match. Open %s instead, or start the server with -public-url %s.", here, pub, pub, here),
	)
}

// renderEnvBar is the environment and client id, chosen once for the page.
func (s *Shell) renderEnvBar() ga.UI {
	e := s.sh.env()
	envs := s.sh.envs
	return ga.Section().Class("envbar").Body(
		ga.Label().For("env").Text("Environment"),
		ga.Select().ID("env").Disabled(len(envs) == 0).OnChange(s.onEnv).Body(
			ga.If(len(envs) == 0, func() ga.UI { return ga.Option().Text("loading…") }),
			ga.Range(envs).Slice(func(i int) ga.UI {
				env := envs[i]
				label := env.Label
				if env.Production {
					label += " — PRODUCTION"
				}
				return ga.Option().Value(env.ID).Selected(env.ID == s.sh.envID).Text(label)
			}),
		),
		ga.If(e != nil && e.Production, func() ga.UI {
			return ga.Span().ID("env-production").Class("badge", "prod").Text("production: real people, real consents")
		}),
		ga.Label().For("client-id").Text("Client id"),
		ga.Input().ID("client-id").Type("text").Value(s.sh.clientID).Placeholder("the id NGI issued").
			AutoComplete(false).Spellcheck(false).OnInput(s.onClientID),
		ga.If(e != nil && e.DemoClient != nil, func() ga.UI {
			return ga.P().ID("demo-client").Class("hint").Body(
				ga.Text("Sandbox demo client: id "), ga.Code().Text(e.DemoClient.ID),
				ga.Text(", secret "), ga.Code().ID("demo-secret").Text(e.DemoClient.Secret),
				ga.Text(" (type the secret on the Token tab)."),
			)
		}),
		ga.If(s.sh.envsErr != "", func() ga.UI { return ga.P().Class("error").Text(s.sh.envsErr) }),
		ga.If(s.sh.sandboxDown && e != nil && e.ID == ngi.SandboxID, func() ga.UI {
			return ga.P().ID("sandbox-store-down").Class("error").Attr("role", "status").Text(
				"The sandbox's store (Redis) does not answer: sandbox flows fail until it does (the operator sees authdebug_sandbox_store_up at 0). NGI preprod and prod are not affected.")
		}),
	)
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

// restore brings back a history entry on its tab.
func (s *Shell) restore(i int) string {
	if i < 0 || i >= len(s.sh.history) {
		return ""
	}
	e := s.sh.history[i]
	if e.Env != "" {
		s.sh.envID = e.Env
	}
	s.sh.clientID = e.Client
	switch e.Kind {
	case "callback":
		s.callback.readCallback(e.Callback, time.Now())
		return "/callback"
	case "preflight":
		s.callback.probe.uris, s.callback.probe.scope = e.RedirectURI, e.Scope
		return "/callback"
	}
	t := &s.token
	t.grant, t.audience, t.scope, t.redirectURI, t.preset = e.Grant, e.Audience, e.Scope, e.RedirectURI, false
	t.code, t.verifier = "", ""
	return "/token"
}

func (s *Shell) onRestore(ctx ga.Context, e ga.Event) {
	i, _ := strconv.Atoi(ctx.JSSrc().Get("dataset").Get("index").String())
	if path := s.restore(i); path != "" {
		ctx.Navigate(path)
	}
}

func (s *Shell) onForgetHistory(ctx ga.Context, e ga.Event) { s.sh.forgetHistory() }

// renderHistory lists the callbacks read and the token requests sent here.
func (s *Shell) renderHistory() ga.UI {
	h := s.sh.history
	now := time.Now()
	return ga.Section().ID("history").DataSet("count", len(h)).Body(
		ga.H3().Textf("History in this browser (%d)", len(h)),
		ga.If(len(h) == 0, func() ga.UI {
			return ga.P().Class("hint").Text("Nothing yet: the callbacks you read, the preflights you run and the token requests you send appear here, without codes, tokens or secrets.")
		}),
		ga.If(len(h) > 0, func() ga.UI {
			return ga.Div().Body(
				ga.Table().Class("params", "history").Body(
					ga.THead().Body(ga.Tr().Body(ga.Th().Text("when"), ga.Th().Text("what"), ga.Th().Text("environment"), ga.Th().Text("client"), ga.Th().Text("outcome"), ga.Th().Text(""))),
					ga.TBody().Body(ga.Range(h).Slice(func(i int) ga.UI {
						e := h[i]
						what := map[string]string{"callback": "callback read", "preflight": "preflight of " + e.RedirectURI, "token": "token request (" + e.Grant + ")"}[e.Kind]
						return ga.Tr().DataSet("kind", e.Kind).Body(
							ga.Td().Text(flow.Age(now.Sub(e.At))+" ago"), ga.Td().Text(what), ga.Td().Text(e.Env), ga.Td().Text(e.Client), ga.Td().Text(e.Outcome),
							ga.Td().Body(ga.Button().Class("small", "history-restore").Type("button").DataSet("index", i).Text("Bring back").OnClick(s.onRestore)),
						)
					})),
				),
				ga.Button().ID("history-forget").Type("button").Text("Forget the history").OnClick(s.onForgetHistory),
			)
		}),
	)
}
