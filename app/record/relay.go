package record

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"authdebug/app/flow"
)

// FromRelay is the step of one call the tool's server carried: kind says
// which (token, revoke, preflight, discovery, keys, call); sent is the form
// the page sent, unmasked, so that its secrets get the same fingerprints as
// elsewhere (the relay's copy has them masked); problem is why the page got
// no answer from its own server.
func FromRelay(kind string, at time.Time, sent map[string]string, res *flow.RelayResult, problem string) Step {
	s := Step{Kind: kind, At: at, From: LaneServer, To: LaneAuth}
	if kind == KindCall {
		s.To = LaneAPI
	}
	if problem != "" || res == nil {
		s.Failed, s.Verdict = true, "no answer from authdebug's server: "+problem
		return s
	}
	if req := res.Request; req != nil {
		s.Method, s.URL = req.Method, URL(req.URL)
		body := Body(flow.HeaderValue(req.Headers, "Content-Type"), req.Body)
		if sent != nil {
			body = Form(encodeForm(sent))
		}
		s.Request = NewMessage(Headers(req.Headers), body)
	}
	if res.Error != nil {
		s.Failed, s.Verdict = true, res.Error.Kind+": "+res.Error.Message
		return s
	}
	resp := res.Response
	contentType := flow.HeaderValue(resp.Headers, "Content-Type")
	s.Status, s.DurationMS = resp.Status, resp.ElapsedMS
	s.Response = NewMessage(Headers(resp.Headers), Body(contentType, resp.Body))
	s.Failed = resp.Status >= 400
	switch kind {
	case KindToken, KindRevoke:
		tok, oerr, unreadable := flow.ReadTokenResponse(resp.Status, contentType, resp.Body)
		switch {
		case oerr != nil:
			reason, _ := oerr.Reason()
			s.Verdict, s.Failed = oerr.Error, true
			s.Findings = append(s.Findings, flow.Finding{Level: flow.LevelError, Field: oerr.Error, Message: reason})
		case tok != nil:
			s.Verdict = "tokens issued"
		case kind == KindRevoke && resp.Status == 200:
			s.Verdict = "accepted"
		default:
			s.Verdict, s.Failed = unreadable, true
		}
	case KindCall:
		if e, ok := flow.ReadAPIError(resp.Body); ok {
			s.Verdict, s.TraceID = e.Error, e.TraceID
		} else if !s.Failed {
			s.Verdict = "answered"
		}
	case KindPreflight:
		if p := res.Preflight; p != nil {
			s.Verdict, s.Failed = p.Verdict, p.Verdict != flow.PreflightAccepted
			if p.Error != "" {
				s.Verdict += ": " + p.Error
			}
		}
	}
	return s
}

func encodeForm(form map[string]string) string {
	names := make([]string, 0, len(form))
	for n := range form {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, url.QueryEscape(n)+"="+url.QueryEscape(form[n]))
	}
	return strings.Join(parts, "&")
}

// NoteDiscovery keeps the discovery document's issuer and endpoints.
func (r *Run) NoteDiscovery(body string) {
	var doc map[string]any
	if json.Unmarshal([]byte(body), &doc) != nil {
		return
	}
	d := &Discovery{Endpoints: map[string]string{}}
	d.Issuer, _ = doc["issuer"].(string)
	for k, v := range doc {
		if s, ok := v.(string); ok && (strings.HasSuffix(k, "_endpoint") || k == "jwks_uri") {
			d.Endpoints[k] = s
		}
	}
	r.Discovery = d
}

// NoteKeys keeps the key ids and algorithms of a JWKS, never the keys.
func (r *Run) NoteKeys(body string) {
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Alg string `json:"alg"`
			Kty string `json:"kty"`
		} `json:"keys"`
	}
	if json.Unmarshal([]byte(body), &set) != nil {
		return
	}
	r.Keys = nil
	for _, k := range set.Keys {
		r.Keys = append(r.Keys, Key{Kid: k.Kid, Alg: cmp.Or(k.Alg, k.Kty)})
	}
}

// Summary says a step in one line: what, between whom, how it ended.
func (s Step) Summary() string {
	parts := []string{s.Kind, laneLabel(s.From) + " → " + laneLabel(s.To)}
	if s.Method != "" {
		parts = append(parts, s.Method+" "+pathOf(s.URL))
	}
	if s.Status != 0 {
		parts = append(parts, fmt.Sprint(s.Status))
	}
	if s.Verdict != "" {
		parts = append(parts, s.Verdict)
	}
	return strings.Join(parts, " · ")
}

func laneLabel(id string) string {
	for _, l := range Lanes {
		if l.ID == id {
			return l.Label
		}
	}
	return id
}
