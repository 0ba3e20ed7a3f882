package token

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Result is the outcome of one check.
type Result string

// The results of a check.
const (
	Pass Result = "pass"
	Fail Result = "fail"
	Skip Result = "skip"
)

// Signature is the state of an ID token's signature.
type Signature string

// The states of a signature.
const (
	SignatureValid      Signature = "valid"
	SignatureInvalid    Signature = "invalid"
	SignatureUnverified Signature = "unverified"
)

// Check is one named check of an ID token.
type Check struct {
	Name   string
	Result Result
	Reason string
}

// Expect is what an ID token must agree with.
type Expect struct {
	Issuer      string
	ClientID    string
	Nonce       string // the pending request's nonce; empty skips the check
	AccessToken string // issued with the ID token; empty skips at_hash
	Keys        *JWKS  // nil: the signature is not verified
	KeysProblem string // why there are no keys, when Keys is nil
	Now         time.Time
}

// ClockSkew is the allowance for clocks that disagree, in exp and iat.
const ClockSkew = 60 * time.Second

// Verification is the whole verdict on an ID token.
type Verification struct {
	Signature Signature
	Checks    []Check
}

// Failed returns the names of the failed checks.
func (v Verification) Failed() []string {
	var out []string
	for _, c := range v.Checks {
		if c.Result == Fail {
			out = append(out, c.Name)
		}
	}
	return out
}

// VerifyIDToken runs every check of an ID token, each named, passed or
// failed with a reason, or skipped when there is nothing to check against.
func VerifyIDToken(raw string, d *Decoded, x Expect) Verification {
	v := Verification{Signature: SignatureUnverified}
	sig := verifySignature(raw, d, x)
	v.Checks = append(v.Checks, sig)
	switch sig.Result {
	case Pass:
		v.Signature = SignatureValid
	case Fail:
		v.Signature = SignatureInvalid
	}
	v.Checks = append(v.Checks,
		checkIssuer(d, x.Issuer),
		checkAudience(d, x.ClientID),
		checkExpiry(d, x.Now),
		checkIssuedAt(d, x.Now),
		checkNonce(d, x.Nonce),
		checkAtHash(d, x.AccessToken),
	)
	return v
}

func verifySignature(raw string, d *Decoded, x Expect) Check {
	c := Check{Name: "signature"}
	alg, _ := d.Header["alg"].(string)
	switch {
	case strings.EqualFold(alg, "none"):
		return fail(c, "alg is \"none\": the token carries no signature and anyone could have written it. NGI signs with RS256; refuse it.")
	case strings.HasPrefix(alg, "HS"):
		return fail(c, "alg is "+alg+", a shared-secret MAC: a token signed with the public key as the secret would pass a careless verifier (key confusion). NGI signs with RS256; refuse it.")
	case alg != "RS256":
		return fail(c, fmt.Sprintf("alg is %q; NGI signs ID tokens with RS256 only.", alg))
	}
	if x.Keys == nil {
		c.Result, c.Reason = Skip, firstOf(x.KeysProblem, "The environment's keys are not loaded, so the signature is not verified.")
		return c
	}
	kid, _ := d.Header["kid"].(string)
	key, err := x.Keys.Find(kid)
	if err != nil {
		return fail(c, err.Error()+".")
	}
	pub, err := key.RSAKey()
	if err != nil {
		return fail(c, err.Error()+".")
	}
	i := strings.LastIndexByte(raw, '.')
	sigBytes, err := base64.RawURLEncoding.DecodeString(raw[i+1:])
	if err != nil {
		return fail(c, "The signature is not valid base64url.")
	}
	if want := pub.Size(); len(sigBytes) != want {
		return fail(c, fmt.Sprintf("The signature is %d bytes, but an RS256 signature of key %q is %d: the token was cut short or padded (copied incompletely?). Copy the whole token.", len(sigBytes), key.Kid, want))
	}
	if err := jwt.SigningMethodRS256.Verify(raw[:i], sigBytes, pub); err != nil {
		return fail(c, fmt.Sprintf("The RS256 signature does not match key %q: the token was altered, or signed with another key.", key.Kid))
	}
	c.Result, c.Reason = Pass, fmt.Sprintf("RS256 signature verified with key %q of the environment's JWKS.", key.Kid)
	return c
}

func checkIssuer(d *Decoded, want string) Check {
	c := Check{Name: "iss"}
	got, _ := d.claims["iss"].(string)
	switch {
	case want == "":
		c.Result, c.Reason = Skip, "No environment is chosen, so the issuer cannot be compared."
	case got == want:
		c.Result, c.Reason = Pass, "The issuer is exactly "+want+"."
	case strings.TrimSuffix(got, "/") == strings.TrimSuffix(want, "/"):
		return fail(c, fmt.Sprintf("The issuer is %q but must be exactly %q: they differ only by the trailing slash, and OpenID Connect compares them character for character.", got, want))
	default:
		return fail(c, fmt.Sprintf("The issuer is %q, not the environment's %q.", got, want))
	}
	return c
}

