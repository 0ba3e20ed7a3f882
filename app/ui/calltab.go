package ui

import (
	"cmp"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/token"
)

// tokenHandoff is the last access token the Token tab got, with what it was
// issued for, for the Call tab.
type tokenHandoff struct {
	access    string
	info      flow.CallToken
	consentID string // the ID token's consent_id, when there was one
}

// callTab calls NGI's API with the token just obtained.
type callTab struct {
	sh    *shared
	token *tokenTab // the journey gets its tokens there

	op        string
	consentID string
	consent   flow.ConsentBody // createConsent's body
	fromSeq   string
	limit     string
	access    string         // the token sent
	info      flow.CallToken // what it was issued for, when the Token tab gave it
	taken     *tokenHandoff
	revealSSN bool
	failure   failureArm

	busy   bool
	result *callResult
}

// callResult is one call as the page shows it.
type callResult struct {
	op       ngi.Operation
	relay    flow.RelayResult
	fetchErr string
	curl     string
}

func (c *callTab) setUp(s *Shell) {
	c.sh, c.token = &s.sh, &s.token
	c.op = ngi.OpDebtWithCode
	c.consent = flow.ConsentBody{NIN: ngi.TestPersons[0], ScopeOfConsent: ngi.ScopePresentation, DurationDays: 30, ClientConsentID: newUUID()}
	c.fromSeq, c.limit = "0", "50"
}

func (c *callTab) open(*url.URL, time.Time) {}

// arrive takes the token the Token tab got last.
func (c *callTab) arrive() { c.take(c.sh.token) }

func (c *callTab) fields() map[string]string {
	return map[string]string{"call-token": c.access, "call-consent-id": c.consentID,
		"call-client-consent-id": c.consent.ClientConsentID, "call-nin": c.consent.NIN}
}

// newUUID is a fresh random UUID (version 4), for client_consent_id.
func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// take uses the Token tab's last token, once.
func (c *callTab) take(h *tokenHandoff) {
	if h == nil || h == c.taken {
		return
	}
	c.taken, c.access, c.info = h, h.access, h.info
	if h.consentID != "" {
		c.consentID = h.consentID
	}
	switch {
	case h.info.Grant == flow.GrantAuthorizationCode:
		c.op = ngi.OpDebtWithCode
	case c.op == ngi.OpDebtWithCode:
		c.op = ngi.OpDebtWithConsent
	}
}

func (c *callTab) operation() ngi.Operation {
	op, _ := ngi.OperationByID(c.op)
	return op
}

func (c *callTab) request() flow.CallRequest {
	op := c.operation()
	in := flow.CallRequest{Env: c.sh.envID, Operation: op.ID, AccessToken: c.access}
	if op.NeedsConsentID() {
		in.ConsentID = c.consentID
	}
	switch op.ID {
	case ngi.OpCreateConsent:
		body := c.consent
		in.Consent = &body
	case ngi.OpFeed:
		from, _ := strconv.ParseInt(c.fromSeq, 10, 64)
		limit, _ := strconv.ParseInt(c.limit, 10, 64)
		in.FromSeq, in.Limit = &from, &limit
	}
	return in
}

func (c *callTab) findings(now time.Time) []flow.Finding {
	e := c.sh.env()
	if e == nil {
		return nil
	}
	fs := flow.CheckCall(c.operation(), *e, c.access, c.info, c.consentID, now)
	if c.op == ngi.OpCreateConsent {
		fs = append(fs, flow.CheckConsentBody(c.consent)...)
	}
	return fs
}

// send calls the API through the relay.
func (c *callTab) send() {
	e := c.sh.env()
	if e == nil || c.busy {
		return
	}
	in := c.request()
	op := c.operation()
	res := &callResult{op: op}
	if target, err := flow.CallTarget(e.APIBase, op, in); err == nil {
		body := ""
		if in.Consent != nil {
			b, _ := json.Marshal(in.Consent)
			body = string(b)
		}
		res.curl = flow.CallCurl(op.Method, target, body)
	}
	c.busy = true
	c.sh.relay("POST", "/api/call", in, func(relayed *flow.RelayResult, problem string) {
		c.busy, c.result = false, res
		if problem != "" {
			res.fetchErr = problem
			return
		}
		res.relay = *relayed
		if r := relayed.Response; r != nil && r.Status == 200 && op.ID == ngi.OpCreateConsent {
			var answer struct {
				Consent struct {
					ID string `json:"id"`
				} `json:"consent"`
			}
			if json.Unmarshal([]byte(r.Body), &answer) == nil && answer.Consent.ID != "" {
				c.consentID = answer.Consent.ID
			}
		}
	})
}

