// Package token inspects tokens, pure: it tells opaque tokens from JWTs,
// decodes JWTs, and verifies ID tokens against a JWKS and the request they
// answer. It does no I/O; the caller hands it keys and the time.
package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// Kind is what a pasted text is.
type Kind string

// The kinds of input the Inspect tab reads.
const (
	KindEmpty    Kind = "empty"
	KindJWT      Kind = "jwt"
	KindOpaque   Kind = "opaque"
	KindResponse Kind = "response" // a token response JSON
	KindUnknown  Kind = "unknown"
)

// Input is a pasted text read into its tokens.
type Input struct {
	Kind        Kind
	AccessToken string
	IDToken     string
	Response    map[string]any // the token response, for KindResponse
	Problem     string         // why it could not be read, for KindUnknown
}

// Read tells what a pasted text is: a token response, a JWT or an opaque
// token. An Authorization header's "Bearer " is taken off.
func Read(raw string) Input {
	raw = strings.TrimSpace(raw)
	if scheme, rest, ok := strings.Cut(raw, " "); ok && strings.EqualFold(scheme, "Bearer") {
		raw = strings.TrimSpace(rest)
	}
	switch {
	case raw == "":
		return Input{Kind: KindEmpty}
	case strings.HasPrefix(raw, "{"):
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return Input{Kind: KindUnknown, Problem: "This looks like JSON but cannot be read: " + err.Error() + "."}
		}
		in := Input{Kind: KindResponse, Response: m}
		in.AccessToken, _ = m["access_token"].(string)
		in.IDToken, _ = m["id_token"].(string)
		if in.AccessToken == "" && in.IDToken == "" {
			return Input{Kind: KindUnknown, Problem: "This JSON has neither access_token nor id_token: it is not a token response."}
		}
		return in
	case FormOf(raw) == FormJWT:
		return Input{Kind: KindJWT, IDToken: raw}
	case looksLikeCutJWT(raw):
		return Input{Kind: KindUnknown, Problem: "This is the start of a JWT cut short: its header reads as JSON, but it has two parts where a JWT has three. Copy the whole token; a log or a terminal may have truncated it."}
	case FormOf(raw) == FormOpaque:
		return Input{Kind: KindOpaque, AccessToken: raw}
	}
	return Input{Kind: KindUnknown, Problem: "This is neither a JWT (three base64url parts joined by dots), nor a Hydra opaque token (two parts), nor a token response JSON."}
}

// Form is the shape of a token string.
type Form string

// The forms a token comes in.
const (
	FormJWT    Form = "jwt"    // three base64url parts joined by dots
	FormOpaque Form = "opaque" // Hydra's reference token: two parts
	FormOther  Form = "other"
)

// FormOf tells a JWT from Hydra's opaque form by its parts.
func FormOf(raw string) Form {
	switch {
	case strings.Count(raw, ".") == 2:
		return FormJWT
	case LooksOpaque(raw):
		return FormOpaque
	}
	return FormOther
}

// looksLikeCutJWT reports a text whose first part decodes as a JWT header:
// a JWT that lost its last part, not Hydra's opaque token.
func looksLikeCutJWT(raw string) bool {
	first, _, _ := strings.Cut(raw, ".")
	header, err := base64.RawURLEncoding.DecodeString(first)
	var h map[string]any
	return err == nil && json.Unmarshal(header, &h) == nil && h["alg"] != nil
}

// Opaque describes a Hydra opaque token.
type Opaque struct {
	Prefix string // ory_at_, ory_rt_, ory_ac_ or ""
	What   string
}

// LooksOpaque reports whether s has Hydra's opaque shape: two base64url parts
// joined by a dot, optionally prefixed ory_at_ / ory_rt_ / ory_ac_.
func LooksOpaque(s string) bool {
	_, rest := cutOryPrefix(s)
	a, b, ok := strings.Cut(rest, ".")
	return ok && isBase64URL(a) && isBase64URL(b) && a != "" && b != ""
}

// DescribeOpaque says what can and cannot be known from an opaque token.
func DescribeOpaque(s string) Opaque {
	prefix, _ := cutOryPrefix(s)
	what := map[string]string{
		ngi.PrefixAccess:  "an access token",
		ngi.PrefixRefresh: "a refresh token",
		ngi.PrefixCode:    "an authorization code",
		"":                "a token (older Hydra versions give no prefix saying which kind)",
	}[prefix]
	return Opaque{Prefix: prefix, What: what}
}

