package flow

import (
	"encoding/json"
	"strings"
)

// RelayRequest is what the page asks the relay to send. The target is chosen
// by Env alone; nothing in it is ever fetched as a URL.
type RelayRequest struct {
	Env          string            `json:"env"`
	ClientID     string            `json:"client_id,omitempty"`
	ClientSecret string            `json:"client_secret,omitempty"`
	Form         map[string]string `json:"form,omitempty"`
}

// ScenarioRequest asks the sandbox, as the client, to make its next calls
// of an endpoint fail (the sandbox's POST /sandbox/scenarios).
type ScenarioRequest struct {
	Env          string          `json:"env"`
	ClientID     string          `json:"client_id"`
	ClientSecret string          `json:"client_secret"`
	Scenario     json.RawMessage `json:"scenario"`
}

// Header is one HTTP header line.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// WireRequest is what the relay sent, with the secret masked.
type WireRequest struct {
	Method  string   `json:"method"`
	URL     string   `json:"url"`
	Headers []Header `json:"headers"`
	Body    string   `json:"body,omitempty"`
}

// WireResponse is what came back, whatever it was.
type WireResponse struct {
	Status    int      `json:"status"`
	Headers   []Header `json:"headers"`
	Body      string   `json:"body"`
	ElapsedMS float64  `json:"elapsed_ms"`
}

// RelayError is why the relay could not get an answer from upstream.
type RelayError struct {
	Kind    string `json:"kind"` // refused, dns, tls, timeout, too_large, canceled, bad_request, ...
	Message string `json:"message"`
}

// RelayResult is the relay's answer to the page.
type RelayResult struct {
	Request  *WireRequest  `json:"request,omitempty"`
	Response *WireResponse `json:"response,omitempty"`
	Error    *RelayError   `json:"error,omitempty"`
	// Preflight reads the answer of /api/preflight.
	Preflight *Preflight `json:"preflight,omitempty"`
}

// HeaderValue returns the first value of a header, case-insensitively.
func HeaderValue(hs []Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}