func (c *callTab) onOperation(ctx ga.Context, e ga.Event) { c.op = ctx.JSSrc().Get("value").String() }
func (c *callTab) onConsentID(ctx ga.Context, e ga.Event) {
	c.consentID = ctx.JSSrc().Get("value").String()
}
func (c *callTab) onToken(ctx ga.Context, e ga.Event) {
	c.access, c.info = ctx.JSSrc().Get("value").String(), flow.CallToken{}
}
func (c *callTab) onNIN(ctx ga.Context, e ga.Event) {
	c.consent.NIN = ctx.JSSrc().Get("value").String()
}
func (c *callTab) onScope(ctx ga.Context, e ga.Event) {
	c.consent.ScopeOfConsent = ctx.JSSrc().Get("value").String()
}
func (c *callTab) onDays(ctx ga.Context, e ga.Event) {
	c.consent.DurationDays, _ = strconv.Atoi(ctx.JSSrc().Get("value").String())
}
func (c *callTab) onClientConsentID(ctx ga.Context, e ga.Event) {
	c.consent.ClientConsentID = ctx.JSSrc().Get("value").String()
}
func (c *callTab) onNewClientConsentID(ctx ga.Context, e ga.Event) {
	c.consent.ClientConsentID = newUUID()
}
func (c *callTab) onFromSeq(ctx ga.Context, e ga.Event) {
	c.fromSeq = ctx.JSSrc().Get("value").String()
}
func (c *callTab) onLimit(ctx ga.Context, e ga.Event)     { c.limit = ctx.JSSrc().Get("value").String() }
func (c *callTab) onRevealSSN(ctx ga.Context, e ga.Event) { c.revealSSN = !c.revealSSN }

func (c *callTab) render() ga.UI {
	op := c.operation()
	findings := c.findings(time.Now())
	return ga.Div().ID("call").Body(
		ga.H2().Text("Call NGI's API"),
		ga.P().Class("hint").Text("A token is proven when the API accepts it. The call goes through this tool's server to the environment's API; the token is never logged."),
		ga.Div().Class("form").Body(
			ga.Label().For("call-operation").Text("Operation"),
			ga.Select().ID("call-operation").OnChange(c.onOperation).Body(ga.Range(ngi.Operations).Slice(func(i int) ga.UI {
				o := ngi.Operations[i]
				return ga.Option().Value(o.ID).Selected(o.ID == c.op).Text(o.ID + ": " + o.Label)
			})),
			ga.Label().For("call-token").Text("Access token"),
			ga.Div().Body(
				ga.Input().ID("call-token").Type("text").Value(c.access).Spellcheck(false).AutoComplete(false).Placeholder("from the Token tab, or paste one").OnInput(c.onToken),
				ga.If(c.info.Grant != "", func() ga.UI {
					return ga.P().ID("call-token-info").Class("hint").Textf("From the Token tab: issued by %s to client %s, %s, audience %q, scope %q, expires %s.", c.info.Env, c.info.Client, c.info.Grant, c.info.Audience, c.info.Scope, c.info.Expires.Format("15:04:05 MST"))
				}),
			),
			ga.If(op.NeedsConsentID(), func() ga.UI {
				return ga.Div().Class("pair").Body(
					ga.Label().For("call-consent-id").Text("Consent id"),
					ga.Input().ID("call-consent-id").Type("text").Value(c.consentID).Spellcheck(false).Placeholder("the ID token's consent_id, or createConsent's answer").OnInput(c.onConsentID),
				)
			}),
			ga.If(op.ID == ngi.OpCreateConsent, c.renderConsentFields),
			ga.If(op.ID == ngi.OpFeed, func() ga.UI {
				return ga.Div().Class("pair").Body(
					ga.Label().For("call-from").Text("fromSequenceNr"),
					ga.Input().ID("call-from").Type("text").Attr("inputmode", "numeric").Value(c.fromSeq).OnInput(c.onFromSeq),
					ga.Label().For("call-limit").Text("limit"),
					ga.Input().ID("call-limit").Type("text").Attr("inputmode", "numeric").Value(c.limit).OnInput(c.onLimit),
				)
			}),
		),
		findingList("call-findings", findings, "Ready to call."),
		sendButtons("call-send", "Call", "Call "+op.ID, "Calling…", c.busy, func() []flow.Finding { return c.findings(time.Now()) }, c.send),
		ga.If(c.sh.env() != nil && c.sh.env().Endpoints.Scenarios != "", func() ga.UI {
			return c.failure.render("call-failure", "api", func(ga.Context, ga.Event) { c.failure.arm(c.sh, "api", c.op, c.token.secret) })
		}),
		// The live region is there before the first answer, so that it is announced.
		ga.Div().ID("call-live").Attr("aria-live", "polite").Body(ga.If(c.result != nil, func() ga.UI { return c.renderResult(c.result) })),
		c.renderJourney(),
	)
}

