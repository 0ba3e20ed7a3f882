// Package record is a run's record: the exchanges of one OAuth flow, in
// order, already redacted, and what it is exported as (the bundle for a
// ticket, HAR 1.2, a Mermaid sequence). It is pure: the page hands it the
// clock and what it saw.
package record

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"authdebug/app/flow"
)

// Schema names the bundle's format.
const Schema = "authdebug-bundle/1"

// Lanes: who talks in a step.
const (
	LaneBrowser = "browser"   // the person's browser
	LaneApp     = "app"       // their app, when the callback was pasted from it
	LaneServer  = "authdebug" // this tool's server, which relays the calls
	LaneAuth    = "auth"      // the authorization server (NGI's Hydra, or the sandbox)
	LaneAPI     = "api"       // NGI's API
)

// Lanes lists the lanes in the picture's order, with their names.
var Lanes = []struct{ ID, Label string }{
	{LaneBrowser, "Browser"}, {LaneApp, "Your app"}, {LaneServer, "authdebug"},
	{LaneAuth, "Authorization server"}, {LaneAPI, "NGI API"},
}

// Kinds of steps.
const (
	KindAuthorize = "authorize"
	KindPreflight = "preflight"
	KindCallback  = "callback"
	KindToken     = "token"
	KindRevoke    = "revoke"
	KindDiscovery = "discovery"
	KindKeys      = "keys"
	KindUserinfo  = "userinfo"
	KindCall      = "call"
)

// Step is one exchange. Its URL, request and response are redacted when it
// is made (Redact*), so nothing secret is ever held in a record.
type Step struct {
	Index      int       `json:"index"`
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Method     string    `json:"method,omitempty"`
	URL        string    `json:"url,omitempty"`
	Status     int       `json:"status,omitempty"`
	DurationMS float64   `json:"duration_ms,omitempty"`
	TraceID    string    `json:"trace_id,omitempty"`
	// Verdict is the page's reading in a few words; Failed marks an error.
	Verdict  string         `json:"verdict,omitempty"`
	Failed   bool           `json:"failed,omitempty"`
	Findings []flow.Finding `json:"findings,omitempty"`
	Request  *Message       `json:"request,omitempty"`
	Response *Message       `json:"response,omitempty"`
}

// Message is a request's or response's headers and body, redacted. A JSON
// body is kept as JSON, so that the bundle reads as one document.
type Message struct {
	Headers []flow.Header   `json:"headers,omitempty"`
	Body    string          `json:"body,omitempty"`
	JSON    json.RawMessage `json:"json,omitempty"`
}

// NewMessage holds a redacted body: as JSON when it is JSON.
func NewMessage(headers []flow.Header, redactedBody string) *Message {
	m := &Message{Headers: headers}
	if json.Valid([]byte(redactedBody)) && (strings.HasPrefix(redactedBody, "{") || strings.HasPrefix(redactedBody, "[")) {
		m.JSON = json.RawMessage(redactedBody)
	} else {
		m.Body = redactedBody
	}
	return m
}

// Text is the body as text, whichever way it is held.
func (m *Message) Text() string {
	if len(m.JSON) > 0 {
		return string(m.JSON)
	}
	return m.Body
}

// Environment is what the bundle says of the environment.
type Environment struct {
	ID      string `json:"id"`
	Label   string `json:"label,omitempty"`
	Issuer  string `json:"issuer"`
	APIBase string `json:"api_base,omitempty"`
}

// Discovery is the discovery document's issuer and endpoints.
type Discovery struct {
	Issuer    string            `json:"issuer"`
	Endpoints map[string]string `json:"endpoints,omitempty"`
}

// Key is a signing key in use: its id and algorithm, never its material.
type Key struct {
	Kid string `json:"kid"`
	Alg string `json:"alg,omitempty"`
}

// Run is one flow's record, and the bundle as it is downloaded.
type Run struct {
	Schema      string      `json:"schema"`
	Tool        string      `json:"tool"` // authdebug's version
	Started     time.Time   `json:"started"`
	Zone        string      `json:"zone"` // the page's time zone, for the times
	Environment Environment `json:"environment"`
	ClientID    string      `json:"client_id,omitempty"`
	Discovery   *Discovery  `json:"discovery,omitempty"`
	Keys        []Key       `json:"keys,omitempty"`
	TraceIDs    []string    `json:"trace_ids,omitempty"`
	Steps       []Step      `json:"steps"`
}

// MaxSteps bounds a run: past it, the oldest steps go.
const MaxSteps = 200

// New starts a run.
func New(now time.Time, tool string, env Environment, clientID string) *Run {
	zone, _ := now.Zone()
	return &Run{Schema: Schema, Tool: tool, Started: now, Zone: zone, Environment: env, ClientID: clientID, Steps: []Step{}}
}

// Add appends a step, numbering it, and collects its trace id.
func (r *Run) Add(s Step) {
	if n := len(r.Steps); n >= MaxSteps {
		r.Steps = r.Steps[n-MaxSteps+1:]
	}
	s.Index = len(r.Steps)
	if len(r.Steps) > 0 {
		s.Index = r.Steps[len(r.Steps)-1].Index + 1
	}
	r.Steps = append(r.Steps, s)
	if s.TraceID != "" && !slices.Contains(r.TraceIDs, s.TraceID) {
		r.TraceIDs = append(r.TraceIDs, s.TraceID)
	}
}

// Note adds a finding to the last step of a kind (the Inspect tab's verdict
// on the token step's ID token), once; it reports whether it did.
func (r *Run) Note(kind string, f flow.Finding) bool {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].Kind != kind {
			continue
		}
		for _, had := range r.Steps[i].Findings {
			if had == f {
				return false
			}
		}
		r.Steps[i].Findings = append(r.Steps[i].Findings, f)
		return true
	}
	return false
}

// Revise replaces the last step by s when it is of the same kind and less
// than within older (a callback typed key by key is one step), else adds s.
func (r *Run) Revise(s Step, within time.Duration) {
	if n := len(r.Steps); n > 0 && r.Steps[n-1].Kind == s.Kind && s.At.Sub(r.Steps[n-1].At) < within {
		s.Index = r.Steps[n-1].Index
		r.Steps[n-1] = s
		return
	}
	r.Add(s)
}
