package flow

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// RedirectDiff compares the URI a callback arrived at with an expected
// redirect_uri, character by character.
type RedirectDiff struct {
	Got, Want string
	Equal     bool
	// At is the index of the first differing character; -1 when equal.
	At int
	// Differences name what differs, in plain words.
	Differences []string
}

// callbackParams are what an authorization server adds to a redirect URI's
// own query; anything else in a callback's query must be the URI's own.
var callbackParams = []string{"code", "state", "scope", "iss", "error", "error_description", "error_hint", "error_debug", "error_uri", "session_state"}

// DiffRedirect compares got (the URL a callback arrived at, its parameters
// included) with want (a redirect_uri sent or registered). Only an exact
// match is a match, as NGI compares them: the same scheme, host, port and
// path, and the redirect_uri's own query parameters, unchanged, beside the
// ones the server added.
func DiffRedirect(got, want string) RedirectDiff {
	gotBase, gotQuery, _ := splitURL(strings.TrimSpace(got))
	want = strings.TrimSpace(want)
	wantBase, wantQuery, _ := splitURL(want)
	d := RedirectDiff{Got: gotBase, Want: want, At: -1}
	if wantQuery != "" {
		d.Got = gotBase + "?" + gotQuery
	}
	queryDiffs := diffQuery(gotQuery, wantQuery)
	if gotBase == wantBase && len(queryDiffs) == 0 {
		d.Equal = true
		return d
	}
	d.At = firstDifference(d.Got, d.Want)
	g, gerr := url.Parse(gotBase)
	w, werr := url.Parse(wantBase)
	if gerr != nil || werr != nil {
		d.Differences = []string{"One of the two is not a URL, so only the characters can be compared."}
		return d
	}
	d.Differences = append(d.Differences, queryDiffs...)
	if g.Scheme != w.Scheme {
		d.Differences = append(d.Differences, fmt.Sprintf("Scheme: %s instead of %s.", g.Scheme, w.Scheme))
	}
	gh, wh := g.Hostname(), w.Hostname()
	switch {
	case gh == wh:
	case strings.EqualFold(gh, wh):
		d.Differences = append(d.Differences, fmt.Sprintf("Host case: %s instead of %s (hosts are case-insensitive in DNS, but the registered URI is compared as text).", gh, wh))
	case IsLoopback(gh) && IsLoopback(wh):
		d.Differences = append(d.Differences, fmt.Sprintf("Loopback host: %s instead of %s; they reach the same machine but are different strings.", gh, wh))
	default:
		d.Differences = append(d.Differences, fmt.Sprintf("Host: %s instead of %s.", gh, wh))
	}
	if gp, wp := g.Port(), w.Port(); gp != wp {
		switch {
		case gp == "" || wp == "":
			d.Differences = append(d.Differences, fmt.Sprintf("Port: %q instead of %q; a default port written out is still a different string.", gp, wp))
		default:
			d.Differences = append(d.Differences, fmt.Sprintf("Port: %s instead of %s.", gp, wp))
		}
	}
	gpath, wpath := g.EscapedPath(), w.EscapedPath()
	if gpath != wpath {
		switch {
		case strings.TrimSuffix(gpath, "/") == strings.TrimSuffix(wpath, "/"):
			d.Differences = append(d.Differences, fmt.Sprintf("Trailing slash: path %q instead of %q.", gpath, wpath))
		case g.Path == w.Path:
			d.Differences = append(d.Differences, fmt.Sprintf("Percent-encoding: path %q instead of %q; they decode to the same text but differ as written.", gpath, wpath))
		case strings.EqualFold(gpath, wpath):
			d.Differences = append(d.Differences, fmt.Sprintf("Path case: %q instead of %q; paths are case-sensitive.", gpath, wpath))
		default:
			d.Differences = append(d.Differences, fmt.Sprintf("Path: %q instead of %q.", gpath, wpath))
		}
	}
	if g.User != nil || w.User != nil {
		d.Differences = append(d.Differences, "User information (user@) in one of the URIs.")
	}
	if len(d.Differences) == 0 {
		d.Differences = append(d.Differences, fmt.Sprintf("They differ from character %d on.", d.At+1))
	}
	return d
}

