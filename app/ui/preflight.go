package ui

import (
	"fmt"
	"strings"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
)

// A preflight sends the authorize request to the environment through the
// relay, without cookies and without following the answer, and reads where
// the server would send the browser: to the login (accepted), to its error
// page or back to the client with an error (refused).

// preflightAnswer is one preflight's result as the page shows it, with
// the request it answered.
type preflightAnswer struct {
	uri      string // the redirect_uri it asked about
	who      string // the environment's server, in a sentence: "NGI", "the sandbox"
	env      string
	endpoint string
	client   string
	scope    string
	at       time.Time
	result   *flow.Preflight
	problem  string // why there is no verdict
	status   int
}

// registered is data-registered: match, mismatch or unknown.
func (p *preflightAnswer) registered() flow.Match {
	if p.result == nil {
		return flow.MatchUnknown
	}
	return p.result.Registered()
}

// registeredText says whether the redirect_uri is registered (flow's words).
func (p *preflightAnswer) registeredText() string {
	if p.result == nil {
		return "not known"
	}
	return p.result.RegisteredText(p.uri, p.who)
}

// acceptedText says whether the request as a whole was accepted.
func (p *preflightAnswer) acceptedText() string {
	if p.result == nil {
		return "unclear"
	}
	return p.result.AcceptedText()
}

func (p *preflightAnswer) verdict() string {
	if p.result == nil {
		return flow.PreflightUnclear
	}
	return p.result.Verdict
}

// preflightParams are an authorize request's parameters for a preflight.
func preflightParams(r flow.AuthRequest) map[string]string {
	m := map[string]string{}
	for _, p := range r.Params() {
		m[p.Name] = p.Value
	}
	return m
}

// preflight asks the environment about a request; done gets the answer.
// Past the rate limit it waits as told and asks again.
func (sh *shared) preflight(r flow.AuthRequest, done func(*preflightAnswer)) {
	in := flow.PreflightRequest{Env: sh.envID, Params: preflightParams(r)}
	who := "the server"
	if e := sh.env(); e != nil {
		who = e.Who()
	}
	sh.relay("POST", "/api/preflight", in, func(res *flow.RelayResult, problem string) {
		a := &preflightAnswer{uri: r.RedirectURI, who: who, env: in.Env, endpoint: r.Endpoint, client: r.ClientID, scope: r.Scope, at: time.Now()}
		switch {
		case problem != "":
			a.problem = problem
		case res.Error != nil && res.Error.Kind == "rate_limited":
			sh.after(2*time.Second, func() { sh.preflight(r, done) })
			return
		case res.Error != nil:
			a.problem = res.Error.Message
		default:
			a.result, a.status = res.Preflight, res.Response.Status
		}
		sh.remember(historyEntry{At: a.at, Kind: "preflight", Env: a.env, Client: a.client, Scope: a.scope, RedirectURI: a.uri,
			Outcome: a.registeredText() + "; " + a.acceptedText()})
		done(a)
	})
}

// sentence says a preflight's answer in plain words (flow's, when there is one).
func (p *preflightAnswer) sentence() string {
	switch {
	case p.problem != "":
		return "No answer: " + p.problem
	case p.result == nil:
		return fmt.Sprintf("Unclear: the server answered HTTP %d.", p.status)
	}
	return p.result.Sentence(p.uri, p.client, p.who, p.status)
}

// probe checks a list of redirect URIs for the client, one preflight at a
// time, for QA: which are registered exactly as written.
type probe struct {
	sh      *shared
	uris    string
	scope   string
	running bool
	answers []*preflightAnswer
}

func (p *probe) onURIs(ctx ga.Context, e ga.Event) {
	p.uris = ctx.JSSrc().Get("value").String()
}
func (p *probe) onScope(ctx ga.Context, e ga.Event) {
	p.scope = ctx.JSSrc().Get("value").String()
}

