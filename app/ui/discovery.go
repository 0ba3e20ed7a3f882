package ui

import (
	"net/url"
	"strconv"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
)

// discoveryTab fetches the environment's metadata through the relay and
// compares it with NGI's profile.
type discoveryTab struct {
	sh *shared

	envID   string // the environment the result belongs to
	loading bool
	result  *flow.RelayResult
	checks  []flow.DiscoveryCheck
	problem string
}

func (d *discoveryTab) load() {
	e := d.sh.env()
	if e == nil || d.loading || !d.sh.online() {
		return
	}
	d.envID, d.loading, d.result, d.checks, d.problem = e.ID, true, nil, nil, ""
	env := *e
	d.sh.relay("GET", "/api/discovery?env="+e.ID, nil, func(res *flow.RelayResult, problem string) {
		d.loading, d.result = false, res
		switch {
		case problem != "":
			d.problem = problem
		case res.Error != nil:
			d.problem = res.Error.Message
		case res.Response.Status != 200:
			d.problem = "The discovery document answered HTTP " + strconv.Itoa(res.Response.Status) + "."
		default:
			checks, err := flow.CheckDiscovery([]byte(res.Response.Body), env)
			if err != nil {
				d.problem = err.Error()
			}
			d.checks = checks
		}
	})
}

func (d *discoveryTab) setUp(s *Shell)            { d.sh = &s.sh }
func (d *discoveryTab) open(*url.URL, time.Time)  {}
func (d *discoveryTab) fields() map[string]string { return map[string]string{} }

// arrive fetches the environment's keys and discovery document, when the
// ones shown are another environment's.
func (d *discoveryTab) arrive() {
	d.sh.ensureKeys()
	d.loadIfStale()
}

// loadIfStale fetches when the result is for another environment.
func (d *discoveryTab) loadIfStale() {
	if e := d.sh.env(); e != nil && d.envID != e.ID {
		d.load()
	}
}

func (d *discoveryTab) onLoad(ctx ga.Context, ev ga.Event) { d.load() }

func (d *discoveryTab) render() ga.UI {
	e := d.sh.env()
	stale := e != nil && d.envID != e.ID
	mismatches := 0
	for _, c := range d.checks {
		if !c.OK {
			mismatches++
		}
	}
	return ga.Div().ID("discovery").Body(
		ga.H2().Text("Discovery: the environment's metadata"),
		ga.Button().ID("discovery-load").Type("button").Class("primary").Disabled(d.loading || e == nil).
			Text("Fetch and compare").OnClick(d.onLoad),
		ga.If(stale && d.envID != "", func() ga.UI {
			return ga.P().Class("hint").Text("The result below is for another environment: fetch again.")
		}),
		ga.If(d.problem != "", func() ga.UI { return ga.P().ID("discovery-problem").Class("error").Text(d.problem) }),
		ga.If(len(d.checks) > 0, func() ga.UI {
			return ga.Div().Body(
				ga.P().ID("discovery-summary").DataSet("mismatches", mismatches).Textf("%d of %d fields as NGI's profile expects.", len(d.checks)-mismatches, len(d.checks)),
				ga.Table().ID("discovery-checks").Class("params").Body(
					ga.THead().Body(ga.Tr().Body(ga.Th().Text("field"), ga.Th().Text("expected"), ga.Th().Text("served"), ga.Th().Text("verdict"))),
					ga.TBody().Body(ga.Range(d.checks).Slice(func(i int) ga.UI {
						c := d.checks[i]
						return ga.Tr().DataSet("field", c.Field).DataSet("ok", c.OK).Class(classIf("mismatch", !c.OK)).Body(
							ga.Td().Body(ga.Code().Text(c.Field)), ga.Td().Class("value").Text(c.Want), ga.Td().Class("value").Text(c.Got), ga.Td().Text(c.Message),
						)
					})),
				),
			)
		}),
		d.renderKeys(),
		ga.If(d.result != nil && d.result.Response != nil, func() ga.UI {
			return ga.Div().Body(
				ga.H3().Textf("Served document (HTTP %d, %.0f ms)", d.result.Response.Status, d.result.Response.ElapsedMS),
				ga.Pre().ID("discovery-document").Class("code").Text(prettyJSON(d.result.Response.Body)),
			)
		}),
	)
}

// renderKeys lists the environment's signing keys, fetched as for Inspect.
func (d *discoveryTab) renderKeys() ga.UI {
	e := d.sh.env()
	if e == nil {
		return ga.Div()
	}
	k := d.sh.keys[e.ID]
	switch {
	case k == nil || k.loading:
		return ga.P().Class("hint").Text("Fetching the key set…")
	case k.set == nil:
		return ga.P().ID("discovery-keys-problem").Class("error").Text(k.problem)
	}
	return ga.Div().Body(
		ga.H3().Textf("Signing keys (%s)", e.Endpoints.JWKS),
		ga.Table().ID("discovery-keys").Class("params").Body(
			ga.THead().Body(ga.Tr().Body(ga.Th().Text("kid"), ga.Th().Text("kty"), ga.Th().Text("alg"), ga.Th().Text("use"), ga.Th().Text("verdict"))),
			ga.TBody().Body(ga.Range(k.set.Keys).Slice(func(i int) ga.UI {
				key := k.set.Keys[i]
				verdict := "usable for RS256"
				if err := key.CheckRS256(); err != nil {
					verdict = err.Error()
				}
				return ga.Tr().DataSet("kid", key.Kid).Body(ga.Td().Class("value").Text(key.Kid), ga.Td().Text(key.Kty), ga.Td().Text(key.Alg), ga.Td().Text(key.Use), ga.Td().Text(verdict))
			})),
		),
	)
}
