package flow

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"authdebug/app/ngi"
)

// IsSecret decides, in one place, what is secret: what is never kept at
// rest (localStorage, history), never put in a log, a share link, a ticket's
// Markdown, a bundle or a report, unless the person asks for the raw value.
// name is a parameter, form field, JSON field, header or claim name, in any
// case. Secrets: credentials (client secrets, PKCE verifiers, assertions,
// passwords, Authorization), what buys a token (codes, refresh tokens),
// tokens themselves, and national id numbers (pid, ssn, fødselsnummer).
func IsSecret(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	return slices.Contains(secretNames, n) || strings.HasSuffix(n, "_token") || strings.HasSuffix(n, "_secret") || IsNationalID(n)
}

// IsNationalID says whether a field by this name holds a national id
// number. It is a secret too; unlike a code or a token it is short and
// guessable, so it is masked, never fingerprinted.
func IsNationalID(name string) bool {
	return slices.Contains(nationalIDNames, strings.ToLower(strings.TrimSpace(name)))
}

var nationalIDNames = []string{"pid", "ssn", "fodselsnummer", "fødselsnummer", "nin", "personidentifikator"}

var secretNames = []string{
	"code", "code_verifier", "client_secret", "client_assertion", "assertion", "password", "token",
	"access_token", "refresh_token", "id_token", "authorization", "proxy-authorization", "cookie", "set-cookie",
}

// Shareable is the reading as a URL that may be kept or shared: its base
// and the parameters it carried, with every secret one replaced by
// "not-kept" (the code too, unless withCode). Built from the reading, not
// by editing the pasted text, so a repaired paste leaks nothing; "" when
// the text is not a callback.
func (c Callback) Shareable(withCode bool) string {
	if c.Outcome == OutcomeInvalid {
		return ""
	}
	var q []string
	for _, p := range c.Params {
		v := p.Value
		if IsSecret(p.Name) && !(withCode && p.Name == "code") {
			v = NotKept
		}
		q = append(q, url.QueryEscape(p.Name)+"="+url.QueryEscape(v))
	}
	sep := "?"
	switch c.Mode {
	case ngi.ResponseModeFragment:
		sep = "#"
	case ngi.ResponseModeFormPost:
		sep = "#"
		q = append(q, FormPostMarker+"=form_post")
	}
	base := c.Base
	if own := ownQuery(c.Query); own != "" && sep == "#" {
		base += "?" + own
	}
	return base + sep + strings.Join(q, "&")
}

// NotKept stands in for a secret value that was left out.
const NotKept = "not-kept"

// ownQuery is the redirect URI's own query parameters, when the callback's
// parameters came in the fragment.
func ownQuery(query string) string {
	ps, _ := parseParams(query)
	var own []string
	for _, p := range ps {
		if v := p.Value; !slices.Contains(callbackParams, p.Name) {
			if IsSecret(p.Name) {
				v = NotKept
			}
			own = append(own, url.QueryEscape(p.Name)+"="+url.QueryEscape(v))
		}
	}
	return strings.Join(own, "&")
}

// RedactJSON hides, in a JSON text, the value of every field IsSecret names
// (tokens, pid, ssn…), wherever it appears, and keeps the rest as written:
// what a response pane shows and copies for a ticket. A text that is not
// JSON comes back as it is.
func RedactJSON(body string) string {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return body
	}
	secrets := map[string]bool{}
	collectSecrets(v, secrets)
	for s := range secrets {
		quoted, _ := json.Marshal(s)
		body = strings.ReplaceAll(body, string(quoted), `"`+Hidden(s)+`"`)
	}
	return body
}

// Hidden stands in for a secret value: its length, nothing of it.
func Hidden(s string) string { return fmt.Sprintf("[hidden: %d characters]", len([]rune(s))) }

func collectSecrets(v any, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, inner := range v {
			if s, ok := inner.(string); ok && IsSecret(k) && s != "" {
				into[s] = true
			}
			collectSecrets(inner, into)
		}
	case []any:
		for _, inner := range v {
			collectSecrets(inner, into)
		}
	}
}
