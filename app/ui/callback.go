package ui

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/record"
)

// callbackTab reads a callback URL: what was pasted and its reading.
type callbackTab struct {
	sh *shared

	input string
	read  flow.Callback
	// registered are the redirect URIs registered for each client, as typed;
	// kept in localStorage (they are not secret).
	registered map[string]string
	shareCode  bool // the person wants the code in the shared link
	probe      probe
}

// shareKey names the callback URL in a shared link's fragment:
// /callback#read=<the callback URL>. A fragment never reaches a server.
const shareKey = "read"

// shareLink is a link that reproduces this reading, without the code unless
// the person asked for it.
func (c *callbackTab) shareLink() string {
	return c.sh.origin + "/callback#" + shareKey + "=" + url.QueryEscape(c.read.Shareable(c.shareCode))
}

func (c *callbackTab) onShareCode(ctx ga.Context, e ga.Event) {
	c.shareCode = ctx.JSSrc().Get("checked").Bool()
}

// registeredKey is the localStorage key of the registered redirect URIs.
const registeredKey = "authdebug.registered"

// registeredURIs is the list typed for the chosen client.
func (c *callbackTab) registeredURIs() string { return c.registered[c.sh.clientID] }

func (c *callbackTab) setUp(s *Shell) { c.sh, c.probe.sh = &s.sh, &s.sh }

// open reads the callback the page was opened with: NGI's redirect to
// /callback, or a shared link's #read=.
func (c *callbackTab) open(u *url.URL, now time.Time) {
	switch shared, isShared := strings.CutPrefix(u.Fragment, shareKey+"="); {
	case isShared:
		c.readCallback(shared, now)
	case u.RawQuery != "" || u.Fragment != "":
		c.readCallback(u.String(), now)
		c.rememberReading()
	}
}

func (c *callbackTab) arrive() {}

func (c *callbackTab) fields() map[string]string {
	return map[string]string{"callback-input": c.input, "registered-uris": c.registeredURIs(), "probe-uris": c.probe.uris, "probe-scope": c.probe.scope}
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
	c.rememberReading()
}

// rememberReading puts the reading in the history, its code left out.
func (c *callbackTab) rememberReading() {
	cb := c.read
	if cb.Outcome == flow.OutcomeInvalid {
		return
	}
	state := flow.CheckState(cb.State, c.sh.pending, time.Now())
	outcome := callbackVerdict(cb, state)
	if cb.Error != "" {
		outcome = cb.Error
	}
	c.sh.remember(historyEntry{At: time.Now(), Kind: "callback", Env: c.sh.envID, Client: c.sh.clientID, Outcome: outcome, Callback: cb.Shareable(false)})
	// On the run: the authorization server sent the browser (or, pasted
	// from elsewhere, the person's app) to this URL.
	to := record.LaneApp
	if u, err := url.Parse(cb.Base); cb.Channel == flow.ChannelErrorPage || (err == nil && (u.Scheme+"://"+u.Host == c.sh.origin || u.Scheme+"://"+u.Host == c.sh.publicOrigin)) {
		to = record.LaneBrowser
	}
	c.sh.reviseStep(record.Step{Kind: record.KindCallback, At: time.Now(), From: record.LaneAuth, To: to, Method: "GET",
		URL: record.URL(cb.Shareable(true)), Verdict: outcome, Failed: outcome != "accept" && outcome != "unchecked", Findings: cb.Findings})
}

func (c *callbackTab) onRegistered(ctx ga.Context, e ga.Event) {
	if c.registered == nil {
		c.registered = map[string]string{}
	}
	c.registered[c.sh.clientID] = ctx.JSSrc().Get("value").String()
	ctx.LocalStorage().Set(registeredKey, c.registered)
}

func (c *callbackTab) onForgetPending(ctx ga.Context, e ga.Event) { c.sh.forgetPending() }