func checkAudience(d *Decoded, clientID string) Check {
	c := Check{Name: "aud"}
	auds, err := d.claims.GetAudience()
	switch {
	case err != nil:
		return fail(c, "The aud claim is neither a string nor a list of strings.")
	case clientID == "":
		c.Result, c.Reason = Skip, "No client id is given, so the audience cannot be compared."
	case slices.Contains(auds, clientID):
		c.Result, c.Reason = Pass, "The audience contains the client id "+clientID+"."
	default:
		return fail(c, fmt.Sprintf("The audience %v does not contain the client id %q: the token was issued to another client.", []string(auds), clientID))
	}
	return c
}

func checkExpiry(d *Decoded, now time.Time) Check {
	c := Check{Name: "exp"}
	exp, err := d.claims.GetExpirationTime()
	switch {
	case err != nil:
		return fail(c, "The exp claim is not a number.")
	case exp == nil:
		return fail(c, "The exp claim is missing; an ID token must expire.")
	case now.After(exp.Add(ClockSkew)):
		return fail(c, fmt.Sprintf("The token expired %s (at %s, with %s clock skew allowed).", Relative(exp.Time, now), exp.UTC().Format(time.RFC3339), ClockSkew))
	}
	c.Result, c.Reason = Pass, fmt.Sprintf("The token expires %s (%s).", Relative(exp.Time, now), exp.UTC().Format(time.RFC3339))
	return c
}

// TimeVerdictsChanged reports whether the exp or iat check of a token may
// read otherwise at now than at then: a bound (with ClockSkew) lies between
// them, or a minute passed, which moves the relative times the checks state.
func TimeVerdictsChanged(d *Decoded, then, now time.Time) bool {
	if now.Sub(then) >= time.Minute || then.After(now) {
		return true
	}
	crossed := func(t time.Time) bool { return then.Before(t) != now.Before(t) }
	if exp, err := d.claims.GetExpirationTime(); err == nil && exp != nil && crossed(exp.Add(ClockSkew)) {
		return true
	}
	if iat, err := d.claims.GetIssuedAt(); err == nil && iat != nil && crossed(iat.Add(-ClockSkew)) {
		return true
	}
	return false
}

func checkIssuedAt(d *Decoded, now time.Time) Check {
	c := Check{Name: "iat"}
	iat, err := d.claims.GetIssuedAt()
	switch {
	case err != nil:
		return fail(c, "The iat claim is not a number.")
	case iat == nil:
		return fail(c, "The iat claim is missing.")
	case iat.After(now.Add(ClockSkew)):
		return fail(c, fmt.Sprintf("The token was issued %s, in the future beyond the %s clock skew allowed: a clock is wrong.", Relative(iat.Time, now), ClockSkew))
	}
	c.Result, c.Reason = Pass, fmt.Sprintf("Issued %s (%s).", Relative(iat.Time, now), iat.UTC().Format(time.RFC3339))
	return c
}

func checkNonce(d *Decoded, want string) Check {
	c := Check{Name: "nonce"}
	got, has := d.claims["nonce"].(string)
	switch {
	case want == "" && !has:
		c.Result, c.Reason = Skip, "No nonce was sent and none came back."
	case want == "":
		c.Result, c.Reason = Skip, "The token carries a nonce, but no pending request with a nonce is known to compare it with."
	case !has:
		return fail(c, "The request sent a nonce, but the token carries none.")
	case got != want:
		return fail(c, fmt.Sprintf("The nonce %q is not the request's %q: the token answers another request, or was replayed.", got, want))
	default:
		c.Result, c.Reason = Pass, "The nonce equals the one the authorize request sent."
	}
	return c
}

func checkAtHash(d *Decoded, accessToken string) Check {
	c := Check{Name: "at_hash"}
	got, has := d.claims["at_hash"].(string)
	switch {
	case !has:
		c.Result, c.Reason = Skip, "The token has no at_hash."
	case accessToken == "":
		c.Result, c.Reason = Skip, "No access token came with it, so at_hash cannot be checked."
	case got != AtHash(accessToken):
		return fail(c, "at_hash does not match the access token: the two were not issued together.")
	default:
		c.Result, c.Reason = Pass, "at_hash matches the access token issued with it."
	}
	return c
}

// AtHash is the at_hash of an access token for RS256: the left half of its
// SHA-256, base64url.
func AtHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

func fail(c Check, reason string) Check {
	c.Result, c.Reason = Fail, reason
	return c
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
