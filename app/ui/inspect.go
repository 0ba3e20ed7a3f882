package ui

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/record"
	"authdebug/app/token"
)

// inspectTab decodes what is pasted, in the browser, and verifies ID tokens
// against the environment's keys; only the environment id goes to the
// server, to fetch its keys.
type inspectTab struct {
	sh *shared

	input     string
	pending   *flow.PendingRequest // the request the token answers, for the nonce
	revealPID bool
	taken     *responseHandoff // the last token response handed over by the Token tab

	// The last verification and what it was made from: the page re-renders
	// every second for the relative times, and verifying is not free.
	verified      token.Verification
	verifiedFrom  token.Expect
	verifiedRaw   string
	verifiedKeys  *token.JWKS
	verifiedAt    time.Time
	verifications int // how many were made, for tests
}

// keyState is one environment's signing keys as fetched.
type keyState struct {
	loading bool
	set     *token.JWKS
	problem string
}

func (in *inspectTab) setInput(v string, pending *flow.PendingRequest) {
	in.input, in.pending, in.revealPID = v, pending, false
}

func (in *inspectTab) setUp(s *Shell)           { in.sh = &s.sh }
func (in *inspectTab) open(*url.URL, time.Time) {}

// arrive shows the Token tab's last ID token and fetches the keys to verify it.
func (in *inspectTab) arrive() {
	in.take(in.sh.response)
	in.sh.ensureKeys()
}

func (in *inspectTab) fields() map[string]string { return map[string]string{"inspect-input": in.input} }

// take shows the Token tab's last response with an ID token, once.
func (in *inspectTab) take(h *responseHandoff) {
	if h == nil || h == in.taken {
		return
	}
	in.taken = h
	in.setInput(h.body, h.pending)
}

