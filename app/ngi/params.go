package ngi

// ExplainAuthorizeParam says what a parameter of NGI's authorize request is for.
func ExplainAuthorizeParam(name string) string {
	switch name {
	case "client_id":
		return "The id NGI issued to the client."
	case "response_type":
		return "Always code: the authorization code flow."
	case "scope":
		return "One debt scope (optionally .days), then openid for an ID token."
	case "redirect_uri":
		return "Where NGI sends the browser back; must be registered, character for character."
	case "state":
		return "A fresh random value; the callback must carry it back unchanged."
	case "nonce":
		return "Echoed inside the ID token; guards against replayed ID tokens."
	case "code_challenge":
		return "PKCE: a hash of a secret verifier; the token request must send the verifier, proving it comes from whoever started the flow."
	case "code_challenge_method":
		return "How the challenge was made from the verifier: S256 (SHA-256), the only method Hydra takes."
	case "response_mode":
		return "Where the callback parameters go: the query (?) or the fragment (#)."
	}
	return ""
}

// ExplainCallbackParam says what a parameter of a callback is.
func ExplainCallbackParam(name string) string {
	switch name {
	case "code":
		return "The authorization code: single use, short-lived; exchange it at the token endpoint."
	case "scope":
		return "The scope granted, without the day count."
	case "state":
		return "Must equal the state your app sent; reject the callback otherwise."
	case "error":
		return "What went wrong; see the explanation above."
	case "error_description":
		return "The server's words about the error."
	case "error_uri":
		return "RFC 6749 §4.1.2.1: the address of a page about the error, from the server."
	case "error_hint", "error_debug":
		return "Hydra's extra detail about the error."
	case "iss":
		return "The issuer that sent this callback (RFC 9207)."
	}
	return "Not a parameter of an OAuth callback: your redirect_uri's own, or something added on the way."
}
