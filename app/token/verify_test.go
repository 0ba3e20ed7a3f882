package token

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const issuer = "https://access-preprod.norskgjeld.no/"

var (
	now      = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	key, _   = rsa.GenerateKey(rand.Reader, 2048)
	other, _ = rsa.GenerateKey(rand.Reader, 2048)
	keys     = JWKS{Keys: []JWK{PublicJWK("k1", &key.PublicKey), PublicJWK("k2", &other.PublicKey)}}
)

const access = "wi-w8zIdwwBHggkHhSjR24wH8pN6MDqxdObTBDuzaZo.sciTzz9qgwMlGBZ6X0jYIDyib8MupoIp5gbIJBxnTCs"

func claims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": issuer, "aud": []string{"client"}, "sub": "pairwise-sub", "exp": now.Add(time.Hour).Unix(), "iat": now.Add(-time.Minute).Unix(),
		"nonce": "n-1", "at_hash": AtHash(access), "pid": "14842249091", "consent_id": "c0ffee", "custom_claim": "x",
	}
}

func sign(t *testing.T, c jwt.MapClaims, k *rsa.PrivateKey, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func expect() Expect {
	return Expect{Issuer: issuer, ClientID: "client", Nonce: "n-1", AccessToken: access, Keys: &keys, Now: now}
}

func verify(t *testing.T, raw string, x Expect) Verification {
	t.Helper()
	d, err := Decode(raw)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return VerifyIDToken(raw, d, x)
}

func result(v Verification, name string) Check {
	for _, c := range v.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{}
}

func TestVerifyGenuineTokenPassesEveryCheck(t *testing.T) {
	v := verify(t, sign(t, claims(), key, "k1"), expect())
	if v.Signature != SignatureValid {
		t.Fatalf("signature %s", v.Signature)
	}
	for _, name := range []string{"signature", "iss", "aud", "exp", "iat", "nonce", "at_hash"} {
		if c := result(v, name); c.Result != Pass {
			t.Errorf("%s = %s: %s", name, c.Result, c.Reason)
		}
	}
}

func TestVerifyFailures(t *testing.T) {
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hs := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims())
		tok.Header["kid"] = "k1"
		s, _ := tok.SignedString(pubPEM) // the key-confusion attack: the public key as the HMAC secret
		return s
	}
	none := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, claims())
		s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		return s + "c2ln" // a non-empty "signature" so it decodes
	}
	with := func(k string, v any) jwt.MapClaims { c := claims(); c[k] = v; return c }
	tampered := func() string {
		s := sign(t, claims(), key, "k1")
		parts := strings.Split(s, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		payload = []byte(strings.Replace(string(payload), "14842249091", "29868099311", 1))
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	}
	tests := []struct {
		name, raw, check, phrase string
		x                        func(*Expect)
	}{
		{"wrong key", sign(t, claims(), other, "k1"), "signature", "does not match key", nil},
		{"unknown kid", sign(t, claims(), key, "k9"), "signature", `no key with kid "k9"`, nil},
		{"tampered claims", tampered(), "signature", "altered", nil},
		// Cut inside the signature, at a base64 boundary: still decodes.
		{"cut signature", func() string { s := sign(t, claims(), key, "k1"); return s[:len(s)-40] }(), "signature", "cut short", nil},
		{"alg none", none(), "signature", `"none"`, nil},
		{"HS256 with the public key", hs(), "signature", "key confusion", nil},
		{"expired", sign(t, with("exp", now.Add(-2*time.Minute).Unix()), key, "k1"), "exp", "expired", nil},
		{"no exp", sign(t, func() jwt.MapClaims { c := claims(); delete(c, "exp"); return c }(), key, "k1"), "exp", "missing", nil},
		{"issued in the future", sign(t, with("iat", now.Add(5*time.Minute).Unix()), key, "k1"), "iat", "in the future", nil},
		{"issuer without the slash", sign(t, with("iss", strings.TrimSuffix(issuer, "/")), key, "k1"), "iss", "trailing slash", nil},
		{"issuer with an extra slash", sign(t, claims(), key, "k1"), "iss", "trailing slash", func(x *Expect) { x.Issuer = strings.TrimSuffix(issuer, "/") }},
		{"other issuer", sign(t, with("iss", "https://access.norskgjeld.no/"), key, "k1"), "iss", "not the environment's", nil},
		{"wrong audience", sign(t, with("aud", "someone-else"), key, "k1"), "aud", "another client", nil},
		{"nonce mismatch", sign(t, with("nonce", "n-2"), key, "k1"), "nonce", "replayed", nil},
		{"nonce missing", sign(t, func() jwt.MapClaims { c := claims(); delete(c, "nonce"); return c }(), key, "k1"), "nonce", "carries none", nil},
		{"at_hash mismatch", sign(t, claims(), key, "k1"), "at_hash", "not issued together", func(x *Expect) { x.AccessToken = "other.token" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := expect()
			if tt.x != nil {
				tt.x(&x)
			}
			v := verify(t, tt.raw, x)
			c := result(v, tt.check)
			if c.Result != Fail || !strings.Contains(c.Reason, tt.phrase) {
				t.Fatalf("%s = %s %q, want fail with %q", tt.check, c.Result, c.Reason, tt.phrase)
			}
			if tt.check == "signature" && v.Signature != SignatureInvalid {
				t.Errorf("signature verdict %s", v.Signature)
			}
			if len(v.Failed()) == 0 {
				t.Error("Failed() is empty")
			}
		})
	}
}

