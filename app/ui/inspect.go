package ui

import (
	"strconv"
	"strings"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/token"
)

// inspectState is the Inspect tab: what is pasted and the keys fetched to
// verify it. Tokens are decoded here, in the browser; only the environment id
// goes to the server, to fetch its keys.
type inspectState struct {
	input     string
	pending   *flow.PendingRequest // the request the token answers, for the nonce
	revealPID bool
	keys      map[string]*keyState // by environment id
}

type keyState struct {
	loading bool
	set     *token.JWKS
	problem string
}

func (in *inspectState) setInput(v string, pending *flow.PendingRequest) {
	in.input, in.pending, in.revealPID = v, pending, false
}

// ensureKeys fetches the chosen environment's JWKS through the relay once.
func (s *Shell) ensureKeys(ctx ga.Context) {
	e := s.env()
	if e == nil || !s.mounted {
		return
	}
	if s.inspect.keys == nil {
		s.inspect.keys = map[string]*keyState{}
	}
	if k := s.inspect.keys[e.ID]; k != nil && (k.loading || k.set != nil) {
		return
	}
	k := &keyState{loading: true}
	s.inspect.keys[e.ID] = k
	relayAPI(ctx, "GET", "/api/jwks?env="+e.ID, nil, func(ctx ga.Context, res *flow.RelayResult, problem string) {
		k.loading = false
		switch {
		case problem != "":
			k.problem = problem
		case res.Error != nil:
			k.problem = "The keys could not be fetched: " + res.Error.Message
		case res.Response.Status != 200:
			k.problem = "The key set answered HTTP " + strconv.Itoa(res.Response.Status) + "."
		default:
			set, err := token.ParseJWKS([]byte(res.Response.Body))
			if err != nil {
				k.problem = err.Error()
				return
			}
			k.set = &set
		}
	})
}

func (s *Shell) renderInspect() ga.UI {
	in := token.Read(s.inspect.input)
	return ga.Div().ID("inspect").Body(
		ga.H2().Text("Inspect a token"),
		ga.P().Class("hint").Text("Paste a JWT, an opaque token or a token response. It is decoded in this page and never sent anywhere; verifying fetches only the environment's public keys."),
		ga.Textarea().ID("inspect-input").Rows(4).Spellcheck(false).Attr("value", s.inspect.input).
			OnInput(func(ctx ga.Context, e ga.Event) {
				s.inspect.setInput(ctx.JSSrc().Get("value").String(), nil)
				s.ensureKeys(ctx)
			}),
		ga.Div().ID("inspect-result").DataSet("kind", string(in.Kind)).Body(s.renderInput(in)),
	)
}

func (s *Shell) renderInput(in token.Input) ga.UI {
	switch in.Kind {
	case token.KindEmpty:
		return ga.P().Class("hint").Text("Nothing pasted yet. A token response from the Token tab lands here by itself.")
	case token.KindUnknown:
		return ga.P().ID("inspect-problem").Class("error").Text(in.Problem)
	}
	var parts []ga.UI
	if in.AccessToken != "" {
		parts = append(parts, ga.H3().Text("Access token"), s.renderAccessToken(in.AccessToken))
	}
	if in.Response != nil {
		if exp, ok := in.Response["expires_in"].(float64); ok {
			parts = append(parts, ga.P().Class("hint").Textf("expires_in %.0f s; scope %q", exp, in.Response["scope"]))
		}
	}
	if in.IDToken != "" {
		parts = append(parts, ga.H3().Text("ID token"), s.renderIDToken(in.IDToken, in.AccessToken))
	}
	return ga.Div().Body(parts...)
}

func (s *Shell) renderAccessToken(raw string) ga.UI {
	if token.LooksOpaque(raw) {
		o := token.DescribeOpaque(raw)
		return ga.Div().ID("opaque-token").Body(
			ga.P().Body(ga.Code().Class("value").Text(raw)),
			ga.P().Textf("Opaque: this is %s in Hydra's form (two base64url parts joined by a dot). It is a reference, not a JWT: nothing about the person, the scope or the expiry can be read from it. Only the server knows; ask it with token introspection, or use the expires_in and scope of the token response.", o.What),
		)
	}
	if strings.Count(raw, ".") == 2 {
		d, err := token.Decode(raw)
		if err != nil {
			return ga.P().Class("error").Text("A JWT that cannot be decoded: " + err.Error() + ".")
		}
		return ga.Div().Body(ga.P().Text("A JWT access token: its claims, not verified."), claimTable("access-claims", d, true, s.copyButton))
	}
	return ga.P().Body(ga.Code().Text(raw), ga.Text(" — neither a JWT nor Hydra's opaque form."))
}

