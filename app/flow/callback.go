package flow

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"authdebug/app/ngi"
)

// Outcome is what a callback URL turned out to be.
type Outcome string

// The outcomes of reading a callback.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeError   Outcome = "error"
	OutcomeInvalid Outcome = "invalid"
)

// Callback is the reading of a callback URL.
type Callback struct {
	Outcome Outcome
	Reason  string // why it is not a callback, for OutcomeInvalid
	// Base is the URL without query and fragment, as written; empty when only
	// parameters were pasted.
	Base  string
	Query string // the query as written, the redirect URI's own parameters included
	Mode  string // "query" or "fragment": where the parameters were
	// Channel is how the parameters reached the browser: ChannelRedirect
	// (to a client's redirect_uri) or ChannelErrorPage (Hydra's own page).
	Channel string
	// Params are all parameters in the order they came.
	Params []Param

	Code, Scope, State, Iss string
	Error, ErrorDescription string
	ErrorHint, ErrorDebug   string
	ErrorURI                string
	Findings                []Finding
}

// Param returns a parameter's value and whether it was present.
func (c Callback) Param(name string) (string, bool) {
	for _, p := range c.Params {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// The channels a reading can come by.
const (
	// ChannelRedirect: the authorization server sent the browser to a
	// client's redirect_uri with the answer.
	ChannelRedirect = "redirect"
	// ChannelErrorPage: it sent the browser to its own error page instead,
	// refusing to go back to the client at all.
	ChannelErrorPage = "error-page"
)

// FormPostMarker marks the parameters of a form_post callback that the
// tool's server received and passed to the page in the fragment.
const FormPostMarker = "authdebug_response_mode"

// ArrivedAt is the URL the callback arrived at, with its query and without
// the fragment: what is compared with a redirect_uri.
func (c Callback) ArrivedAt() string {
	if c.Query == "" {
		return c.Base
	}
	return c.Base + "?" + c.Query
}

// ReadCallback reads whatever was pasted as a callback URL. It never fails:
// anything that is not a callback comes back as OutcomeInvalid with a reason.
func ReadCallback(raw string) Callback {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return invalid("Nothing to read yet: paste the URL your app was redirected to.")
	}
	raw, undone := unescapeLog(raw)
	raw, decoded := decodeWhole(raw)
	raw, found := findURL(raw)
	raw, repairs := repair(raw)
	raw, trimmed := cutOut(raw)
	repairs = slices.Concat(undone, decoded, found, repairs, trimmed)
	if i := strings.IndexAny(raw, "?#"); strings.HasPrefix(raw, "/") && i > 0 {
		repairs = append(repairs, pathOnly(raw[:i]))
		raw = raw[i:]
	}
	base, query, fragment := splitURL(raw)
	channel := ChannelRedirect
	if base != "" {
		u, err := url.Parse(base)
		switch {
		case err == nil && u.Scheme != "" && u.Host != "":
			if strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), ngi.ErrorPagePath) {
				channel = ChannelErrorPage
			}
		case !strings.ContainsAny(raw, "=?#"):
			return invalid("This is not a URL: a callback looks like https://your-app.example/callback?code=...&state=...")
		case !strings.Contains(base, "://"):
			return invalid("This is not a URL: it has no scheme and host. It should start like https://your-app.example/callback?code=...")
		default:
			return invalid("This is not a URL: its scheme or host cannot be read (a stray character, a space, or an unclosed [ ?). It should start like https://your-app.example/callback?code=...")
		}
	}
	c := Callback{Base: base, Query: query, Mode: ngi.ResponseModeQuery, Channel: channel, Findings: repairs}
	qs, err := parseParams(query)
	if err != nil {
		return withBase(invalid("The query cannot be read: "+err.Error()+"."), base)
	}
	fs, err := parseParams(fragment)
	if err != nil {
		return withBase(invalid("The fragment cannot be read: "+err.Error()+"."), base)
	}
	switch {
	case hasOAuthParam(qs) && hasOAuthParam(fs):
		return withBase(invalid("Parameters are in both the query (?) and the fragment (#): a callback carries them in one place only."), base)
	case hasOAuthParam(fs):
		c.Params, c.Mode = fs, ngi.ResponseModeFragment
	default:
		c.Params = qs
		if len(qs) == 0 {
			c.Params, c.Mode = fs, ngi.ResponseModeFragment
		}
	}
	if i := slices.IndexFunc(c.Params, func(p Param) bool { return p.Name == FormPostMarker }); i >= 0 {
		c.Mode = ngi.ResponseModeFormPost
		c.Params = slices.Delete(c.Params, i, i+1)
	}
	if len(c.Params) == 0 {
		return withBase(invalid("The URL has no parameters: a callback carries code and state, or error and state."), base)
	}
	seen := map[string]bool{}
	for _, p := range c.Params {
		if seen[p.Name] {
			return withBase(invalid(fmt.Sprintf("The parameter %q is given twice: a server that sends that is broken, and your app cannot know which to trust.", p.Name)), base)
		}
		seen[p.Name] = true
	}
	c.Code, _ = c.Param("code")
	c.Scope, _ = c.Param("scope")
	c.State, _ = c.Param("state")
	c.Iss, _ = c.Param("iss")
	c.Error, _ = c.Param("error")
	c.ErrorDescription, _ = c.Param("error_description")
	c.ErrorHint, _ = c.Param("error_hint")
	c.ErrorDebug, _ = c.Param("error_debug")
	c.ErrorURI, _ = c.Param("error_uri")
	_, hasError := c.Param("error")
	_, hasCode := c.Param("code")
	switch {
	case hasCode && hasError:
		return withBase(invalid("Both code and error are present: a callback is either a success or an error, never both."), base)
	case hasError && c.Error == "":
		return withBase(invalid("The error parameter is empty: the server did not say what went wrong."), base)
	case hasError:
		c.Outcome = OutcomeError
	case hasCode && c.Code == "":
		return withBase(invalid("The code parameter is empty: there is nothing to exchange for a token."), base)
	case hasCode:
		c.Outcome = OutcomeSuccess
	default:
		return withBase(invalid("Neither code nor error is present: this URL has parameters, but it is not an OAuth callback."), base)
	}
	switch _, hasState := c.Param("state"); {
	case c.Channel == ChannelErrorPage:
		c.Findings = append(c.Findings, errorf("redirect_uri", "This is NGI's own error page, not a callback: NGI never sent the browser back to the app, and no one signed in. It does that when it cannot trust where to send the answer: the client_id is unknown in this environment, or the redirect_uri is not registered for the client."))
	case !hasState:
		c.Findings = append(c.Findings, warningf("state", "No state came back: NGI always echoes the state it was sent, so the request had none or this is not NGI's redirect."))
	}
	if c.Base == "" {
		c.Findings = append(c.Findings, infof("redirect_uri", "Only parameters were pasted, so the redirect_uri cannot be checked: paste the whole URL."))
	}
	return c
}