func (c *callTab) renderConsentFields() ga.UI {
	return ga.Div().Class("pair").Body(
		ga.Label().For("call-nin").Text("nin (test person)"),
		ga.Div().Body(
			ga.Input().ID("call-nin").Type("text").Value(c.consent.NIN).Attr("list", "test-persons").OnInput(c.onNIN),
			ga.DataList().ID("test-persons").Body(ga.Range(ngi.TestPersons).Slice(func(i int) ga.UI { return ga.Option().Value(ngi.TestPersons[i]) })),
		),
		ga.Label().For("call-scope-of-consent").Text("scope_of_consent"),
		ga.Select().ID("call-scope-of-consent").OnChange(c.onScope).Body(ga.Range(ngi.Purposes).Slice(func(i int) ga.UI {
			p := ngi.Purposes[i]
			return ga.Option().Value(p.Scope).Selected(p.Scope == c.consent.ScopeOfConsent).Text(p.Scope)
		})),
		ga.Label().For("call-duration-days").Text("consent_duration_days"),
		ga.Input().ID("call-duration-days").Type("text").Attr("inputmode", "numeric").Value(strconv.Itoa(c.consent.DurationDays)).OnInput(c.onDays),
		ga.Label().For("call-client-consent-id").Text("client_consent_id"),
		ga.Div().Class("row").Body(
			ga.Input().ID("call-client-consent-id").Type("text").Value(c.consent.ClientConsentID).OnInput(c.onClientConsentID),
			ga.Button().ID("call-client-consent-id-new").Type("button").Text("New id").OnClick(c.onNewClientConsentID),
		),
	)
}

func (c *callTab) renderResult(r *callResult) ga.UI {
	outcome, status, apiErr := "error", 0, ""
	var e flow.APIError
	if resp := r.relay.Response; resp != nil {
		status = resp.Status
		if status >= 200 && status < 300 {
			outcome = "success"
		} else if parsed, ok := flow.ReadAPIError(resp.Body); ok {
			e, apiErr = parsed, parsed.Error
		}
	}
	return ga.Section().ID("call-result").Class("result", outcome).
		DataSet("outcome", outcome).DataSet("status", status).DataSet("error", apiErr).Body(
		c.renderCallVerdict(r, status, e),
		ga.If(r.relay.Request != nil, func() ga.UI { return renderWire(c.sh, r.relay.Request, r.relay.Response, c.revealSSN) }),
		ga.If(r.curl != "", func() ga.UI {
			return ga.Div().Body(
				ga.H3().Body(ga.Text("Repeat it with curl"), c.sh.copyButton("copy-call-curl", "call-curl")),
				ga.Pre().ID("call-curl").Class("code").Text(r.curl),
			)
		}),
	)
}