func (s *Shell) renderIDToken(raw, accessToken string) ga.UI {
	d, err := token.Decode(raw)
	if err != nil {
		return ga.Div().ID("id-token-check").DataSet("signature", "invalid").Body(
			ga.P().ID("decode-error").Class("error").Text("This ID token cannot be decoded: " + err.Error() + "."),
		)
	}
	x := token.Expect{ClientID: s.clientID, AccessToken: accessToken, Now: time.Now(), KeysProblem: "Choose an environment to fetch its keys."}
	if e := s.env(); e != nil {
		x.Issuer = e.Issuer
		k := s.inspect.keys[e.ID]
		switch {
		case k == nil, k.loading:
			x.KeysProblem = "Fetching " + e.Label + "'s keys…"
		case k.set != nil:
			x.Keys = k.set
		default:
			x.KeysProblem = k.problem
		}
	}
	x.Nonce = s.expectedNonce(d)
	v := token.VerifyIDToken(raw, d, x)
	return ga.Div().Body(
		ga.H4().Text("Header"),
		headerTable(d),
		ga.H4().Text("Claims"),
		s.claimTableWithPID(d),
		ga.H4().Text("Verification"),
		ga.Div().ID("id-token-check").Class("checks", string(v.Signature)).DataSet("signature", string(v.Signature)).Body(
			ga.P().Body(ga.Strong().Text("Signature: "), ga.Span().Class("verdict").Text(string(v.Signature))),
			ga.Ul().Body(ga.Range(v.Checks).Slice(func(i int) ga.UI {
				c := v.Checks[i]
				return ga.Li().Class(string(c.Result)).DataSet("check", c.Name).DataSet("result", string(c.Result)).Body(
					ga.Code().Text(c.Name), ga.Span().Class("level").Text(" "+string(c.Result)+" "), ga.Text(c.Reason),
				)
			})),
			ga.P().Class("hint").Body(
				ga.Textf("Clock skew allowed for exp and iat: %s. Keys rotated? ", token.ClockSkew),
				ga.Button().ID("refetch-keys").Type("button").Class("small").Text("Fetch the keys again").OnClick(func(ctx ga.Context, e ga.Event) {
					if env := s.env(); env != nil {
						delete(s.inspect.keys, env.ID)
						s.ensureKeys(ctx)
					}
				}),
			),
		),
	)
}

// expectedNonce is the nonce of the request the token answers: the one handed
// over by the Token tab, else a pending request with the token's nonce.
func (s *Shell) expectedNonce(d *token.Decoded) string {
	if p := s.inspect.pending; p != nil {
		return p.Nonce
	}
	got, _ := d.Claim("nonce")
	for _, p := range s.pending {
		if p.Nonce != "" && p.Nonce == got {
			return p.Nonce
		}
	}
	return ""
}

func headerTable(d *token.Decoded) ga.UI {
	var rows []ga.UI
	for _, k := range []string{"alg", "kid", "typ"} {
		if v, ok := d.Header[k]; ok {
			rows = append(rows, ga.Tr().Body(ga.Th().Text(k), ga.Td().Textf("%v", v)))
		}
	}
	return ga.Table().ID("jwt-header").Class("params").Body(ga.TBody().Body(rows...))
}

func (s *Shell) claimTableWithPID(d *token.Decoded) ga.UI {
	return claimTable("jwt-claims", d, s.inspect.revealPID, s.copyButton, ga.Button().ID("reveal-pid").Type("button").Class("small").
		Text(map[bool]string{true: "Hide", false: "Reveal"}[s.inspect.revealPID]).
		OnClick(func(ctx ga.Context, e ga.Event) { s.inspect.revealPID = !s.inspect.revealPID }))
}

// claimTable shows every claim; pid is masked unless revealed.
func claimTable(id string, d *token.Decoded, revealPID bool, copy func(id, sourceID string) ga.UI, pidButton ...ga.UI) ga.UI {
	now := time.Now()
	return ga.Table().ID(id).Class("params").Body(
		ga.THead().Body(ga.Tr().Body(ga.Th().Text("claim"), ga.Th().Text("value"), ga.Th().Text("meaning"))),
		ga.TBody().Body(ga.Range(d.Claims).Slice(func(i int) ga.UI {
			c := d.Claims[i]
			value := []ga.UI{ga.Span().Class("claim-value").Text(c.Text)}
			switch {
			case !c.Time.IsZero():
				value = append(value, ga.Span().Class("hint").Textf(" = %s, %s", c.Time.Local().Format("2006-01-02 15:04:05"), token.Relative(c.Time, now)))
			case c.Name == "pid" && !revealPID:
				value = []ga.UI{ga.Span().Class("claim-value", "masked").Text(mask(c.Text))}
			}
			if c.Name == "pid" {
				value = append(value, pidButton...)
			}
			if c.Name == "consent_id" {
				value = []ga.UI{ga.Span().ID(id + "-consent-id").Class("claim-value").Text(c.Text), copy("copy-consent-id", id+"-consent-id")}
			}
			meaning := c.Known
			if meaning == "" {
				meaning = "not a claim this tool knows"
			}
			return ga.Tr().DataSet("claim", c.Name).Body(ga.Td().Body(ga.Code().Text(c.Name)), ga.Td().Class("value").Body(value...), ga.Td().Class("hint").Text(meaning))
		})),
	)
}

func mask(s string) string {
	return strings.Repeat("•", len([]rune(s))) + " (hidden)"
}