func (p *probe) onRun(ctx ga.Context, e ga.Event) {
	uris := flow.SplitURIs(p.uris)
	if p.running || len(uris) == 0 {
		return
	}
	p.running, p.answers = true, nil
	p.next(uris)
}

// probeNext asks about the next URI once the one before has its answer.
func (p *probe) next(rest []string) {
	if len(rest) == 0 {
		p.running = false
		return
	}
	e := p.sh.env()
	if e == nil {
		p.running = false
		return
	}
	scope := firstNonEmpty(p.scope, "debt.unsecured.presentation")
	r := flow.AuthRequest{Endpoint: e.Endpoints.Authorize, ClientID: p.sh.clientID, RedirectURI: rest[0], Scope: scope, State: flow.RandomValue()}
	p.sh.preflight(r, func(a *preflightAnswer) {
		p.answers = append(p.answers, a)
		p.next(rest[1:])
	})
}

// probeMarkdown is the results as a small Markdown table for a ticket,
// with what was asked: when, where, which client and scope.
func (p *probe) markdown() string {
	var b strings.Builder
	if len(p.answers) > 0 {
		first := p.answers[0]
		fmt.Fprintf(&b, "Redirect URIs of client `%s` at %s (authdebug preflight, %s)\n\nAuthorize endpoint: %s  \nscope: `%s`\n\n",
			first.client, first.env, first.at.Format(time.RFC3339), first.endpoint, first.scope)
	}
	b.WriteString("| redirect_uri | registered | request | what the server said |\n|---|---|---|---|\n")
	for _, a := range p.answers {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", a.uri, a.registeredText(), a.acceptedText(), strings.ReplaceAll(a.sentence(), "|", "\\|"))
	}
	return b.String()
}

func (p *probe) render() ga.UI {
	return ga.Section().ID("probe").Class("asks-server").Body(
		ga.H3().Text("Which redirect URIs are registered? (asks the server)"),
		ga.Label().For("probe-uris").Class("hint").Text("Redirect URIs to try, one per line: each is sent to the chosen environment as an authorize request for this client, one at a time, and its answer read before any login. No callback is needed."),
		ga.Textarea().ID("probe-uris").Rows(3).Spellcheck(false).Attr("value", p.uris).OnInput(p.onURIs),
		ga.Div().Class("row").Body(
			ga.Label().For("probe-scope").Text("scope "),
			ga.Input().ID("probe-scope").Type("text").Value(p.scope).Placeholder("debt.unsecured.presentation").OnInput(p.onScope),
			ga.Button().ID("probe-run").Type("button").Disabled(p.running).Text(map[bool]string{true: "Asking…", false: "Ask the server"}[p.running]).OnClick(p.onRun),
		),
		ga.If(len(p.answers) > 0, func() ga.UI {
			return ga.Div().Body(
				ga.Table().ID("probe-results").Class("params").Body(
					ga.THead().Body(ga.Tr().Body(ga.Th().Text("redirect_uri"), ga.Th().Text("registered?"), ga.Th().Text("request"), ga.Th().Text("what the server said"))),
					ga.TBody().Body(ga.Range(p.answers).Slice(func(i int) ga.UI {
						a := p.answers[i]
						code := ""
						if a.result != nil {
							code = a.result.Error
						}
						return ga.Tr().DataSet("uri", a.uri).DataSet("verdict", a.verdict()).DataSet("registered", string(a.registered())).DataSet("error", code).Body(
							ga.Td().Class("value").Text(a.uri), ga.Td().Class("registered").Text(a.registeredText()), ga.Td().Class("accepted").Text(a.acceptedText()), ga.Td().Text(a.sentence()))
					})),
				),
				ga.Pre().ID("probe-markdown").Class("hidden-copy").Text(p.markdown()),
				p.sh.copyButton("copy-probe-markdown", "probe-markdown"),
				ga.Span().Class("hint").Text(" copies the table as Markdown, for a ticket."),
			)
		}),
	)
}
