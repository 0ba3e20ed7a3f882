package ngi

import "slices"

// The debt scopes; one of them, and only one, goes in an authorize request.
const (
	ScopePresentation = "debt.unsecured.presentation"
	ScopeProcessing   = "debt.unsecured.processing"
	ScopeOpenID       = "openid"
)

// Purpose describes a debt scope.
type Purpose struct {
	Scope   string
	Label   string
	MaxDays int
}

// Purposes lists the debt scopes in the order the page offers them.
var Purposes = []Purpose{
	{Scope: ScopePresentation, Label: "presentation: show the person their own debt", MaxDays: 365},
	{Scope: ScopeProcessing, Label: "processing: assess a loan or credit application", MaxDays: 28},
}

// DefaultConsent says how long a consent lasts when no day count is given.
const DefaultConsent = "10 minutes, single use"

// RegisteredScopes are the scopes of an NGI client as Hydra registers them:
// openid, each debt scope with a wildcard for its day count, and the scopes
// of NGI's client-credentials services.
func RegisteredScopes() []string {
	out := []string{ScopeOpenID}
	for _, p := range Purposes {
		out = append(out, p.Scope, p.Scope+".*")
	}
	for _, sc := range ServiceScopes() {
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// TestPersons are the national identity numbers of NGI's preprod test
// persons with mocked debt; the sandbox has the same.
var TestPersons = []string{"14842249091", "29868099311"}
