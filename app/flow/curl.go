package flow

import (
	"net/url"
	"sort"
	"strings"
)

// CurlCommand writes a curl command that repeats a token request, with
// $CLIENT_SECRET in place of the secret. jq form-url-encodes the secret, as
// client_secret_basic requires.
func CurlCommand(endpoint, clientID string, form map[string]string) string {
	var b strings.Builder
	b.WriteString("CLIENT_SECRET='...'   # your client secret\n")
	b.WriteString("curl -sS -i -X POST " + shellQuote(endpoint) + " \\\n")
	b.WriteString("  -H \"Authorization: Basic $(printf '%s:%s' " + shellQuote(url.QueryEscape(clientID)) +
		" \"$(jq -rn --arg s \"$CLIENT_SECRET\" '$s|@uri')\" | base64 -w0)\" \\\n")
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

// shellQuote quotes a word for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
