package ui

import (
	"strconv"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
)

// historyKey is the localStorage key of the history: what was read and sent
// in this browser, never a secret, a code, a token or a national id number.
const historyKey = "authdebug.history"

// historyLimit is how many entries the history keeps, newest first.
const historyLimit = 30

// historyEntry is one callback read or one token request sent.
type historyEntry struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"` // callback, preflight or token
	Env     string    `json:"env"`
	Client  string    `json:"client"`
	Outcome string    `json:"outcome"` // the verdict, or the error code
	// Callback is the callback URL read, rebuilt from its reading without
	// its code or any other secret (flow.Callback.Shareable).
	Callback string `json:"callback,omitempty"`
	// Grant, Audience, Scope and RedirectURI are a token request's form
	// without code, verifier or secret.
	Grant       string `json:"grant,omitempty"`
	Audience    string `json:"audience,omitempty"`
	Scope       string `json:"scope,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty"`
}

// remember adds an entry; a callback typed key by key replaces the one
// before it rather than adding one per key.
func (sh *shared) remember(e historyEntry) {
	if n := len(sh.history); n > 0 && e.Kind == "callback" && sh.history[0].Kind == "callback" && time.Since(sh.history[0].At) < time.Minute {
		sh.history = sh.history[1:]
	}
	sh.history = append([]historyEntry{e}, sh.history...)
	if len(sh.history) > historyLimit {
		sh.history = sh.history[:historyLimit]
	}
	if sh.mounted {
		sh.root.LocalStorage().Set(historyKey, sh.history)
	}
}

func (sh *shared) forgetHistory() {
	sh.history = nil
	if sh.mounted {
		sh.root.LocalStorage().Del(historyKey)
	}
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
