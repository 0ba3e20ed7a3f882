package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
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
<tr><th>returns to</th><td><code>{{.Redirect}}</code> by {{.Mode}}</td></tr>
</tbody></table>
<form method="post" action="{{.Action}}" class="consent">
<input type="hidden" name="request" value="{{.ID}}">
<label for="person">Log in as test person</label>
<select id="person" name="person">{{range .Persons}}<option value="{{.}}">{{.}}</option>{{end}}</select>
<p class="hint">Pick the outcome to send back; each is one NGI can give.</p>
<label class="check"><input type="checkbox" id="expired-code" name="expired" value="1"> Approve with a code that has already expired: its exchange answers invalid_grant, as Hydra does for a code past its lifetime</label>
<div class="row">
<button id="approve" class="primary" name="action" value="approve">Approve: share my debt</button>
<button id="deny" name="action" value="deny">Deny (consent_denied)</button>
<button id="cancel-login" name="action" value="cancel-login">Cancel login (login_cancelled)</button>
<button id="server-error" name="action" value="server-error">Simulate server_error</button>
</div></form></main></body></html>{{end}}

{{define "error"}}{{template "head" .Title}}
<h2 id="sandbox-error" data-error="{{.Code}}">{{.Title}}</h2>
<p id="sandbox-error-message">{{.Message}}</p>
{{if .Generic}}<p class="hint">Hydra's general words for {{.Code}}: {{.Generic}}</p>{{end}}
{{if .Registered}}<h3>Registered redirect URIs of this client</h3><ul id="registered">{{range .Registered}}<li><code>{{.}}</code></li>{{end}}</ul>
{{if .Diff}}<h3>Closest registered URI</h3><ul id="redirect-differences">{{range .Diff}}<li>{{.}}</li>{{end}}</ul>{{end}}{{end}}
<p><a href="/">Back to authdebug</a></p></main></body></html>{{end}}

{{define "form_post"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Submit This Form</title></head>
<body><form method="post" action="{{.Action}}">{{range .Params}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<noscript><button type="submit">Continue</button></noscript></form>
<script>` + formPostScript + `</script></body></html>{{end}}
`))

// formPostScript submits the form_post answer, as Hydra's page does; the
// page's policy allows this one script by its hash.
const formPostScript = "document.forms[0].submit()"

var formPostScriptHash = func() string {
	sum := sha256.Sum256([]byte(formPostScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// formPostPage answers with a form that the browser posts to the client
// (response_mode=form_post).
func formPostPage(w http.ResponseWriter, redirect string, params []flow.Param) {
	policy := "default-src 'none'; script-src " + formPostScriptHash + "; form-action " + cspSource(redirect) + "; base-uri 'none'; frame-ancestors 'none'"
	render(w, http.StatusOK, "form_post", policy, map[string]any{"Action": redirect, "Params": params})
}

func (s *Server) consentPage(w http.ResponseWriter, req *authRequest) {
	duration := ngi.DefaultConsent
	scope := req.parsedScope()
	if scope.Granted > 0 {
		duration = itoa(scope.Granted) + " days"
		if scope.Days != scope.Granted {
			duration += " (asked " + itoa(scope.Days) + ", clamped to the maximum)"
		}
	}
	// The form's answer goes to the client: form-action must allow it.
	render(w, http.StatusOK, "consent", pagePolicy+"; form-action 'self' "+cspSource(req.RedirectURI), map[string]any{
		"ID": req.ID, "Client": req.ClientID, "Scope": scope.Purpose.Scope, "Purpose": scope.Purpose.Label,
		"Duration": duration, "OpenID": scope.OpenID, "Redirect": req.RedirectURI, "Mode": req.Mode,
		"Persons": TestPersons, "Action": s.prefix + "/oauth2/auth/decide",
	})
}

// errorPageData is what the sandbox's error page shows.
type errorPageData struct {
	Title, Code, Message, Generic string
	Registered                    []string // the client's redirect URIs, when the one asked for is not among them
	Got                           string   // the redirect URI asked for
	Diff                          []string
}

func (s *Server) errorPage(w http.ResponseWriter, status int, title, message string, registered []string, got string) {
	s.renderError(w, status, errorPageData{Title: title, Message: message, Registered: registered, Got: got})
}

func (s *Server) renderError(w http.ResponseWriter, status int, d errorPageData) {
	if len(d.Registered) > 0 && d.Got != "" {
		_, diff := flow.RegisteredMatch(d.Got, d.Registered)
		d.Diff = diff.Differences
	}
	render(w, status, "error", "", d)
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

// render writes a page under a Content-Security-Policy; "" is pagePolicy
// with forms posting only to the sandbox.
func render(w http.ResponseWriter, status int, name, policy string, data any) {
	if policy == "" {
		policy = pagePolicy + "; form-action 'self'"
	}
	w.Header().Set("Content-Security-Policy", policy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	pages.ExecuteTemplate(w, name, data)
}

func itoa(n int) string { return strconv.Itoa(n) }
