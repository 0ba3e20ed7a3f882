package ui

import (
	"encoding/json"
	"fmt"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
)

// failureChoice is one failure the sandbox can be asked to give next.
type failureChoice struct {
	Label   string
	Status  int
	Error   string
	DelayMS int
}

// failureChoices are the failures offered, per endpoint: the ways NGI's
// answers go wrong that an app must handle.
var failureChoices = map[string][]failureChoice{
	"token": {
		{"400 invalid_grant (an expired or used code)", 400, "invalid_grant", 0},
		{"401 invalid_client (a wrong secret)", 401, "invalid_client", 0},
		{"500 server_error", 500, "server_error", 0},
		{"503 temporarily_unavailable", 503, "temporarily_unavailable", 0},
		{"504 after 5 s (slow, then a gateway timeout)", 504, "server_error", 5000},
	},
	"api": {
		{"403 no valid consent", 403, "no valid consent", 0},
		{"409 conflict", 409, "conflict", 0},
		{"500 with a trace_id", 500, "server_error", 0},
		{"503 service unavailable", 503, "server_error", 0},
	},
}

// failureArm asks the sandbox to make the next call of an endpoint fail,
// for the client on screen: the same as a test suite does with
// POST /sandbox/scenarios.
type failureArm struct {
	choice int
	said   string
}

func (f *failureArm) onChoice(ctx ga.Context, e ga.Event) {
	fmt.Sscan(ctx.JSSrc().Get("value").String(), &f.choice)
}

// arm sends the scenario through the relay, as the client with its secret.
func (f *failureArm) arm(sh *shared, endpoint, operation, secret string) {
	choices := failureChoices[endpoint]
	if f.choice < 0 || f.choice >= len(choices) {
		return
	}
	c := choices[f.choice]
	scenario, _ := json.Marshal(map[string]any{"endpoint": endpoint, "operation": operation, "status": c.Status, "error": c.Error, "delay_ms": c.DelayMS, "times": 1})
	in := flow.ScenarioRequest{Env: sh.envID, ClientID: sh.clientID, ClientSecret: secret, Scenario: scenario}
	f.said = "Arming…"
	sh.relay("POST", "/api/scenarios", in, func(res *flow.RelayResult, problem string) {
		switch {
		case problem != "":
			f.said = "Not armed: " + problem
		case res.Error != nil:
			f.said = "Not armed: " + res.Error.Message
		case res.Response.Status == 201:
			f.said = fmt.Sprintf("Armed: the sandbox answers the next %s call of client %s with %s.", endpoint, sh.clientID, c.Label)
		default:
			f.said = fmt.Sprintf("Not armed: HTTP %d %.200s", res.Response.Status, res.Response.Body)
			if _, oerr, _ := flow.ReadTokenResponse(res.Response.Status, "", res.Response.Body); oerr != nil {
				reason, _ := oerr.Reason()
				f.said = fmt.Sprintf("Not armed: %s: %s", oerr.Error, reason)
			}
		}
	})
}

// render is the choice and its button, under the sandbox only.
func (f *failureArm) render(id, endpoint string, arm ga.EventHandler) ga.UI {
	choices := failureChoices[endpoint]
	return ga.Details().ID(id).Class("failure-arm").Body(
		ga.Summary().Text("Make the next call fail (sandbox)"),
		ga.P().Class("hint").Text("The sandbox answers this client's next call as chosen, in the shape NGI's real server uses, then normally again: see how your app, or this page, reads it."),
		ga.Div().Class("row").Body(
			ga.Label().For(id+"-choice").Text("Answer "),
			ga.Select().ID(id+"-choice").OnChange(f.onChoice).Body(ga.Range(choices).Slice(func(i int) ga.UI {
				return ga.Option().Value(i).Selected(i == f.choice).Text(choices[i].Label)
			})),
			ga.Button().ID(id+"-arm").Type("button").Text("Make the next call fail").OnClick(arm),
		),
		ga.P().ID(id+"-said").Attr("aria-live", "polite").Text(f.said),
	)
}
