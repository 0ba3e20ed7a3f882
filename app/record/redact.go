package record

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"authdebug/app/flow"
)

// The one redaction policy of a record. What is secret is flow.IsSecret's
// (one table for the whole tool); here is only how each is left out:
//   - a national id number (pid, ssn, nin) is masked: it is short and
//     guessable, so even its hash would give it away;
//   - any other secret (a code, a token, a verifier, a client secret), and
//     the state and nonce, is replaced by its Fingerprint, the same in every
//     step, so that support can see that the code the callback brought is
//     the one the token request sent;
//   - an ID token keeps its header and claims (pid masked, nonce
//     fingerprinted) and loses its signature;
//   - Authorization and cookies are removed;
//   - a body that is not JSON is not kept, only its size.

// Masked stands in for a national id number.
const Masked = "***********"

// Removed stands in for a header's value.
const Removed = "[removed]"

// correlated are values that are not secrets elsewhere in the tool (a
// reading's link keeps them) but have no place in a ticket.
var correlated = []string{"state", "nonce"}

// Fingerprint is "sha256:" and the first 12 hex digits of the value's hash.
func Fingerprint(v string) string {
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:])[:12]
}

// Value is a named value as a record keeps it.
func Value(name, v string) string {
	switch {
	case v == "":
		return v
	case flow.IsNationalID(name):
		return Masked
	case flow.IsSecret(name) || slices.Contains(correlated, strings.ToLower(name)):
		return Fingerprint(v)
	}
	return v
}

// URL is a URL with each query and fragment parameter redacted by Value.
func URL(raw string) string {
	rest, fragment, hasFragment := strings.Cut(raw, "#")
	base, query, hasQuery := strings.Cut(rest, "?")
	out := base
	if hasQuery {
		out += "?" + Form(query)
	}
	if hasFragment {
		out += "#" + Form(fragment)
	}
	return out
}

// Form is an application/x-www-form-urlencoded text with each value
// redacted by Value, in its order. A part that cannot be read is dropped.
func Form(body string) string {
	var parts []string
	for _, part := range strings.Split(body, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		n, err1 := url.QueryUnescape(name)
		v, err2 := url.QueryUnescape(value)
		if err1 != nil || err2 != nil {
			parts = append(parts, "[unreadable]")
			continue
		}
		// ':' may stand in a query (RFC 3986): a fingerprint stays readable.
		parts = append(parts, url.QueryEscape(n)+"="+strings.ReplaceAll(url.QueryEscape(Value(n, v)), "%3A", ":"))
	}
	return strings.Join(parts, "&")
}

// Headers are headers with credentials and cookies removed and other
// secret-named ones redacted.
func Headers(hs []flow.Header) []flow.Header {
	out := make([]flow.Header, 0, len(hs))
	for _, h := range hs {
		switch n := strings.ToLower(h.Name); {
		case n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "set-cookie":
			h.Value = Removed
		default:
			h.Value = Value(h.Name, h.Value)
		}
		out = append(out, h)
	}
	return out
}

// Body is a response or request body as a record keeps it: JSON with every
// field redacted by Value (an id_token opened, its signature dropped), a
// form redacted by Form; anything else only said by its size.
func Body(contentType, body string) string {
	trimmed := strings.TrimSpace(body)
	switch {
	case trimmed == "":
		return ""
	case strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "["):
		var v any
		if json.Unmarshal([]byte(trimmed), &v) == nil {
			b, _ := json.MarshalIndent(redactJSON("", v), "", "  ")
			return string(b)
		}
	case strings.Contains(contentType, "x-www-form-urlencoded"):
		return Form(trimmed)
	}
	return fmt.Sprintf("[a %s body of %d bytes, not kept]", cmp.Or(contentType, "non-JSON"), len(body))
}

func redactJSON(name string, v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, inner := range v {
			out[k] = redactJSON(k, inner)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, inner := range v {
			out[i] = redactJSON(name, inner)
		}
		return out
	case string:
		if strings.EqualFold(name, "id_token") {
			if opened, ok := OpenJWT(v); ok {
				return opened
			}
		}
		return Value(name, v)
	case json.Number, float64:
		if flow.IsNationalID(name) {
			return Masked
		}
	}
	return v
}

// OpenJWT is a JWT's header and claims, redacted, without its signature.
func OpenJWT(raw string) (map[string]any, bool) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, false
	}
	var header, claims map[string]any
	for i, into := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, into) != nil {
			return nil, false
		}
	}
	return map[string]any{"header": redactJSON("", header), "claims": redactJSON("", claims), "signature": "dropped"}, true
}