func (c *callbackTab) render() ga.UI {
	cb := c.read
	now := time.Now()
	state := flow.StateCheck{Result: flow.MatchUnknown}
	redirect := flow.MatchUnknown
	var redirectDiff *flow.RedirectDiff
	var findings []flow.Finding
	registered := flow.CheckRegistered(cb, flow.SplitURIs(c.registeredURIs()))
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
		findings = append(findings, registered.Findings...)
		// iss against the environment the request went to, else the one chosen.
		env := c.sh.env()
		if state.Request != nil {
			env = c.sh.envByID(state.Request.Env)
		}
		if env != nil {
			findings = append(findings, flow.CheckIssuer(cb, *env)...)
		}
	}
	return ga.Div().ID("callback").Body(
		ga.H2().Text("Read a callback URL"),
		ga.Label().For("callback-input").Class("hint").Text("Paste the URL your app was redirected to (a log line holding it will do). Nothing is sent anywhere: it is read in this page."),
		ga.Textarea().ID("callback-input").Rows(3).Spellcheck(false).Attr("value", c.input).
			Placeholder("https://api-eksempelbank.no/v1/callback?code=...&scope=...&state=...").OnInput(c.onInput),
		// The live region is there before the first reading, so that its first
		// result is announced.
		func() ga.UI {
			result := ga.Section().ID("callback-result").Class("result").Attr("aria-live", "polite")
			if c.input == "" {
				return result
			}
			verdict := callbackVerdict(cb, state)
			return result.Class(verdict).
				DataSet("outcome", string(cb.Outcome)).DataSet("verdict", verdict).DataSet("error", cb.Error).
				DataSet("state", string(state.Result)).DataSet("redirect", string(redirect)).DataSet("channel", cb.Channel).
				Body(c.renderReading(cb, state, redirectDiff, findings))
		}(),
		ga.If(c.input != "" && cb.Outcome != flow.OutcomeInvalid, func() ga.UI {
			return ga.Div().Class("share").Body(
				ga.Label().For("callback-share").Text("Link to this reading "),
				ga.Input().ID("callback-share").Type("text").ReadOnly(true).Value(c.shareLink()),
				c.sh.copyButton("copy-callback-share", "callback-share"),
				ga.Label().Class("check").Body(
					ga.Input().ID("share-with-code").Type("checkbox").Checked(c.shareCode).OnChange(c.onShareCode),
					ga.Text(" put the code in the link (whoever opens it could exchange it)"),
				),
			)
		}),
		ga.H3().Text("Compare with the URIs you know are registered (nothing is sent)"),
		ga.Label().For("registered-uris").Class("hint").Text("Paste the redirect URIs registered for this client, as NGI has them on file (one per line, or separated by commas or spaces): the callback above is compared with each, in this page. They are kept in this browser for the client. To ask NGI itself instead, use \"Which redirect URIs are registered?\" below."),
		ga.Textarea().ID("registered-uris").Rows(3).Spellcheck(false).Attr("value", c.registeredURIs()).OnInput(c.onRegistered),
		c.renderRegisteredCheck(registered),
		c.probe.render(),
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
			ga.H3().Class("verdict").Text("Not a callback"),
			ga.P().ID("callback-reason").Text(cb.Reason),
		)
	}
	var head ga.UI
	switch {
	case cb.Outcome == flow.OutcomeSuccess && state.Result == flow.MatchNo:
		head = ga.Div().Body(
			ga.H3().ID("callback-verdict").Class("verdict").Text("Reject this callback: its state matches no request"),
			ga.P().Text("It carries a code, but your app must not exchange it: a callback whose state it did not send is forged (CSRF) or stale. Below is what it would have been."),
		)
	case cb.Outcome == flow.OutcomeSuccess:
		head = ga.Div().Body(
			ga.H3().ID("callback-verdict").Class("verdict").Text(map[bool]string{true: "Success: the person consented", false: "A code, from a request this browser does not know"}[state.Result == flow.MatchYes]),
			ga.P().Body(ga.Text("The code can be exchanged for a token once, within minutes. "),
				ga.A().ID("callback-to-token").Href("/token").Text("Exchange it on the Token tab →")),
			ga.P().Body(ga.Strong().Text("code: "), ga.Code().ID("callback-code").Class("value").Text(cb.Code), c.sh.copyButton("copy-callback-code", "callback-code")),
		)
	case cb.Channel == flow.ChannelErrorPage:
		head = ga.Div().Body(
			ga.H3().Class("verdict").Body(ga.Text("NGI's error page, not a callback: "), ga.Code().ID("callback-error-code").Text(cb.Error)),
			ga.P().Text("NGI refused the authorize request before anyone signed in, and did not send the browser back to the app."),
			oauthErrorDetails("callback", cb.OAuthError(), cb.NextStep()),
		)
	default:
		head = ga.Div().Body(
			ga.H3().Class("verdict").Body(ga.Text("Error: "), ga.Code().ID("callback-error-code").Text(cb.Error)),
			oauthErrorDetails("callback", cb.OAuthError(), cb.NextStep()),
		)
	}
	// The green "nothing else" only when nothing shown beside it is wrong.
	none := "Nothing else to note."
	if state.Result == flow.MatchNo {
		none = ""
	}
	return ga.Div().Body(
		head,
		ga.If(cb.Channel != flow.ChannelErrorPage, func() ga.UI {
			return ga.Div().Body(
				ga.P().ID("callback-state-check").Class("check", string(state.Result)).Body(ga.Strong().Text("state: "), ga.Text(state.Message)),
				renderRedirectDiff("callback-redirect-check", "redirect_uri of the request", diff),
			)
		}),
		findingList("callback-findings", findings, none),
		ga.P().Class("hint").Textf("Parameters came by %s.", cb.Mode),
		paramTable("callback-params", cb.Params, ngi.ExplainCallbackParam),
	)
}