// NextStep is what to do about an error reading: at Hydra's error page the
// fix is in the authorize request, whatever the code says elsewhere.
func (c Callback) NextStep() string {
	reason, _ := c.OAuthError().Reason()
	if c.Channel != ChannelErrorPage {
		return ngi.NextStep(c.Error, reason)
	}
	switch {
	case c.Error == "invalid_client":
		return "NGI does not know this client_id here. Check that it is the id NGI issued for this environment (preprod and prod issue different ids) and that the authorize URL goes to that environment's issuer. Your app's credentials play no part yet: this is before any login."
	case strings.Contains(reason, "redirect_uri"):
		return "Send a redirect_uri registered for the client, character for character (scheme, host, port, path, trailing slash): ask below under \"Which redirect URIs are registered?\", and compare with \"What does my app send?\" on the Authorize tab."
	}
	return "NGI refused the authorize request itself, before any login: fix what \"Why\" names in the request your app sends (\"What does my app send?\" on the Authorize tab reads it)."
}

// CheckCallbackAgainstRequest compares a callback with the authorize request
// its state matched: where it arrived, the scope granted, and where the
// parameters came.
func CheckCallbackAgainstRequest(c Callback, p PendingRequest) []Finding {
	var fs []Finding
	if c.Base != "" && p.RedirectURI != "" && !DiffRedirect(c.ArrivedAt(), p.RedirectURI).Equal {
		fs = append(fs, errorf("redirect_uri", "The callback arrived at another URI than its request's redirect_uri (compared above). NGI sends the browser to exactly that URI, so the URL was changed on the way (a proxy, a rewrite, a framework's route); the token request must still send the request's redirect_uri, character for character."))
	}
	if c.Outcome == OutcomeSuccess {
		fs = append(fs, CompareScope(p.Scope, c.Scope))
	}
	if asked := cmp.Or(p.ResponseMode, ngi.ResponseModeQuery); asked != c.Mode {
		fs = append(fs, warningf("response_mode", fmt.Sprintf("The request asked for response_mode=%s, but the parameters came by %s.", asked, c.Mode)))
	}
	return fs
}