// ensureKeys fetches the chosen environment's JWKS through the relay once.
func (sh *shared) ensureKeys() {
	e := sh.env()
	if e == nil || !sh.online() {
		return
	}
	if sh.keys == nil {
		sh.keys = map[string]*keyState{}
	}
	// Once asked, the keys are not asked again by themselves, even after a
	// failure: every answer that lands runs this again (Shell.arrive), and
	// a failing key set would be fetched in a loop. "Fetch the keys again"
	// asks anew (refetchKeys).
	if k := sh.keys[e.ID]; k != nil {
		return
	}
	k := &keyState{loading: true}
	sh.keys[e.ID] = k
	sh.relay("GET", "/api/jwks?env="+e.ID, nil, func(res *flow.RelayResult, problem string) {
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

// refetchKeys forgets the environment's keys and fetches them again (rotation).
func (sh *shared) refetchKeys() {
	if e := sh.env(); e != nil {
		delete(sh.keys, e.ID)
		sh.ensureKeys()
	}
}

func (in *inspectTab) onInput(ctx ga.Context, e ga.Event) {
	in.setInput(ctx.JSSrc().Get("value").String(), nil)
	in.sh.ensureKeys()
}

func (in *inspectTab) onRevealPID(ctx ga.Context, e ga.Event)   { in.revealPID = !in.revealPID }
func (in *inspectTab) onRefetchKeys(ctx ga.Context, e ga.Event) { in.sh.refetchKeys() }

func (in *inspectTab) render() ga.UI {
	read := token.Read(in.input)
	return ga.Div().ID("inspect").Body(
		ga.H2().Text("Inspect a token"),
		ga.Label().For("inspect-input").Class("hint").Text("Paste a JWT, an opaque token or a token response. It is decoded in this page and never sent anywhere; verifying fetches only the environment's public keys."),
		ga.Textarea().ID("inspect-input").Rows(4).Spellcheck(false).Attr("value", in.input).OnInput(in.onInput),
		ga.Div().ID("inspect-result").Attr("aria-live", "polite").DataSet("kind", string(read.Kind)).Body(in.renderInput(read)),
	)
}

func (in *inspectTab) renderInput(read token.Input) ga.UI {
	switch read.Kind {
	case token.KindEmpty:
		return ga.P().Class("hint").Text("Nothing pasted yet. A token response from the Token tab lands here by itself.")
	case token.KindUnknown:
		return ga.P().ID("inspect-problem").Class("error").Text(read.Problem)
	}
	var parts []ga.UI
	if read.AccessToken != "" {
		parts = append(parts, ga.H3().Text("Access token"), in.renderAccessToken(read.AccessToken))
	}
	if read.Response != nil {
		if exp, ok := read.Response["expires_in"].(float64); ok {
			parts = append(parts, ga.P().Class("hint").Textf("expires_in %.0f s; scope %q", exp, read.Response["scope"]))
		}
	}
	if read.IDToken != "" {
		parts = append(parts, ga.H3().Text("ID token"), in.renderIDToken(read.IDToken, read.AccessToken))
	}
	return ga.Div().Body(parts...)
}

func (in *inspectTab) renderAccessToken(raw string) ga.UI {
	switch token.FormOf(raw) {
	case token.FormOpaque:
		o := token.DescribeOpaque(raw)
		return ga.Div().ID("opaque-token").Body(
			ga.P().Body(ga.Code().Class("value").Text(raw)),
			ga.P().Textf("Opaque: this is %s in Hydra's form (two base64url parts joined by a dot). It is a reference, not a JWT: nothing about the person, the scope or the expiry can be read from it. Only the server knows; ask it with token introspection, or use the expires_in and scope of the token response.", o.What),
		)
	case token.FormJWT:
		d, err := token.Decode(raw)
		if err != nil {
			return ga.P().Class("error").Text("A JWT that cannot be decoded: " + err.Error() + ".")
		}
		return ga.Div().Body(ga.P().Text("A JWT access token: its claims, not verified."), claimTable("access-claims", d, true, in.sh.copyButton))
	}
	return ga.P().Body(ga.Code().Text(raw), ga.Text(" — neither a JWT nor Hydra's opaque form."))
}

// expect is what the ID token is checked against, now.
func (in *inspectTab) expect(d *token.Decoded, accessToken string, now time.Time) (token.Expect, *token.JWKS) {
	x := token.Expect{ClientID: in.sh.clientID, AccessToken: accessToken, Now: now, KeysProblem: "Choose an environment to fetch its keys."}
	var keys *token.JWKS
	if e := in.sh.env(); e != nil {
		x.Issuer = e.Issuer
		k := in.sh.keys[e.ID]
		switch {
		case k == nil, k.loading:
			x.KeysProblem = "Fetching " + e.Label + "'s keys…"
		case k.set != nil:
			x.Keys, keys, x.KeysProblem = k.set, k.set, ""
		default:
			x.KeysProblem = k.problem
		}
	}
	x.Nonce = in.expectedNonce(d)
	return x, keys
}

// verify checks the ID token when it, the keys or what it is checked against
// changed, or when a time check may have changed its verdict.
func (in *inspectTab) verify(raw string, d *token.Decoded, x token.Expect, keys *token.JWKS) token.Verification {
	same := raw == in.verifiedRaw && keys == in.verifiedKeys && in.verifications > 0 &&
		x.ClientID == in.verifiedFrom.ClientID && x.Issuer == in.verifiedFrom.Issuer && x.Nonce == in.verifiedFrom.Nonce &&
		x.AccessToken == in.verifiedFrom.AccessToken && x.KeysProblem == in.verifiedFrom.KeysProblem
	if same && !token.TimeVerdictsChanged(d, in.verifiedAt, x.Now) {
		return in.verified
	}
	in.verified = token.VerifyIDToken(raw, d, x)
	in.verifiedFrom, in.verifiedRaw, in.verifiedKeys, in.verifiedAt = x, raw, keys, x.Now
	in.verifications++
	// The verdict on the ID token the Token tab got goes on its step of the run.
	if in.taken != nil && in.input == in.taken.body && in.verified.Signature != token.SignatureUnverified {
		f := flow.Finding{Level: flow.LevelInfo, Field: "id_token", Message: "Inspect: the ID token's signature is valid and every check passed."}
		if failed := in.verified.Failed(); len(failed) > 0 || in.verified.Signature != token.SignatureValid {
			f = flow.Finding{Level: flow.LevelError, Field: "id_token", Message: "Inspect: the ID token failed " + strings.Join(append([]string{"signature: " + string(in.verified.Signature)}, failed...), ", ") + "."}
		}
		in.sh.noteOnRun(record.KindToken, f)
	}
	return in.verified
}

func (in *inspectTab) renderIDToken(raw, accessToken string) ga.UI {
	d, err := token.Decode(raw)
	if err != nil {
		return ga.Div().ID("id-token-check").DataSet("signature", "invalid").Body(
			ga.P().ID("decode-error").Class("error").Text("This ID token cannot be decoded: " + err.Error() + "."),
		)
	}
	x, keys := in.expect(d, accessToken, time.Now())
	v := in.verify(raw, d, x, keys)
	return ga.Div().Body(
		ga.If(d.Unsigned, func() ga.UI {
			return ga.P().ID("jwt-unsigned").Class("banner").Text("Unsigned: this token has no signature (alg none, or its signature was cut off). It is shown to be read; anyone could have written it, so nothing in it can be trusted.")
		}),
		in.renderRaw(d),
		ga.H4().Text("Header"),
		headerTable(d),
		ga.H4().Text("Claims"),
		claimTable("jwt-claims", d, in.revealPID, in.sh.copyButton, ga.Button().ID("reveal-pid").Type("button").Class("small").
			Text(map[bool]string{true: "Hide", false: "Reveal"}[in.revealPID]).OnClick(in.onRevealPID)),
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
				ga.Button().ID("refetch-keys").Type("button").Class("small").Text("Fetch the keys again").OnClick(in.onRefetchKeys),
			),
		),
	)
}

// renderRaw shows the token as jwt.io does: its three parts coloured, and
// the header and payload as indented JSON, each ready to copy.
func (in *inspectTab) renderRaw(d *token.Decoded) ga.UI {
	payload := d.PayloadJSON
	if pid, ok := d.Claim("pid"); ok && !in.revealPID {
		if s, ok := pid.(string); ok && s != "" {
			payload = strings.ReplaceAll(payload, s, mask(s))
		}
	}
	return ga.Details().ID("jwt-raw").Body(
		ga.Summary().Text("Raw: the three parts, and the JSON inside"),
		ga.Pre().Class("code", "jwt").Body(
			ga.Span().Class("jwt-header").Text(d.Parts[0]), ga.Text("."),
			ga.Span().Class("jwt-payload").Text(d.Parts[1]), ga.Text("."),
			ga.Span().Class("jwt-signature").Text(d.Parts[2]),
		),
		ga.H4().Body(ga.Text("Header (JSON)"), in.sh.copyButton("copy-jwt-header", "jwt-header-json")),
		ga.Pre().ID("jwt-header-json").Class("code", "jwt-header").Text(d.HeaderJSON),
		ga.H4().Body(ga.Text("Payload (JSON)"), in.sh.copyButton("copy-jwt-payload", "jwt-payload-json")),
		ga.Pre().ID("jwt-payload-json").Class("code", "jwt-payload").Text(payload),
	)
}

// expectedNonce is the nonce of the request the token answers: the one handed
// over by the Token tab, else a pending request with the token's nonce.
func (in *inspectTab) expectedNonce(d *token.Decoded) string {
	if p := in.pending; p != nil {
		return p.Nonce
	}
	got, _ := d.Claim("nonce")
	for _, p := range in.sh.pending {
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
				value = append(value, ga.Span().Class("hint").Textf(" = %s, %s", c.Time.Local().Format("2006-01-02 15:04:05 MST (-07:00)"), token.Relative(c.Time, now)))
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