// callbackVerdict is what the reading comes to: accept (a code for a known
// request), reject (a code whose state matches none), unchecked (no request
// known to compare), error or invalid.
func callbackVerdict(cb flow.Callback, state flow.StateCheck) string {
	switch {
	case cb.Outcome != flow.OutcomeSuccess:
		return string(cb.Outcome)
	case state.Result == flow.MatchNo:
		return "reject"
	case state.Result == flow.MatchYes:
		return "accept"
	}
	return "unchecked"
}

// renderRedirectDiff shows a character-level comparison of two URIs.
func renderRedirectDiff(id, against string, d *flow.RedirectDiff) ga.UI {
	if d == nil {
		return ga.P().ID(id).Class("check", "unknown").Text("redirect_uri: no pending request matched, so the request's redirect_uri is not known here (the registered URIs, if given below, are compared there).")
	}
	if d.Equal {
		return ga.P().ID(id).Class("check", "match").Body(ga.Strong().Text("redirect_uri: "), ga.Text("the callback arrived at exactly the "+against+": "), ga.Code().Text(d.Want))
	}
	at := min(d.At, len(d.Got))
	wat := min(d.At, len(d.Want))
	gend, wend := d.MarkedEnds()
	return ga.Div().ID(id).Class("check", "mismatch").Body(
		ga.P().Body(ga.Strong().Text("redirect_uri differs from the "+against+":")),
		ga.Pre().Class("diff").Body(
			ga.Text("callback: "), ga.Text(d.Got[:at]), ga.Mark().Text(d.Got[at:gend]), ga.Text(d.Got[gend:]), ga.Text("\n"),
			ga.Text("expected: "), ga.Text(d.Want[:wat]), ga.Mark().Text(d.Want[wat:wend]), ga.Text(d.Want[wend:]),
		),
		ga.Ul().Body(ga.Range(d.Differences).Slice(func(i int) ga.UI { return ga.Li().Text(d.Differences[i]) })),
	)
}

// renderRegisteredCheck gives each registered URI its verdict and its
// named differences; the whole is a match when one of them is.
func (c *callbackTab) renderRegisteredCheck(rc flow.RegisteredCheck) ga.UI {
	list := flow.SplitURIs(c.registeredURIs())
	if rc.Result == flow.MatchUnknown {
		return ga.Div().ID("registered-check").DataSet("result", "unknown")
	}
	return ga.Div().ID("registered-check").DataSet("result", string(rc.Result)).Body(
		ga.Range(rc.Diffs).Slice(func(i int) ga.UI {
			d := rc.Diffs[i]
			verdict := map[bool]string{true: "match", false: "mismatch"}[d.Equal || rc.AnyPort[i]]
			var body ga.UI = renderRedirectDiff(fmt.Sprintf("registered-diff-%d", i), "registered URI "+list[i], &d)
			if rc.AnyPort[i] {
				body = ga.P().ID(fmt.Sprintf("registered-diff-%d", i)).Class("check", "match").Body(ga.Strong().Text("redirect_uri: "),
					ga.Text("accepted only by Hydra's rule that a loopback IP may come back on any port (RFC 8252 §7.3): registered "), ga.Code().Text(list[i]))
			}
			return ga.Div().Class("registered-uri").DataSet("uri", list[i]).DataSet("result", verdict).Body(body)
		}),
	)
}