func (c *callTab) renderCallVerdict(r *callResult, status int, e flow.APIError) ga.UI {
	resp := r.relay.Response
	switch {
	case r.fetchErr != "":
		return ga.H3().Class("verdict").Text(r.fetchErr)
	case r.relay.Error != nil:
		return ga.Div().Body(ga.H3().Class("verdict").Text("No answer from the API"), ga.P().ID("call-relay-error").DataSet("kind", r.relay.Error.Kind).Text(r.relay.Error.Message))
	case status == 204:
		return ga.H3().Class("verdict").Textf("Done (HTTP 204): %s", map[bool]string{true: "the consent is revoked", false: "no content"}[r.op.ID == ngi.OpRevokeConsent])
	case status >= 200 && status < 300 && (r.op.ID == ngi.OpDebtWithCode || r.op.ID == ngi.OpDebtWithConsent):
		d, err := flow.ReadDebt(resp.Body)
		if err != nil {
			return ga.P().Class("error").Text(err.Error())
		}
		return ga.Div().Body(ga.H3().Class("verdict").Textf("Debt information (HTTP %d)", status), c.renderDebt(d))
	case status >= 200 && status < 300:
		return ga.H3().Class("verdict").Textf("Answered (HTTP %d)", status)
	}
	meaning, next := flow.ExplainCall(r.op, status, e)
	return ga.Div().Body(
		ga.H3().Class("verdict").Body(ga.Textf("Refused (HTTP %d)", status), ga.If(e.Error != "", func() ga.UI { return ga.Span().Body(ga.Text(": "), ga.Code().Text(e.Error)) })),
		ga.If(e.Description != "", func() ga.UI { return ga.P().ID("call-error-description").Class("reason").Text(e.Description) }),
		ga.If(meaning != "", func() ga.UI {
			return ga.P().ID("call-error-meaning").Body(ga.Strong().Text("What it means: "), ga.Text(meaning))
		}),
		ga.If(next != "", func() ga.UI {
			return ga.P().ID("call-error-next").Body(ga.Strong().Text("What to do: "), ga.Text(next))
		}),
		ga.If(e.TraceID != "", func() ga.UI {
			return ga.P().Class("hint").Body(ga.Text("trace_id: "), ga.Code().ID("call-trace-id").Text(e.TraceID))
		}),
	)
}

// renderDebt shows debt information as a person reads it: a row per loan,
// amounts in kroner, rates in percent, the total, and who did not answer.
func (c *callTab) renderDebt(d flow.Debt) ga.UI {
	ssn := d.SSN
	if !c.revealSSN {
		ssn = mask(ssn)
	}
	amount := func(v *int64) string {
		if v == nil {
			return ""
		}
		return flow.NOK(*v)
	}
	return ga.Div().Body(
		ga.P().Body(ga.Text("Person: "), ga.Span().ID("debt-ssn").Class("claim-value").Text(ssn),
			ga.Button().ID("reveal-ssn").Type("button").Class("small").Text(map[bool]string{true: "Hide", false: "Reveal"}[c.revealSSN]).OnClick(c.onRevealSSN),
			ga.Textf(" · consent %s, scope %s, expires %s", d.Consent.ID, d.Consent.Scope, time.Unix(d.Consent.Exp, 0).Format("2006-01-02 15:04 MST"))),
		ga.If(d.CreditorsMissing > 0, func() ga.UI {
			return ga.P().ID("debt-missing").Class("banner").Textf("%d creditor(s) did not answer in time: NGI shows yesterday's data for them where it has it, and nothing where it has not. The total may be too low.", d.CreditorsMissing)
		}),
		ga.Table().ID("debt-table").Class("params", "stacks").Body(
			ga.THead().Body(ga.Tr().Body(ga.Th().Text("creditor"), ga.Th().Text("kind"), ga.Th().Text("owed"), ga.Th().Text("limit / original"), ga.Th().Text("interest"), ga.Th().Text("instalment charges"), ga.Th().Text("co-borrower"))),
			ga.TBody().Body(ga.Range(d.Loans).Slice(func(i int) ga.UI {
				cl := d.Loans[i]
				if cl.Loan == nil {
					return ga.Tr().DataSet("loan", i).Class("mismatch").Body(ga.Td().Text(cl.Creditor), ga.Td().Attr("colspan", 6).Text("did not answer"))
				}
				l := cl.Loan
				var limit ga.UI = ga.Span().Class("amount").Text(amount(l.CreditLimit))
				if l.OriginalBalance != nil {
					limit = ga.Span().Body(ga.Span().Class("amount").Text(amount(l.OriginalBalance)), ga.Text(" (original)"))
				}
				rate := ""
				if l.NominalInterestRate != nil {
					rate = flow.Percent(*l.NominalInterestRate)
				}
				var charges ga.UI = ga.Text("")
				if l.InstallmentCharges != nil {
					charges = ga.Span().Body(ga.Span().Class("amount").Text(flow.NOK(*l.InstallmentCharges)),
						ga.Text(" "+cmp.Or(ngi.ChargePeriods[l.InstallmentChargePeriod], strings.ToLower(l.InstallmentChargePeriod))))
				}
				// data-label names each cell when the table stacks on a phone.
				return ga.Tr().DataSet("loan", i).Body(
					ga.Td().DataSet("label", "creditor").Text(cl.Creditor), ga.Td().DataSet("label", "kind").Text(ngi.LoanKinds[l.Type]),
					ga.Td().DataSet("label", "owed").Body(ga.Span().Class("amount").Text(flow.NOK(l.Owed()))),
					ga.Td().DataSet("label", "limit / original").Body(limit), ga.Td().DataSet("label", "interest").Body(ga.Span().Class("amount").Text(rate)),
					ga.Td().DataSet("label", "instalment charges").Body(charges), ga.Td().DataSet("label", "co-borrower").Text(map[int]string{0: "no", 1: "yes"}[l.CoBorrower]),
				)
			})),
		),
		ga.P().ID("debt-total").Body(ga.Strong().Text("Total owed: "), ga.Span().Class("amount").Text(flow.NOK(d.Total()))),
	)
}

