package ui

import (
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// callbackTab reads a callback URL: what was pasted and its reading.
type callbackTab struct {
	sh *shared

	input      string
	read       flow.Callback
	registered string // redirect URIs registered for the client, one per line
}

// readCallback reads a callback URL and, on success, hands its code to the
// Token tab together with what the matching pending request knew, and
// chooses that request's environment and client.
func (c *callbackTab) readCallback(raw string, now time.Time) {
	c.input = raw
	c.read = flow.ReadCallback(raw)
	cb := c.read
	if cb.Outcome != flow.OutcomeSuccess {
		return
	}
	h := &codeHandoff{code: cb.Code, received: now, redirectURI: cb.Base}
	if m := flow.CheckState(cb.State, c.sh.pending, now); m.Request != nil {
		p := m.Request
		h.redirectURI, h.verifier, h.pending = p.RedirectURI, p.Verifier, p
		if p.Env != "" {
			c.sh.envID = p.Env
		}
		if p.ClientID != "" {
			c.sh.clientID = p.ClientID
		}
	}
	c.sh.code = h
}

func (c *callbackTab) onInput(ctx ga.Context, e ga.Event) {
	c.readCallback(ctx.JSSrc().Get("value").String(), time.Now())
}

func (c *callbackTab) onRegistered(ctx ga.Context, e ga.Event) {
	c.registered = ctx.JSSrc().Get("value").String()
}

func (c *callbackTab) onForgetPending(ctx ga.Context, e ga.Event) { c.sh.forgetPending() }

func (c *callbackTab) render() ga.UI {
	cb := c.read
	now := time.Now()
	state := flow.StateCheck{Result: flow.MatchUnknown}
	redirect := flow.MatchUnknown
	var redirectDiff *flow.RedirectDiff
	var findings []flow.Finding
	if cb.Outcome != flow.OutcomeInvalid {
		findings = append(findings, cb.Findings...)
		state = flow.CheckState(cb.State, c.sh.pending, now)
		if state.Request != nil && cb.Base != "" {
			d := flow.DiffRedirect(cb.ArrivedAt(), state.Request.RedirectURI)
			redirectDiff = &d
			redirect = flow.MatchNo
			if d.Equal {
				redirect = flow.MatchYes
			}
		}
		if state.Request != nil {
			findings = append(findings, flow.CheckCallbackAgainstRequest(cb, *state.Request)...)
		}
	}
	return ga.Div().ID("callback").Body(
		ga.H2().Text("Read a callback URL"),
		ga.P().Class("hint").Text("Paste the URL your app was redirected to. Nothing is sent anywhere: it is read in this page."),
		ga.Textarea().ID("callback-input").Rows(3).Spellcheck(false).Attr("value", c.input).
			Placeholder("https://api-eksempelbank.no/v1/callback?code=...&scope=...&state=...").OnInput(c.onInput),
		ga.If(c.input != "", func() ga.UI {
			return ga.Section().ID("callback-result").Class("result", string(cb.Outcome)).
				DataSet("outcome", string(cb.Outcome)).DataSet("error", cb.Error).
				DataSet("state", string(state.Result)).DataSet("redirect", string(redirect)).
				Body(c.renderReading(cb, state, redirectDiff, findings))
		}),
		ga.H3().Text("Registered redirect URIs"),
		ga.P().Class("hint").Text("Paste the redirect URIs registered for the client, one per line, to check the callback's URI against them."),
		ga.Textarea().ID("registered-uris").Rows(3).Spellcheck(false).Attr("value", c.registered).OnInput(c.onRegistered),
		c.renderRegisteredCheck(),
		c.renderPending(),
	)
}

// renderPending lists the authorize requests this browser remembers, so QA
// can see what a callback will be matched against, and forget them.
func (c *callbackTab) renderPending() ga.UI {
	now := time.Now()
	pending := c.sh.pending
	return ga.Section().ID("pending").DataSet("count", len(pending)).Body(
		ga.H3().Textf("Pending requests in this browser (%d)", len(pending)),
		ga.If(len(pending) == 0, func() ga.UI {
			return ga.P().Class("hint").Text("None: Copy or Open on the Authorize tab records one.")
		}),
		ga.If(len(pending) > 0, func() ga.UI {
			return ga.Div().Body(
				ga.Table().Class("params").Body(
					ga.THead().Body(ga.Tr().Body(ga.Th().Text("state"), ga.Th().Text("environment"), ga.Th().Text("client"), ga.Th().Text("redirect_uri"), ga.Th().Text("scope"), ga.Th().Text("sent"))),
					ga.TBody().Body(ga.Range(pending).Slice(func(i int) ga.UI {
						p := pending[i]
						return ga.Tr().Body(ga.Td().Class("value").Text(p.State), ga.Td().Text(p.Env), ga.Td().Text(p.ClientID),
							ga.Td().Class("value").Text(p.RedirectURI), ga.Td().Text(p.Scope), ga.Td().Text(flow.Age(now.Sub(p.Created))+" ago"))
					})),
				),
				ga.Button().ID("pending-clear").Type("button").Text("Forget them").OnClick(c.onForgetPending),
			)
		}),
	)
}

func (c *callbackTab) renderReading(cb flow.Callback, state flow.StateCheck, diff *flow.RedirectDiff, findings []flow.Finding) ga.UI {
	switch cb.Outcome {
	case flow.OutcomeInvalid:
		return ga.Div().Body(
			ga.H3().Text("Not a callback"),
			ga.P().ID("callback-reason").Text(cb.Reason),
		)
	}
	var head ga.UI
	if cb.Outcome == flow.OutcomeSuccess {
		head = ga.Div().Body(
			ga.H3().Text("Success: the person consented"),
			ga.P().Body(ga.Text("The code below can be exchanged for a token once, within minutes. "),
				ga.A().ID("callback-to-token").Href("/token").Text("Exchange it on the Token tab →")),
		)
	} else {
		head = ga.Div().Body(
			ga.H3().Body(ga.Text("Error: "), ga.Code().ID("callback-error-code").Text(cb.Error)),
			oauthErrorDetails("callback", cb.OAuthError()),
		)
	}
	return ga.Div().Body(
		head,
		ga.P().ID("callback-state-check").Class("check", string(state.Result)).Body(ga.Strong().Text("state: "), ga.Text(state.Message)),
		renderRedirectDiff("callback-redirect-check", "redirect_uri of the request", diff),
		findingList("callback-findings", findings, "Nothing else to note."),
		ga.P().Class("hint").Textf("Parameters came in the %s.", cb.Mode),
		paramTable("callback-params", cb.Params, ngi.ExplainCallbackParam),
	)
}

// renderRedirectDiff shows a character-level comparison of two URIs.
func renderRedirectDiff(id, against string, d *flow.RedirectDiff) ga.UI {
	if d == nil {
		return ga.P().ID(id).Class("check", "unknown").Text("redirect_uri: no matching request, so there is nothing to compare the callback's URI with.")
	}
	if d.Equal {
		return ga.P().ID(id).Class("check", "match").Body(ga.Strong().Text("redirect_uri: "), ga.Text("the callback arrived at exactly the "+against+": "), ga.Code().Text(d.Want))
	}
	at := min(d.At, len(d.Got))
	wat := min(d.At, len(d.Want))
	return ga.Div().ID(id).Class("check", "mismatch").Body(
		ga.P().Body(ga.Strong().Text("redirect_uri differs from the "+against+":")),
		ga.Pre().Class("diff").Body(
			ga.Text("callback: "), ga.Text(d.Got[:at]), ga.Mark().Text(d.Got[at:]), ga.Text("\n"),
			ga.Text("expected: "), ga.Text(d.Want[:wat]), ga.Mark().Text(d.Want[wat:]),
		),
		ga.Ul().Body(ga.Range(d.Differences).Slice(func(i int) ga.UI { return ga.Li().Text(d.Differences[i]) })),
	)
}

func (c *callbackTab) renderRegisteredCheck() ga.UI {
	list := flow.SplitLines(c.registered)
	cb := c.read
	if len(list) == 0 || cb.Outcome == flow.OutcomeInvalid || cb.Base == "" {
		return ga.Div().ID("registered-check").DataSet("result", "unknown")
	}
	i, d := flow.RegisteredMatch(cb.ArrivedAt(), list)
	result := flow.MatchNo
	if i >= 0 {
		result = flow.MatchYes
	}
	return ga.Div().ID("registered-check").DataSet("result", string(result)).Body(
		renderRedirectDiff("registered-diff", "registered URI", &d),
	)
}
