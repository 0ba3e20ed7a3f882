package check

import (
	"strings"
	"testing"
)

func TestPlans(t *testing.T) {
	p := DefaultPlan()
	if p.Environment != "sandbox" || p.ClientID == "" || p.Checks.Discovery == nil || p.Checks.RedirectURIs == nil || len(p.Checks.ClientCredentials) == 0 {
		t.Errorf("the default plan: %+v", p)
	}
	for plan, want := range map[string]string{
		"environment: sandbox\nchecks:\n  discovry: {}\n":                                           "line 3",
		"checks: {discovery: {}}\n":                                                                 "names no environment",
		"environment: sandbox\nchecks: {api: {}}\n":                                                 "client_id",
		"environment: sandbox\nclient_id: c\nchecks: {authorize: [{scope: x}]}\n":                   "expect is missing",
		"environment: sandbox\nclient_id: c\nchecks: {authorize: [{scope: x, expect: accepted}]}\n": "redirect_uri",
		"environment: sandbox\nclient_id: c\nclient_secret_env: A\nclient_secret_file: b\n":         "not both",
		"environment: [sandbox]\n":                                                                  "line 1",
	} {
		if _, err := ParsePlan([]byte(plan)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", plan, err, want)
		}
	}
	// JSON is YAML too.
	if p, err := ParsePlan([]byte(`{"environment": "preprod", "client_id": "c", "checks": {"discovery": {}}}`)); err != nil || p.Environment != "preprod" {
		t.Errorf("a JSON plan: %v", err)
	}
}