func TestVerifySkipsWhatItCannotCheck(t *testing.T) {
	raw := sign(t, func() jwt.MapClaims { c := claims(); delete(c, "at_hash"); return c }(), key, "k1")
	v := verify(t, raw, Expect{Issuer: issuer, ClientID: "client", Now: now, KeysProblem: "keys not loaded"})
	if v.Signature != SignatureUnverified || result(v, "signature").Result != Skip || result(v, "signature").Reason != "keys not loaded" {
		t.Errorf("signature: %+v", v)
	}
	if result(v, "nonce").Result != Skip || result(v, "at_hash").Result != Skip {
		t.Errorf("nonce %v at_hash %v", result(v, "nonce"), result(v, "at_hash"))
	}
	// Within the stated clock skew, a just-expired token still passes.
	raw = sign(t, func() jwt.MapClaims { c := claims(); c["exp"] = now.Add(-ClockSkew / 2).Unix(); return c }(), key, "k1")
	if c := result(verify(t, raw, expect()), "exp"); c.Result != Pass {
		t.Errorf("exp within skew = %+v", c)
	}
}

func TestDecodeMalformed(t *testing.T) {
	good := sign(t, claims(), key, "k1")
	parts := strings.Split(good, ".")
	tests := []struct{ name, raw, phrase string }{
		{"truncated", good[:len(parts[0])+10], "three parts"},
		{"bad base64", parts[0] + ".!!!" + parts[1] + "." + parts[2], "claims part is not valid base64url"},
		{"header not json", base64.RawURLEncoding.EncodeToString([]byte("nope")) + "." + parts[1] + "." + parts[2], "cannot be decoded"},
		{"four parts", good + ".x", "three parts"},
	}
	for _, tt := range tests {
		if _, err := Decode(tt.raw); err == nil || !strings.Contains(err.Error(), tt.phrase) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.phrase)
		}
	}
}

// An unsigned token (alg none, or its signature cut off) is decoded to be
// read, marked unsigned, and never verified.
func TestUnsignedTokenIsDecodedNotTrusted(t *testing.T) {
	good := sign(t, claims(), key, "k1")
	parts := strings.Split(good, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	for name, raw := range map[string]string{"alg none": none + "." + parts[1] + ".", "signature cut off": parts[0] + "." + parts[1] + "."} {
		d, err := Decode(raw)
		if err != nil || !d.Unsigned || !strings.Contains(d.PayloadJSON, "\n  \"") || d.Parts[2] != "" {
			t.Fatalf("%s: %v %+v", name, err, d)
		}
		v := VerifyIDToken(raw, d, Expect{Keys: &JWKS{Keys: []JWK{PublicJWK("k1", &key.PublicKey)}}, Now: time.Now()})
		if v.Signature == SignatureValid {
			t.Errorf("%s verified", name)
		}
	}
}

// Pasted as an Authorization header, or cut short by a terminal.
func TestReadStripsBearerAndSpotsCutJWTs(t *testing.T) {
	good := sign(t, claims(), key, "k1")
	if in := Read("Bearer " + good); in.Kind != KindJWT || in.IDToken != good {
		t.Errorf("Bearer JWT: %+v", in.Kind)
	}
	if in := Read("bearer ory_at_abc.def"); in.Kind != KindOpaque {
		t.Errorf("bearer opaque: %+v", in.Kind)
	}
	parts := strings.Split(good, ".")
	if in := Read(parts[0] + "." + parts[1][:20]); in.Kind != KindUnknown || !strings.Contains(in.Problem, "cut short") {
		t.Errorf("a JWT cut to two parts: %+v", in)
	}
}

func TestDecodeListsClaimsKnownFirst(t *testing.T) {
	d, err := Decode(sign(t, claims(), key, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	last := d.Claims[len(d.Claims)-1]
	if last.Name != "custom_claim" || last.Known != "" {
		t.Errorf("the unknown claim is not listed last: %+v", d.Claims)
	}
	for _, c := range d.Claims {
		if c.Name == "exp" && !c.Time.Equal(now.Add(time.Hour)) {
			t.Errorf("exp time = %v", c.Time)
		}
	}
	if d.Header["kid"] != "k1" || d.Header["alg"] != "RS256" {
		t.Errorf("header = %v", d.Header)
	}
}

func TestReadTellsInputsApart(t *testing.T) {
	jwtRaw := sign(t, claims(), key, "k1")
	tests := []struct {
		raw  string
		kind Kind
	}{
		{"", KindEmpty},
		{access, KindOpaque},
		{"ory_at_" + access, KindOpaque},
		{jwtRaw, KindJWT},
		{`{"access_token":"` + access + `","id_token":"` + jwtRaw + `","expires_in":3599}`, KindResponse},
		{`{"error":"invalid_grant"}`, KindUnknown},
		{`{"access_token":`, KindUnknown},
		{"hello", KindUnknown},
	}
	for _, tt := range tests {
		if in := Read(tt.raw); in.Kind != tt.kind {
			t.Errorf("Read(%.30q) = %s, want %s", tt.raw, in.Kind, tt.kind)
		}
	}
	if o := DescribeOpaque("ory_ac_" + access); o.Prefix != "ory_ac_" || !strings.Contains(o.What, "authorization code") {
		t.Errorf("DescribeOpaque = %+v", o)
	}
}

func TestJWKSRoundTrip(t *testing.T) {
	k, err := keys.Find("k2")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := k.RSAKey()
	if err != nil || !pub.Equal(&other.PublicKey) {
		t.Fatalf("RSAKey = %v, %v", pub, err)
	}
	if _, err := (JWKS{Keys: []JWK{{Kty: "EC", Kid: "e"}}}).Keys[0].RSAKey(); err == nil {
		t.Error("an EC key was taken as RSA")
	}
	if _, err := keys.Find(""); err == nil {
		t.Error("no kid with two keys should not pick one")
	}
	if _, err := ParseJWKS([]byte("<html>")); err == nil {
		t.Error("HTML taken as a key set")
	}
}
