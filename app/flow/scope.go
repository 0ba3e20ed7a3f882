package flow

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"authdebug/app/ngi"
)

// Scope is an authorize request's scope read against NGI's rules.
type Scope struct {
	Purpose  ngi.Purpose // the debt scope, if exactly one was found
	Days     int         // the day count asked for; 0 when none
	Granted  int         // the day count NGI will grant after clamping; 0 when none
	OpenID   bool
	Findings []Finding
}

// Echo is the scope NGI sends back on the callback: the bare debt scope, then openid.
func (s Scope) Echo() string {
	if s.Purpose.Scope == "" {
		return ""
	}
	if s.OpenID {
		return s.Purpose.Scope + " " + ngi.ScopeOpenID
	}
	return s.Purpose.Scope
}

// BuildScope writes the scope parameter from the builder's parts. A non-empty
// days is appended as given, so that a bad value is shown, not hidden.
func BuildScope(purpose, days string, openid bool) string {
	s := purpose
	if d := strings.TrimSpace(days); d != "" {
		s += "." + d
	}
	if openid {
		s += " " + ngi.ScopeOpenID
	}
	return s
}

// ParseScope reads a scope parameter and checks it against NGI's rules: exactly
// one debt scope, an optional positive day count no longer than the purpose
// allows (longer is clamped, with a warning), and openid only as the last scope.
func ParseScope(raw string) Scope {
	var s Scope
	parts := strings.Fields(raw)
	if len(parts) == 0 {
		s.Findings = append(s.Findings, errorf("scope", "The scope is empty: give exactly one debt scope, "+ngi.ScopePresentation+" or "+ngi.ScopeProcessing+"."))
		return s
	}
	if raw != strings.Join(parts, " ") {
		s.Findings = append(s.Findings, warningf("scope", "Scopes should be separated by exactly one space, with none before or after."))
	}
	var debt []string
	for i, p := range parts {
		if p == ngi.ScopeOpenID {
			if s.OpenID {
				s.Findings = append(s.Findings, errorf("scope", "openid is given twice."))
			}
			s.OpenID = true
			if i != len(parts)-1 {
				s.Findings = append(s.Findings, errorf("scope", "openid must be the last scope: write \""+strings.Join(append(without(parts, ngi.ScopeOpenID), ngi.ScopeOpenID), " ")+"\"."))
			}
			continue
		}
		purpose, days, ok := splitDebtScope(p)
		if !ok {
			s.Findings = append(s.Findings, errorf("scope", fmt.Sprintf("%q is not one of NGI's authorize scopes (%s, %s, %s).", p, ngi.ScopePresentation, ngi.ScopeProcessing, ngi.ScopeOpenID)))
			continue
		}
		debt = append(debt, p)
		s.Purpose = purpose
		if days == "" {
			continue
		}
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || strconv.Itoa(n) != days {
			s.Findings = append(s.Findings, errorf("scope", fmt.Sprintf("The duration %q in %q is not a positive whole number of days.", days, p)))
			continue
		}
		s.Days, s.Granted = n, min(n, purpose.MaxDays)
		if n > purpose.MaxDays {
			s.Findings = append(s.Findings, warningf("scope", fmt.Sprintf("%d days is above the maximum of %d for %s: NGI clamps it to %d days without saying so.", n, purpose.MaxDays, purpose.Scope, purpose.MaxDays)))
		}
	}
	switch len(debt) {
	case 0:
		s.Findings = append(s.Findings, errorf("scope", "No debt scope: give exactly one of "+ngi.ScopePresentation+" or "+ngi.ScopeProcessing+"."))
	case 1:
	default:
		s.Purpose = ngi.Purpose{}
		s.Days, s.Granted = 0, 0
		s.Findings = append(s.Findings, errorf("scope", fmt.Sprintf("%d debt scopes (%s): a consent has one legal purpose, so give exactly one.", len(debt), strings.Join(debt, ", "))))
	}
	return s
}

// splitDebtScope splits "debt.unsecured.presentation.100" into its purpose and "100".
func splitDebtScope(p string) (ngi.Purpose, string, bool) {
	for _, purpose := range ngi.Purposes {
		if p == purpose.Scope {
			return purpose, "", true
		}
		if rest, ok := strings.CutPrefix(p, purpose.Scope+"."); ok {
			return purpose, rest, true
		}
	}
	return ngi.Purpose{}, "", false
}

// ScopeAllowed reports whether a client registered for the given scopes may
// ask for scope, matched as Hydra's wildcard strategy does: a registered
// "a.b.*" covers "a.b.c" and "a.b.c.d" but not "a.b" itself.
func ScopeAllowed(registered []string, scope string) bool {
	needle := strings.Split(scope, ".")
	return slices.ContainsFunc(registered, func(r string) bool { return wildcardMatch(strings.Split(r, "."), needle) })
}

// wildcardMatch is fosite's WildcardScopeStrategy for one registered scope:
// "*" stands for one non-empty part, and for any parts after it when last.
func wildcardMatch(parts, needle []string) bool {
	if len(parts) > len(needle) {
		return false
	}
	for k, p := range parts {
		last := k == len(parts)-1
		switch {
		case p == "*" && needle[k] != "":
		case last && len(parts) != len(needle):
			return false
		case p != needle[k]:
			return false
		}
	}
	return true
}

func without(list []string, drop string) []string {
	var out []string
	for _, v := range list {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

// CompareScope compares the scope echoed on a callback or a token response with
// the one asked for, knowing that NGI drops the day count.
func CompareScope(asked, echoed string) Finding {
	want := ParseScope(asked).Echo()
	switch {
	case strings.TrimSpace(asked) == "":
		return infof("scope", "The authorize request is not known here, so the scope cannot be compared with what was asked.")
	case want == "":
		return infof("scope", "The scope asked for was not valid, so the echoed scope cannot be compared.")
	case echoed == want && asked != want:
		return infof("scope", fmt.Sprintf("The scope came back as asked: %q (NGI drops the day count of %q).", echoed, asked))
	case echoed == want:
		return infof("scope", fmt.Sprintf("The scope came back as asked: %q.", echoed))
	case echoed == "":
		return warningf("scope", fmt.Sprintf("No scope came back; %q was expected.", want))
	default:
		return warningf("scope", fmt.Sprintf("The scope came back as %q, but %q was expected from the request's %q.", echoed, want, asked))
	}
}

// CompareScopeSets compares a client-credentials grant's scope with the one
// asked for, as sets (order does not matter there).
func CompareScopeSets(asked, granted string) Finding {
	a, g := strings.Fields(asked), strings.Fields(granted)
	missing, extra := setDiff(a, g), setDiff(g, a)
	switch {
	case len(missing) == 0 && len(extra) == 0:
		return infof("scope", "Granted as asked.")
	case len(missing) > 0:
		return warningf("scope", "Not granted: "+strings.Join(missing, ", ")+". The client may not be allowed those scopes for this audience.")
	default:
		return infof("scope", "Granted more than asked: "+strings.Join(extra, ", ")+".")
	}
}