// handOverToken gives the Call tab the token just issued, with what it is
// for and who issued it to whom.
func (t *tokenTab) handOverToken(tok *flow.TokenResponse, env, client, grant, audience, scope string, at time.Time) {
	h := &tokenHandoff{access: tok.AccessToken, info: flow.CallToken{Env: env, Client: client, Grant: grant, Audience: audience, Scope: tok.Scope, Expires: at.Add(time.Duration(tok.ExpiresIn) * time.Second)}}
	if h.info.Scope == "" {
		h.info.Scope = scope
	}
	if tok.IDToken != "" {
		if d, err := token.Decode(tok.IDToken); err == nil {
			if id, ok := d.Claim("consent_id"); ok {
				h.consentID, _ = id.(string)
			}
		}
	}
	t.sh.token = h
}

// The integrated-consent journey, as NGI's own example script runs it: each
// step says what it needs and hands its result to the next.
var journeySteps = []struct {
	label, needs string
	service      int    // a client-credentials token for this service, or -1
	op           string // else this call
}{
	{"Get a client-credentials token for consent.create", "the client id and secret (Token tab)", 1, ""},
	{"Register the consent (createConsent)", "the token of step 1 and the consent's body below", -1, ngi.OpCreateConsent},
	{"Get a client-credentials token for the debt API", "the client id and secret", 0, ""},
	{"Read the debt (getDebtWithConsentID)", "the token of step 3 and the consent id of step 2", -1, ngi.OpDebtWithConsent},
	{"Read the consent's status (getConsentStatusWithID)", "the same", -1, ngi.OpConsentStatus},
	{"Revoke the consent (revokeConsentByID)", "the same; its status then reads inactive", -1, ngi.OpRevokeConsent},
}

// journeyStep runs one step: a token on the Token tab's form, or a call.
func (c *callTab) journeyStep(i int) {
	if i < 0 || i >= len(journeySteps) {
		return
	}
	step := journeySteps[i]
	if step.op != "" {
		c.op = step.op
		c.send()
		return
	}
	e := c.sh.env()
	if e == nil || step.service >= len(e.Services) {
		return
	}
	t := c.token
	t.grant = flow.GrantClientCredentials
	t.choosePreset(e.Services[step.service].Audience)
	t.exchange()
}

func (c *callTab) onJourney(ctx ga.Context, e ga.Event) {
	i, _ := strconv.Atoi(ctx.JSSrc().Get("dataset").Get("step").String())
	c.journeyStep(i)
}

func (c *callTab) renderJourney() ga.UI {
	return ga.Section().ID("journey").Body(
		ga.H3().Text("The integrated-consent journey"),
		ga.P().Class("hint").Text("You collected the person's consent yourself and register it with NGI, then read the debt with it. Each step uses the client id and secret of the Token tab, and hands its result to the next."),
		ga.Ol().Body(ga.Range(journeySteps).Slice(func(i int) ga.UI {
			step := journeySteps[i]
			return ga.Li().Body(
				ga.Button().ID("journey-"+strconv.Itoa(i+1)).Type("button").Class("small").DataSet("step", i).Disabled(c.busy || c.token.busy).Text(step.label).OnClick(c.onJourney),
				ga.Span().Class("hint").Text(" needs "+step.needs),
			)
		})),
	)
}
