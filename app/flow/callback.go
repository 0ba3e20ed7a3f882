package flow

import (
	"fmt"
	"net/url"
	"strings"
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
	Base string
	Mode string // "query" or "fragment": where the parameters were
	// Params are all parameters in the order they came.
	Params []Param

	Code, Scope, State, Iss string
	Error, ErrorDescription string
	ErrorHint, ErrorDebug   string
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

// ReadCallback reads whatever was pasted as a callback URL. It never fails:
// anything that is not a callback comes back as OutcomeInvalid with a reason.
func ReadCallback(raw string) Callback {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return invalid("Nothing to read yet: paste the URL your app was redirected to.")
	}
	raw, repairs := repair(raw)
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
	c := Callback{Base: base, Mode: "query", Findings: repairs}
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
		c.Params, c.Mode = fs, "fragment"
	default:
		c.Params = qs
		if len(qs) == 0 {
			c.Params, c.Mode = fs, "fragment"
		}
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

// repair undoes what copying a URL out of a log, an e-mail or HTML often
// does to it, and says so: line breaks inside it, and &amp; for &.
func repair(raw string) (string, []Finding) {
	var fs []Finding
	if strings.ContainsAny(raw, " \t\r\n") {
		raw = strings.Join(strings.Fields(raw), "")
		fs = append(fs, warningf("url", "The URL had spaces or line breaks inside it (wrapped in an e-mail or a log?); they were removed before reading."))
	}
	if strings.Contains(raw, "&amp;") {
		raw = strings.ReplaceAll(raw, "&amp;", "&")
		fs = append(fs, warningf("url", "The URL had &amp; where & belongs: it was copied from HTML source. It was read with &."))
	}
	return raw, fs
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
