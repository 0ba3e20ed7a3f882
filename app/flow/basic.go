package flow

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
)

// BasicAuth builds the Authorization header value of client_secret_basic as
// RFC 6749 §2.3.1 says: id and secret each form-url-encoded, joined by a
// colon, then base64.
func BasicAuth(clientID, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID)+":"+url.QueryEscape(secret)))
}

// ErrBasicEncoding is returned for credentials that are not form-url-encoded.
var ErrBasicEncoding = errors.New("the client secret in the HTTP authorization header could not be decoded from 'application/x-www-form-urlencoded'")

// ParseBasic reads an Authorization header of client_secret_basic, undoing
// the form-url-encoding. ok is false when the header is not Basic at all.
func ParseBasic(header string) (clientID, secret string, ok bool, err error) {
	// The scheme is case-insensitive (RFC 9110 §11.1): Hydra takes "basic" too.
	scheme, enc, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false, nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", true, errors.New("the HTTP authorization header is not valid base64")
	}
	id, sec, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", true, errors.New("the HTTP authorization header has no colon between client id and secret")
	}
	if clientID, err = url.QueryUnescape(id); err != nil {
		return "", "", true, errors.New("the client id in the HTTP authorization header could not be decoded from 'application/x-www-form-urlencoded'")
	}
	if secret, err = url.QueryUnescape(sec); err != nil {
		return "", "", true, ErrBasicEncoding
	}
	return clientID, secret, true, nil
}
