package flow

import "golang.org/x/oauth2"

// PKCE is a proof key for one authorize request (RFC 7636, S256).
type PKCE struct {
	Verifier  string `json:"verifier"`
	Challenge string `json:"challenge"`
}

// NewPKCE makes a fresh verifier and its S256 challenge.
func NewPKCE() PKCE {
	v := oauth2.GenerateVerifier()
	return PKCE{Verifier: v, Challenge: oauth2.S256ChallengeFromVerifier(v)}
}

// ChallengeOf returns the S256 challenge of a verifier.
func ChallengeOf(verifier string) string { return oauth2.S256ChallengeFromVerifier(verifier) }
