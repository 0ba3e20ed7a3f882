package token

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
)

// JWK is one JSON Web Key, the RSA fields only: NGI signs with RS256. A few
// lines here keep a JOSE library (and its net/http fetching) out of app.wasm.
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
}

// JWKS is a key set as served at /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// PublicJWK writes an RSA public key as a JWK.
func PublicJWK(kid string, pub *rsa.PublicKey) JWK {
	return JWK{
		Kty: "RSA", Kid: kid, Use: "sig", Alg: "RS256",
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// ParseJWKS reads a key set.
func ParseJWKS(body []byte) (JWKS, error) {
	var set JWKS
	if err := json.Unmarshal(body, &set); err != nil {
		return set, fmt.Errorf("the key set is not valid JSON: %v", err)
	}
	return set, nil
}

// RSAKey turns a JWK into an RSA public key.
func (k JWK) RSAKey() (*rsa.PublicKey, error) {
	if k.Kty != "RSA" {
		return nil, fmt.Errorf("key %q is of type %q, not RSA", k.Kid, k.Kty)
	}
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil || len(n) == 0 {
		return nil, fmt.Errorf("key %q has a bad modulus", k.Kid)
	}
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, fmt.Errorf("key %q has a bad exponent", k.Kid)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
}

// Find returns the key with a kid; with no kid asked and a single key, that key.
func (s JWKS) Find(kid string) (JWK, error) {
	for _, k := range s.Keys {
		if k.Kid == kid && kid != "" {
			return k, nil
		}
	}
	if kid == "" && len(s.Keys) == 1 {
		return s.Keys[0], nil
	}
	if kid == "" {
		return JWK{}, fmt.Errorf("the token names no kid and the key set has %d keys", len(s.Keys))
	}
	return JWK{}, fmt.Errorf("no key with kid %q in the environment's key set (it has %s): the token was signed elsewhere, or the keys were rotated", kid, kids(s))
}

func kids(s JWKS) string {
	if len(s.Keys) == 0 {
		return "no keys"
	}
	out := ""
	for i, k := range s.Keys {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", k.Kid)
	}
	return out
}

// CheckRS256 says why a key cannot verify NGI's ID tokens, which are signed
// with RS256, or nil when it can.
func (k JWK) CheckRS256() error {
	if _, err := k.RSAKey(); err != nil {
		return err
	}
	if k.Alg != "" && k.Alg != "RS256" {
		return fmt.Errorf("alg %s: NGI signs ID tokens with RS256", k.Alg)
	}
	return nil
}
