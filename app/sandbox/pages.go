package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// The sandbox's pages are plain server-rendered HTML styled with the tool's
// stylesheet; they work with scripts off.
var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · NGI sandbox</title><link rel="stylesheet" href="/web/style.css"><link rel="icon" href="/web/icon.svg"></head>
<body class="sandbox"><header class="top"><span class="brand"><img src="/web/icon.svg" alt=""> NGI sandbox</span>
<span class="tagline">A stand-in for access.norskgjeld.no, built into authdebug. Nothing here is real.</span></header><main class="tab">{{end}}

{{define "consent"}}{{template "head" "Consent"}}
<h2>{{.Client}} asks to see your unsecured debt</h2>
<table class="params" id="consent-request"><tbody>
<tr><th>client</th><td><code>{{.Client}}</code></td></tr>
<tr><th>purpose</th><td><code>{{.Scope}}</code>: {{.Purpose}}</td></tr>
<tr><th>duration</th><td id="consent-duration">{{.Duration}}</td></tr>
<tr><th>ID token</th><td>{{if .OpenID}}yes (openid){{else}}no{{end}}</td></tr>
<tr><th>returns to</th><td><code>{{.Redirect}}</code> in the {{if .Fragment}}fragment (#){{else}}query (?){{end}}</td></tr>
</tbody></table>
<form method="post" action="{{.Action}}" class="consent">
<input type="hidden" name="request" value="{{.ID}}">
<label for="person">Log in as test person</label>
<select id="person" name="person">{{range .Persons}}<option value="{{.}}">{{.}}</option>{{end}}</select>
<p class="hint">Pick the outcome to send back; each is one NGI can give.</p>
<div class="row">
<button id="approve" class="primary" name="action" value="approve">Approve: share my debt</button>
<button id="deny" name="action" value="deny">Deny (consent_denied)</button>
<button id="cancel-login" name="action" value="cancel-login">Cancel login (login_cancelled)</button>
<button id="server-error" name="action" value="server-error">Simulate server_error</button>
</div></form></main></body></html>{{end}}

{{define "error"}}{{template "head" .Title}}
<h2 id="sandbox-error">{{.Title}}</h2>
<p>{{.Message}}</p>
{{if .Registered}}<h3>Registered redirect URIs of this client</h3><ul id="registered">{{range .Registered}}<li><code>{{.}}</code></li>{{end}}</ul>
{{if .Diff}}<h3>Closest registered URI</h3><ul id="redirect-differences">{{range .Diff}}<li>{{.}}</li>{{end}}</ul>{{end}}{{end}}
<p><a href="/">Back to authdebug</a></p></main></body></html>{{end}}
`))

func (s *Server) consentPage(w http.ResponseWriter, req *authRequest) {
	duration := ngi.DefaultConsent
	if req.scope.Granted > 0 {
		duration = itoa(req.scope.Granted) + " days"
		if req.scope.Days != req.scope.Granted {
			duration += " (asked " + itoa(req.scope.Days) + ", clamped to the maximum)"
		}
	}
	// The form's answer redirects to the client: form-action must allow it.
	w.Header().Set("Content-Security-Policy", pagePolicy+"; form-action 'self' "+cspSource(req.redirectURI))
	render(w, http.StatusOK, "consent", map[string]any{
		"ID": req.id, "Client": req.client.ID, "Scope": req.scope.Purpose.Scope, "Purpose": req.scope.Purpose.Label,
		"Duration": duration, "OpenID": req.scope.OpenID, "Redirect": req.redirectURI, "Fragment": req.fragment,
		"Persons": TestPersons, "Action": s.prefix + "/oauth2/auth/decide",
	})
}

func (s *Server) errorPage(w http.ResponseWriter, status int, title, message string, registered []string, got string) {
	var diff []string
	if len(registered) > 0 && got != "" {
		_, d := flow.RegisteredMatch(got, registered)
		diff = d.Differences
	}
	render(w, status, "error", map[string]any{"Title": title, "Message": message, "Registered": registered, "Diff": diff})
}

// pagePolicy is the sandbox pages' Content-Security-Policy: no script at
// all, styles and icons from the tool, never framed.
const pagePolicy = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"

// cspSource is the origin of a redirect URI as a CSP source, or 'none' when
// it cannot be one (a registered URI is configuration, but still checked).
func cspSource(redirect string) string {
	u, err := url.Parse(redirect)
	if err != nil || u.Scheme == "" || strings.ContainsAny(u.Host, " ;,'\"") {
		return "'none'"
	}
	if u.Host == "" {
		return u.Scheme + ":" // an app's own scheme, like com.bank.app:/cb
	}
	return u.Scheme + "://" + u.Host
}

// render writes a page; a page that set no policy of its own gets pagePolicy.
func render(w http.ResponseWriter, status int, name string, data any) {
	if !strings.HasPrefix(w.Header().Get("Content-Security-Policy"), pagePolicy) {
		w.Header().Set("Content-Security-Policy", pagePolicy+"; form-action 'self'")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	pages.ExecuteTemplate(w, name, data)
}

func itoa(n int) string { return strconv.Itoa(n) }
