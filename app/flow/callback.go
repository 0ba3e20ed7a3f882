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
	raw, found := findURL(raw)
	raw, repairs := repair(raw)
	repairs = append(found, repairs...)
	base, query, fragment := splitURL(raw)
	if base != "" {
		u, err := url.Parse(base)
		if err != nil || u.Scheme == "" || u.Host == "" {
			if strings.ContainsAny(raw, "=?#") {
				return invalid("This is not a URL: it should start like https://your-app.example/callback?code=... (" + reasonOf(err) + ").")
			}
			return invalid("This is not a URL: a callback looks like https://your-app.example/callback?code=...&state=...")
		}
	}
	c := Callback{Base: base, Query: query, Mode: ngi.ResponseModeQuery, Findings: repairs}
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
	if _, ok := c.Param("state"); !ok {
		c.Findings = append(c.Findings, warningf("state", "No state came back: NGI always echoes the state it was sent, so the request had none or this is not NGI's redirect."))
	}
	if c.Base == "" {
		c.Findings = append(c.Findings, infof("redirect_uri", "Only parameters were pasted, so the redirect_uri cannot be checked: paste the whole URL."))
	}
	return c
}

// CheckCallbackAgainstRequest compares a callback with the authorize request
// its state matched: the scope granted, and where the parameters came.
func CheckCallbackAgainstRequest(c Callback, p PendingRequest) []Finding {
	var fs []Finding
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
func findURL(raw string) (string, []Finding) {
	words := strings.Fields(raw)
	if len(words) < 2 || strings.ContainsAny(raw, "\r\n") {
		return raw, nil
	}
	for n, w := range words {
		w = strings.Trim(w, `"'<>()[],;`)
		i := strings.IndexAny(w, "?#")
		if i < 0 || !(strings.Contains(w[i:], "code=") || strings.Contains(w[i:], "error=")) {
			continue
		}
		for _, later := range words[n+1:] {
			if strings.ContainsAny(later, "=&") {
				return raw, nil
			}
		}
		switch {
		case strings.Contains(w[:i], "://"):
			return w, []Finding{infof("url", "The URL was found inside the pasted text and read on its own.")}
		case strings.HasPrefix(w, "/"):
			// A path only, as a server logs it: the parameters can be read, not the redirect_uri.
			return w[i:], []Finding{infof("url", "Only the path "+w[:i]+" was found in the pasted text: its parameters are read, but the redirect_uri cannot be checked without the scheme and host.")}
		}
	}
	return raw, nil
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

func reasonOf(err error) string {
	if err == nil {
		return "no scheme or host"
	}
	return err.Error()
}

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
