package flow

import (
	"fmt"
	"net/url"
	"strings"
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

// DiffRedirect compares got (a callback's scheme, host and path) with want (a
// redirect_uri sent or registered). Only an exact match is a match, as NGI
// compares them.
func DiffRedirect(got, want string) RedirectDiff {
	got, _, _ = splitURL(got)
	want = strings.TrimSpace(want)
	d := RedirectDiff{Got: got, Want: want, At: -1}
	if got == want {
		d.Equal = true
		return d
	}
	d.At = firstDifference(got, want)
	g, gerr := url.Parse(got)
	w, werr := url.Parse(want)
	if gerr != nil || werr != nil {
		d.Differences = []string{"One of the two is not a URL, so only the characters can be compared."}
		return d
	}
	if w.RawQuery != "" {
		d.Differences = append(d.Differences, "The expected redirect_uri has a query (?"+w.RawQuery+"): it is compared with the callback's URL without its parameters.")
		want, _, _ = splitURL(want)
		if got == want {
			d.Equal, d.At = true, -1
			return d
		}
	}
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

func firstDifference(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
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

// SplitLines returns the non-empty, trimmed lines of a text.
func SplitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