// findURL picks the callback out of a pasted log line, such as
// "2026-11-26T10:00:00Z INFO GET /v1/callback?code=… 200": the word holding
// code= or error= after a ? or #, when no word after it goes on with
// parameters (then the spaces are inside a value, and repair reads them).
// What surrounds the URL inside the word is cutOut's.
func findURL(raw string) (string, []Finding) {
	words := strings.Fields(raw)
	if len(words) < 2 || strings.ContainsAny(raw, "\r\n") {
		return raw, nil
	}
	for n, w := range words {
		i := strings.IndexAny(w, "?#")
		if i < 0 || !(strings.Contains(w[i:], "code=") || strings.Contains(w[i:], "error=")) {
			continue
		}
		for _, later := range words[n+1:] {
			if strings.ContainsAny(later, "=&") {
				return raw, nil
			}
		}
		switch path := strings.TrimLeft(w[:i], `"'<([`); {
		case strings.Contains(path, "://"):
			return w, []Finding{infof("url", "The URL was found inside the pasted text and read on its own.")}
		case strings.HasPrefix(path, "/"):
			// A path only, as a server logs it: the parameters can be read, not the redirect_uri.
			return w[i:], []Finding{pathOnly(path)}
		}
	}
	return raw, nil
}

func pathOnly(path string) Finding {
	return infof("url", "Only the path "+path+" was found in the pasted text: its parameters are read, but the redirect_uri cannot be checked without the scheme and host.")
}

// unescapeLog undoes the escapes of a URL printed in a JSON string, as Go's
// and most JSON loggers write it: \u0026 for &, \/ for /.
func unescapeLog(raw string) (string, []Finding) {
	out := strings.NewReplacer(`\u0026`, "&", `\u003d`, "=", `\u003D`, "=", `\u003c`, "<", `\u003C`, "<", `\u003e`, ">", `\u003E`, ">",
		`\u0027`, "'", `\/`, "/", `\"`, `"`).Replace(raw)
	if out == raw {
		return raw, nil
	}
	return out, []Finding{infof("url", `The URL was written with JSON escapes (\u0026 for &, \/ for /), as Go's and JSON logs print it: it was read with them undone.`)}
}

// decodeWhole reads a callback that was percent-encoded whole, as it is
// inside another URL's parameter (returnUrl=https%3A%2F%2F…), when the text
// holds no callback parameters of its own.
func decodeWhole(raw string) (string, []Finding) {
	lower := strings.ToLower(raw)
	start := strings.Index(lower, "http%3a%2f%2f")
	if s := strings.Index(lower, "https%3a%2f%2f"); s >= 0 && (start < 0 || s < start) {
		start = s
	}
	if start < 0 {
		return raw, nil
	}
	end := len(raw)
	if e := strings.IndexAny(raw[start:], "&\"'<> \t\r\n"); e >= 0 {
		end = start + e
	}
	inner, err := url.QueryUnescape(raw[start:end])
	outer := raw[:start] + raw[end:]
	if err != nil || !hasCallbackParam(inner) || hasCallbackParam(outer) {
		return raw, nil
	}
	return inner, []Finding{infof("url", "The URL was percent-encoded whole (as inside a returnUrl= parameter of another URL): it was decoded once and read.")}
}

// hasCallbackParam says whether a text carries code= or error= as a parameter.
func hasCallbackParam(s string) bool {
	for _, sep := range []string{"?", "&", "#"} {
		if strings.Contains(s, sep+"code=") || strings.Contains(s, sep+"error=") {
			return true
		}
	}
	return strings.HasPrefix(s, "code=") || strings.HasPrefix(s, "error=")
}

// cutOut takes the URL out of what surrounds it in prose and logs: before
// it, text up to its scheme (a JSON key, a quote, a bracket); after it, a
// closing quote and a sentence's punctuation (".", ",", ";", ")", ">"), which
// would otherwise end up in the last value, the state most often. It says
// what it left out.
func cutOut(raw string) (string, []Finding) {
	start := 0
	if i := strings.Index(raw, "://"); i > 0 {
		start = strings.LastIndexFunc(raw[:i], func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) + 1
	} else {
		start = len(raw) - len(strings.TrimLeft(raw, `"'<([`))
	}
	end := len(raw)
	if e := strings.IndexAny(raw[start:], "\"'<>`"); e >= 0 {
		end = start + e
	}
	for end > start {
		last := raw[end-1]
		unbalanced := (last == ')' && strings.Count(raw[start:end], "(") < strings.Count(raw[start:end], ")")) ||
			(last == ']' && strings.Count(raw[start:end], "[") < strings.Count(raw[start:end], "]"))
		if !strings.ContainsRune(".,;!", rune(last)) && !unbalanced {
			break
		}
		end--
	}
	before, after := raw[:start], raw[end:]
	if before == "" && after == "" {
		return raw, nil
	}
	var said []string
	if before != "" {
		said = append(said, `"`+clip(before, 40)+`" before it`)
	}
	if after != "" {
		said = append(said, `"`+clip(after, 40)+`" after it`)
	}
	return raw[start:end], []Finding{infof("url", "What surrounded the URL was left out: "+strings.Join(said, " and ")+".")}
}

