// Package check is `authdebug check`: a plan of checks of an NGI
// environment and a client's configuration there, run with the page's own
// rules (flow, token, ngi), reported for CI (text, JSON, JUnit, TAP).
package check

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Plan is what to check, as written in the plan file (YAML; JSON is YAML too).
type Plan struct {
	Environment      string   `yaml:"environment"`
	ClientID         string   `yaml:"client_id"`
	ClientSecretEnv  string   `yaml:"client_secret_env"`
	ClientSecretFile string   `yaml:"client_secret_file"`
	ExpectedFailures []string `yaml:"expected_failures"`
	Checks           Checks   `yaml:"checks"`
}

// Checks are the plan's groups of checks; a group left out is not run.
type Checks struct {
	Discovery         *struct{}         `yaml:"discovery"`
	JWKS              *struct{}         `yaml:"jwks"`
	RedirectURIs      *RedirectURIs     `yaml:"redirect_uris"`
	Authorize         []AuthorizeCase   `yaml:"authorize"`
	ClientCredentials []CredentialsCase `yaml:"client_credentials"`
	API               *struct{}         `yaml:"api"`
	Snapshot          string            `yaml:"snapshot"`
}

// RedirectURIs are asked at the authorize endpoint, before any login.
type RedirectURIs struct {
	Scope         string   `yaml:"scope"`
	Registered    []string `yaml:"registered"`
	NotRegistered []string `yaml:"not_registered"`
}

// AuthorizeCase is an authorize request and the answer expected:
// "accepted", "refused", or the error code.
type AuthorizeCase struct {
	Scope       string `yaml:"scope"`
	RedirectURI string `yaml:"redirect_uri"`
	Expect      string `yaml:"expect"`
}

// CredentialsCase is a client-credentials token request and the answer
// expected: "success" or the error code.
type CredentialsCase struct {
	Audience string `yaml:"audience"`
	Scope    string `yaml:"scope"`
	Expect   string `yaml:"expect"`
}

//go:embed default.yaml
var defaultPlan []byte

// DefaultPlan is the plan run without -plan: the built-in sandbox and its
// demo client, offline, every check passing.
func DefaultPlan() Plan {
	p, err := ParsePlan(defaultPlan)
	if err != nil {
		panic(err) // the embedded plan is tested
	}
	return p
}

// ParsePlan reads a plan strictly: an unknown key or a wrong type is an
// error that names its line.
func ParsePlan(data []byte) (Plan, error) {
	var p Plan
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("the plan cannot be read: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	switch {
	case p.Environment == "":
		return p, errors.New("the plan names no environment (environment: sandbox, preprod, prod or a NAME given with -env)")
	case p.ClientID == "" && (p.Checks.RedirectURIs != nil || len(p.Checks.Authorize) > 0 || len(p.Checks.ClientCredentials) > 0 || p.Checks.API != nil):
		return p, errors.New("the plan's checks need a client_id")
	case p.ClientSecretEnv != "" && p.ClientSecretFile != "":
		return p, errors.New("give the client secret by client_secret_env or client_secret_file, not both")
	}
	for i, c := range p.Checks.Authorize {
		if c.Expect == "" {
			return p, fmt.Errorf("checks.authorize[%d]: expect is missing (accepted, refused, or an error code)", i)
		}
		if c.RedirectURI == "" && (p.Checks.RedirectURIs == nil || len(p.Checks.RedirectURIs.Registered) == 0) {
			return p, fmt.Errorf("checks.authorize[%d]: give its redirect_uri, or list checks.redirect_uris.registered", i)
		}
	}
	for i, c := range p.Checks.ClientCredentials {
		if c.Expect == "" || c.Audience == "" {
			return p, fmt.Errorf("checks.client_credentials[%d]: audience and expect (success, or an error code) are needed", i)
		}
	}
	return p, nil
}