// MarkedEnds are where the difference ends in Got and in Want: the two
// share what follows, so a marker runs from At to these, not to the end.
func (d RedirectDiff) MarkedEnds() (gotEnd, wantEnd int) {
	if d.At < 0 {
		return d.At, d.At
	}
	g, w := len(d.Got), len(d.Want)
	for g > d.At && w > d.At && d.Got[g-1] == d.Want[w-1] {
		g, w = g-1, w-1
	}
	for g < len(d.Got) && !utf8.RuneStart(d.Got[g]) {
		g++
	}
	for w < len(d.Want) && !utf8.RuneStart(d.Want[w]) {
		w++
	}
	return g, w
}

// diffQuery names how a callback's query differs from a redirect_uri's own:
// each of the URI's parameters must come back unchanged, and nothing else
// but what the server adds.
func diffQuery(gotQuery, wantQuery string) []string {
	got, _ := url.ParseQuery(gotQuery)
	want, _ := url.ParseQuery(wantQuery)
	var out []string
	for _, name := range sortedKeys(want) {
		switch g, ok := got[name]; {
		case !ok:
			out = append(out, fmt.Sprintf("Query: the redirect_uri's parameter %s=%s is missing.", name, want.Get(name)))
		case !slices.Equal(g, want[name]):
			out = append(out, fmt.Sprintf("Query: %s=%s instead of %s=%s.", name, strings.Join(g, ","), name, strings.Join(want[name], ",")))
		}
	}
	for _, name := range sortedKeys(got) {
		if _, ok := want[name]; !ok && !slices.Contains(callbackParams, name) {
			out = append(out, fmt.Sprintf("Query: %s=%s is not in the redirect_uri.", name, got.Get(name)))
		}
	}
	return out
}

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// firstDifference is the byte index where a and b first differ, at the start
// of a character so that a marker never cuts one in two.
func firstDifference(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	for i > 0 && i < len(a) && !utf8.RuneStart(a[i]) {
		i--
	}
	return i
}

// RegisteredMatch checks a callback's URI against a list of registered
// redirect URIs (one per line). It returns the index of the exact match, or -1
// and the diff with the closest candidate.
func RegisteredMatch(got string, registered []string) (int, RedirectDiff) {
	best, bestDiff := -1, RedirectDiff{At: -1}
	for i, r := range registered {
		d := DiffRedirect(got, r)
		if d.Equal {
			return i, d
		}
		if best == -1 || len(d.Differences) < len(bestDiff.Differences) ||
			(len(d.Differences) == len(bestDiff.Differences) && d.At > bestDiff.At) {
			best, bestDiff = i, d
		}
	}
	return -1, bestDiff
}

// SplitURIs reads a list of redirect URIs as people paste them: one per
// line, or separated by commas or spaces (a URI holds none of those).
func SplitURIs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}

// RegisteredCheck is a callback's URI against the redirect URIs registered
// for its client.
type RegisteredCheck struct {
	Result Match
	Diffs  []RedirectDiff // one per registered URI, in their order
	// AnyPort marks a registered URI matched only by Hydra's rule that a
	// loopback IP may come back on any port.
	AnyPort  []bool
	Findings []Finding
}

// CheckRegistered compares the URI a callback arrived at with each
// registered redirect URI. Hydra redirects only to a registered URI, so a
// callback at none of them did not come from Hydra as it stands.
func CheckRegistered(cb Callback, registered []string) RegisteredCheck {
	rc := RegisteredCheck{Result: MatchUnknown}
	if len(registered) == 0 || cb.Outcome == OutcomeInvalid || cb.Base == "" || cb.Channel == ChannelErrorPage {
		return rc
	}
	rc.Result = MatchNo
	rc.Diffs, rc.AnyPort = make([]RedirectDiff, len(registered)), make([]bool, len(registered))
	for i, uri := range registered {
		rc.Diffs[i] = DiffRedirect(cb.ArrivedAt(), uri)
		if !rc.Diffs[i].Equal && !hasOwnQuery(cb.Query) {
			_, rc.AnyPort[i] = RedirectMatch([]string{uri}, cb.Base)
		}
		if rc.Diffs[i].Equal || rc.AnyPort[i] {
			rc.Result = MatchYes
		}
	}
	if rc.Result == MatchNo {
		rc.Findings = append(rc.Findings, errorf("redirect_uri", "The callback arrived at none of the registered redirect URIs. NGI redirects only to a registered URI, so this callback cannot have come from NGI as it stands: was the URL changed on the way (a proxy, a rewrite), or are these another client's or environment's URIs?"))
	}
	return rc
}

// hasOwnQuery says whether a callback's query holds parameters of the
// redirect URI itself, beside those the server added.
func hasOwnQuery(query string) bool { return ownQuery(query) != "" }