// clip shortens a text for a message, keeping its end.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// repair undoes what copying a URL out of a log, an e-mail or HTML often
// does to it, and says so: line breaks inside it (the lines are joined, each
// without the indentation around it), spaces that a log printed decoded
// (read as %20, so a value keeps its words), and &amp; for &.
func repair(raw string) (string, []Finding) {
	var fs []Finding
	if strings.ContainsAny(raw, "\r\n") {
		lines := strings.FieldsFunc(raw, func(r rune) bool { return r == '\n' || r == '\r' })
		for i := range lines {
			lines[i] = strings.TrimSpace(lines[i])
		}
		raw = strings.Join(lines, "")
		fs = append(fs, warningf("url", "The URL was broken over lines (wrapped in an e-mail or a log?); the lines were joined before reading."))
	}
	if strings.ContainsAny(raw, " \t") {
		raw = strings.NewReplacer(" ", "%20", "\t", "%09").Replace(raw)
		fs = append(fs, warningf("url", "The URL had spaces inside it, which a URL cannot carry (a log printed it decoded?); they were read as %20, spaces in the values."))
	}
	if strings.Contains(raw, "&amp;") {
		raw = strings.ReplaceAll(raw, "&amp;", "&")
		fs = append(fs, warningf("url", "The URL had &amp; where & belongs: it was copied from HTML source. It was read with &."))
	}
	return raw, fs
}

// OAuthError is the callback's error as the token endpoint would say it.
func (c Callback) OAuthError() OAuthError {
	return OAuthError{Error: c.Error, Description: c.ErrorDescription, Hint: c.ErrorHint, Debug: c.ErrorDebug, URI: c.ErrorURI}
}

func invalid(reason string) Callback { return Callback{Outcome: OutcomeInvalid, Reason: reason} }

func withBase(c Callback, base string) Callback { c.Base = base; return c }

// splitURL cuts a URL as written into base, query and fragment. Text that
// starts with "?", "#" or looks like "a=b&c=d" is taken as parameters only.
func splitURL(raw string) (base, query, fragment string) {
	rest := raw
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest, fragment = rest[:i], rest[i+1:]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		base, query = rest[:i], rest[i+1:]
	} else {
		base = rest
	}
	if base != "" && !strings.Contains(base, "/") && strings.Contains(base, "=") {
		base, query = "", rest // "code=...&state=..." pasted on its own
	}
	return base, query, fragment
}

// parseParams reads a query string keeping order and duplicates.
func parseParams(s string) ([]Param, error) {
	var ps []Param
	for _, part := range strings.Split(s, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		n, err := url.QueryUnescape(name)
		if err != nil {
			return nil, fmt.Errorf("bad percent-encoding in %q", name)
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return nil, fmt.Errorf("bad percent-encoding in the value of %s", n)
		}
		ps = append(ps, Param{n, v})
	}
	return ps, nil
}

func hasOAuthParam(ps []Param) bool {
	for _, p := range ps {
		switch p.Name {
		case "code", "error", "state":
			return true
		}
	}
	return false
}

// CheckIssuer compares the callback's iss (RFC 9207), where it came, with
// the issuer of the environment the request went to: another issuer means
// the answer came from another authorization server (the wrong environment
// chosen, or a mix-up attack), and the app must not use it.
func CheckIssuer(c Callback, env ngi.Environment) []Finding {
	if _, ok := c.Param("iss"); !ok || env.Issuer == "" || c.Channel == ChannelErrorPage {
		return nil
	}
	if strings.TrimSuffix(c.Iss, "/") == strings.TrimSuffix(env.Issuer, "/") {
		return []Finding{infof("iss", "iss is "+env.Label+"'s issuer (RFC 9207): the answer came from the server the request went to.")}
	}
	return []Finding{errorf("iss", fmt.Sprintf("iss is %q, but %s's issuer is %q (RFC 9207): this answer came from another authorization server, another environment or a mix-up attack, and the app must not use it.", c.Iss, env.Label, env.Issuer))}
}
