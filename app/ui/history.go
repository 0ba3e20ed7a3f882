package ui

import "time"

// historyKey is the localStorage key of the history: what was read and sent
// in this browser, never a secret, a code, a token or a national id number.
const historyKey = "authdebug.history"

// historyLimit is how many entries the history keeps, newest first.
const historyLimit = 30

// historyEntry is one callback read or one token request sent.
type historyEntry struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"` // callback, preflight or token
	Env     string    `json:"env"`
	Client  string    `json:"client"`
	Outcome string    `json:"outcome"` // the verdict, or the error code
	// Callback is the callback URL read, rebuilt from its reading without
	// its code or any other secret (flow.Callback.Shareable).
	Callback string `json:"callback,omitempty"`
	// Grant, Audience, Scope and RedirectURI are a token request's form
	// without code, verifier or secret.
	Grant       string `json:"grant,omitempty"`
	Audience    string `json:"audience,omitempty"`
	Scope       string `json:"scope,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty"`
}

// remember adds an entry; a callback typed key by key replaces the one
// before it rather than adding one per key.
func (sh *shared) remember(e historyEntry) {
	if n := len(sh.history); n > 0 && e.Kind == "callback" && sh.history[0].Kind == "callback" && time.Since(sh.history[0].At) < time.Minute {
		sh.history = sh.history[1:]
	}
	sh.history = append([]historyEntry{e}, sh.history...)
	if len(sh.history) > historyLimit {
		sh.history = sh.history[:historyLimit]
	}
	if sh.mounted {
		sh.root.LocalStorage().Set(historyKey, sh.history)
	}
}

func (sh *shared) forgetHistory() {
	sh.history = nil
	if sh.mounted {
		sh.root.LocalStorage().Del(historyKey)
	}
}