func cutOryPrefix(s string) (string, string) {
	for _, p := range []string{ngi.PrefixAccess, ngi.PrefixRefresh, ngi.PrefixCode} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return p, rest
		}
	}
	return "", s
}

func isBase64URL(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Claim is one claim of a JWT, with a readable value.
type Claim struct {
	Name  string
	Value any
	Text  string    // the value as shown
	Time  time.Time // for time claims (exp, iat, nbf, auth_time)
	Known string    // what the claim means; empty for claims this tool does not know
}

// Decoded is a JWT split into its parts, not verified.
type Decoded struct {
	Header map[string]any
	Claims []Claim
	// Parts are the three parts as written; HeaderJSON and PayloadJSON the
	// first two decoded, indented.
	Parts                   [3]string
	HeaderJSON, PayloadJSON string
	// Unsigned is a token with no signature (alg none): decoded to be read,
	// never to be trusted.
	Unsigned bool
	claims   jwt.MapClaims
}

// Claim returns a claim's raw value.
func (d *Decoded) Claim(name string) (any, bool) {
	v, ok := d.claims[name]
	return v, ok
}

var knownClaims = map[string]string{
	"iss":        "issuer: who made the token",
	"sub":        "subject: NGI's pairwise id of the person; do not store it",
	"aud":        "audience: the client ids the token is for",
	"exp":        "expires at",
	"iat":        "issued at",
	"nbf":        "not valid before",
	"auth_time":  "when the person logged in",
	"nonce":      "the nonce of the authorize request, echoed",
	"at_hash":    "a hash of the access token issued with it",
	"pid":        "the person's national identity number: personal data",
	"consent_id": "the consent's id: with a client-credentials token, GET /v1/debt/{consent_id}",
	"jti":        "the token's unique id",
	"rat":        "when the authorization was requested",
	"sid":        "the login session id",
	"amr":        "how the person authenticated",
	"acr":        "the level of assurance of the login",
}

var timeClaims = map[string]bool{"exp": true, "iat": true, "nbf": true, "auth_time": true, "rat": true}

// Decode splits a JWT into header and claims without verifying it, with a
// plain reason when it is not a well-formed JWT.
func Decode(raw string) (*Decoded, error) {
	raw = strings.TrimSpace(raw)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("a JWT has three parts joined by dots; this has %d", len(parts))
	}
	for i, name := range []string{"header", "claims", "signature"} {
		if _, err := base64.RawURLEncoding.DecodeString(parts[i]); err != nil {
			return nil, fmt.Errorf("the %s part is not valid base64url (%v): the token may be truncated or mangled", name, err)
		}
	}
	claims := jwt.MapClaims{}
	t, _, err := jwt.NewParser(jwt.WithJSONNumber()).ParseUnverified(raw, claims)
	if err != nil {
		return nil, fmt.Errorf("the token cannot be decoded: %v", err)
	}
	d := &Decoded{Header: t.Header, claims: claims, Parts: [3]string(parts), Unsigned: parts[2] == ""}
	d.HeaderJSON, d.PayloadJSON = indentedPart(parts[0]), indentedPart(parts[1])
	names := make([]string, 0, len(claims))
	for n := range claims {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		_, ki := knownClaims[names[i]]
		_, kj := knownClaims[names[j]]
		if ki != kj {
			return ki
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		c := Claim{Name: n, Value: claims[n], Known: knownClaims[n]}
		c.Text = show(claims[n])
		if timeClaims[n] {
			if num, ok := claims[n].(json.Number); ok {
				if f, err := num.Float64(); err == nil {
					c.Time = time.Unix(int64(f), 0).UTC()
				}
			}
		}
		d.Claims = append(d.Claims, c)
	}
	return d, nil
}

// indentedPart decodes a base64url JSON part and indents it.
func indentedPart(part string) string {
	raw, _ := base64.RawURLEncoding.DecodeString(part)
	var out bytes.Buffer
	if json.Indent(&out, raw, "", "  ") != nil {
		return string(raw)
	}
	return out.String()
}

func show(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// Relative writes a time relative to now, the way a person says it.
func Relative(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d > 0:
		return "in " + span(d)
	case d < 0:
		return span(-d) + " ago"
	}
	return "now"
}

func span(d time.Duration) string { return flow.Age(d) }
