package flow

import (
	"net/url"
	"sort"
	"strings"
)

// CurlCommand writes a curl command that repeats a token request, with
// $CLIENT_SECRET in place of the secret, which a small shell function
// form-url-encodes, as client_secret_basic requires.
func CurlCommand(endpoint, clientID string, form map[string]string) string {
	var b strings.Builder
	b.WriteString("CLIENT_SECRET='...'   # your client secret\n")
	b.WriteString(formURLEncodeFunc)
	b.WriteString("curl -sS -i -X POST " + shellQuote(endpoint) + " \\\n")
	b.WriteString("  -H \"Authorization: Basic $(printf '%s:%s' " + shellQuote(url.QueryEscape(clientID)) +
		" \"$(form_url_encode \"$CLIENT_SECRET\")\" | base64 | tr -d '\\n')\" \\\n")
	b.WriteString("  -H 'Content-Type: application/x-www-form-urlencoded'")
	names := make([]string, 0, len(form))
	for n := range form {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.WriteString(" \\\n  --data-urlencode " + shellQuote(n+"="+form[n]))
	}
	b.WriteString("\n")
	return b.String()
}

// formURLEncodeFunc form-url-encodes a word in any POSIX shell, as
// client_secret_basic wants the secret before base64: no jq, python or
// GNU tool needed.
const formURLEncodeFunc = `form_url_encode() { LC_ALL=C; s=$1; while [ -n "$s" ]; do c=${s%"${s#?}"}; s=${s#?}; case $c in [a-zA-Z0-9._~-]) printf %s "$c";; ' ') printf +;; *) printf %%%02X "'$c";; esac; done; }
`

// shellQuote quotes a word for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
