package ui

import (
	"strconv"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

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
func (s *Shell) journeyStep(i int) {
	if i < 0 || i >= len(journeySteps) {
		return
	}
	step := journeySteps[i]
	if step.op != "" {
		s.call.op = step.op
		s.call.send()
		return
	}
	e := s.sh.env()
	if e == nil || step.service >= len(e.Services) {
		return
	}
	t := &s.token
	t.grant = flow.GrantClientCredentials
	t.choosePreset(e.Services[step.service].Audience)
	t.exchange()
}

func (s *Shell) onJourney(ctx ga.Context, e ga.Event) {
	i, _ := strconv.Atoi(ctx.JSSrc().Get("dataset").Get("step").String())
	s.journeyStep(i)
}

func (s *Shell) renderJourney() ga.UI {
	return ga.Section().ID("journey").Body(
		ga.H3().Text("The integrated-consent journey"),
		ga.P().Class("hint").Text("You collected the person's consent yourself and register it with NGI, then read the debt with it. Each step uses the client id and secret of the Token tab, and hands its result to the next."),
		ga.Ol().Body(ga.Range(journeySteps).Slice(func(i int) ga.UI {
			step := journeySteps[i]
			return ga.Li().Body(
				ga.Button().ID("journey-"+strconv.Itoa(i+1)).Type("button").Class("small").DataSet("step", i).Disabled(s.call.busy || s.token.busy).Text(step.label).OnClick(s.onJourney),
				ga.Span().Class("hint").Text(" needs "+step.needs),
			)
		})),
	)
}
