package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// JSON is the bundle, as shown, copied and downloaded.
func (r *Run) JSON() string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return string(b)
}

// FileName is the bundle's download name: authdebug-run-<time>.json.
func (r *Run) FileName(ext string) string {
	return "authdebug-run-" + r.Started.Format("20060102-150405") + "." + ext
}

// MaxBundle bounds a bundle that is opened.
const MaxBundle = 2 << 20

// Open reads a bundle someone sent. Nothing of it is sent anywhere.
func Open(text string) (*Run, error) {
	if len(text) > MaxBundle {
		return nil, fmt.Errorf("this text is %d bytes; a bundle is at most %d", len(text), MaxBundle)
	}
	var r Run
	if err := json.Unmarshal([]byte(strings.TrimSpace(text)), &r); err != nil {
		return nil, errors.New("this is not a bundle: it is not JSON of the form authdebug downloads (authdebug-run-….json)")
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("this is not an authdebug bundle: its schema is %q, not %q", r.Schema, Schema)
	}
	if len(r.Steps) > MaxSteps {
		r.Steps = r.Steps[len(r.Steps)-MaxSteps:]
	}
	return &r, nil
}

// Mermaid is the run as a Mermaid sequenceDiagram, which GitLab, GitHub,
// Confluence and most ticket systems draw. An answer that failed is a
// cross-ended arrow.
func (r *Run) Mermaid() string {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	for _, l := range Lanes {
		if r.uses(l.ID) {
			fmt.Fprintf(&b, "  participant %s as %s\n", mermaidID(l.ID), l.Label)
		}
	}
	for _, a := range r.Arrows() {
		arrow := "->>"
		switch {
		case a.Reply && a.Failed:
			arrow = "--x"
		case a.Reply:
			arrow = "-->>"
		}
		fmt.Fprintf(&b, "  %s%s%s: %s\n", mermaidID(a.From), arrow, mermaidID(a.To), mermaidText(a.Label))
	}
	return b.String()
}

func mermaidID(lane string) string {
	return map[string]string{LaneBrowser: "B", LaneApp: "App", LaneServer: "S", LaneAuth: "AS", LaneAPI: "API"}[lane]
}

// mermaidText keeps a label on its line and out of Mermaid's syntax.
func mermaidText(s string) string {
	return strings.NewReplacer("\n", " ", ";", ",", "#", "", ":", " ").Replace(s)
}

func (r *Run) uses(lane string) bool {
	for _, s := range r.Steps {
		if s.From == lane || s.To == lane {
			return true
		}
	}
	return false
}

// Arrow is one message of the sequence: a step's request, or its answer.
type Arrow struct {
	Step     int // the step's Index
	From, To string
	Label    string
	Reply    bool
	Failed   bool
}

// Arrows are the run's messages in order: each step's request, and an
// answer where one came back (a status, or a verdict for a redirect).
func (r *Run) Arrows() []Arrow {
	var out []Arrow
	for _, s := range r.Steps {
		out = append(out, Arrow{Step: s.Index, From: s.From, To: s.To, Label: strings.TrimSpace(s.Method + " " + pathOf(s.URL)), Failed: s.Failed && s.Status == 0})
		if s.Status != 0 {
			label := fmt.Sprintf("%d", s.Status)
			if s.Verdict != "" {
				label += " " + s.Verdict
			}
			out = append(out, Arrow{Step: s.Index, From: s.To, To: s.From, Label: label, Reply: true, Failed: s.Failed})
		} else if s.Verdict != "" {
			out[len(out)-1].Label += " (" + s.Verdict + ")"
		}
	}
	return out
}

// pathOf is a URL's path, or the URL when it has none.
func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return raw
	}
	return u.Path
}

// HAR is the run's HTTP exchanges as a HAR 1.2 log, for the tools that
// read HAR. Steps without a method (none yet) are left out.
func (r *Run) HAR() string {
	type nv struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	type content struct {
		Size     int    `json:"size"`
		MimeType string `json:"mimeType"`
		Text     string `json:"text,omitempty"`
	}
	type postData struct {
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
	}
	type request struct {
		Method      string    `json:"method"`
		URL         string    `json:"url"`
		HTTPVersion string    `json:"httpVersion"`
		Cookies     []nv      `json:"cookies"`
		Headers     []nv      `json:"headers"`
		QueryString []nv      `json:"queryString"`
		PostData    *postData `json:"postData,omitempty"`
		HeadersSize int       `json:"headersSize"`
		BodySize    int       `json:"bodySize"`
	}
	type response struct {
		Status      int     `json:"status"`
		StatusText  string  `json:"statusText"`
		HTTPVersion string  `json:"httpVersion"`
		Cookies     []nv    `json:"cookies"`
		Headers     []nv    `json:"headers"`
		Content     content `json:"content"`
		RedirectURL string  `json:"redirectURL"`
		HeadersSize int     `json:"headersSize"`
		BodySize    int     `json:"bodySize"`
	}
	type entry struct {
		StartedDateTime string         `json:"startedDateTime"`
		Time            float64        `json:"time"`
		Request         request        `json:"request"`
		Response        response       `json:"response"`
		Cache           struct{}       `json:"cache"`
		Timings         map[string]any `json:"timings"`
		Comment         string         `json:"comment,omitempty"`
	}
	headers := func(m *Message) []nv {
		out := []nv{}
		if m != nil {
			for _, h := range m.Headers {
				out = append(out, nv{h.Name, h.Value})
			}
		}
		return out
	}
	entries := []entry{}
	for _, s := range r.Steps {
		if s.Method == "" || s.URL == "" {
			continue
		}
		query := []nv{}
		if u, err := url.Parse(s.URL); err == nil {
			for name, values := range u.Query() {
				for _, v := range values {
					query = append(query, nv{name, v})
				}
			}
		}
		req := request{Method: s.Method, URL: s.URL, HTTPVersion: "HTTP/1.1", Cookies: []nv{}, Headers: headers(s.Request), QueryString: query, HeadersSize: -1, BodySize: -1}
		if s.Request != nil && s.Request.Text() != "" {
			req.PostData = &postData{MimeType: "application/x-www-form-urlencoded", Text: s.Request.Text()}
		}
		resp := response{Status: s.Status, HTTPVersion: "HTTP/1.1", Cookies: []nv{}, Headers: headers(s.Response), HeadersSize: -1, BodySize: -1,
			Content: content{MimeType: "application/json"}}
		if s.Response != nil {
			resp.Content.Text, resp.Content.Size = s.Response.Text(), len(s.Response.Text())
		}
		entries = append(entries, entry{StartedDateTime: s.At.Format(time.RFC3339Nano), Time: s.DurationMS, Request: req, Response: resp,
			Timings: map[string]any{"send": 0, "wait": s.DurationMS, "receive": 0}, Comment: s.Kind + ": " + s.Verdict})
	}
	har := map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]string{"name": "authdebug", "version": r.Tool}, "entries": entries}}
	b, _ := json.MarshalIndent(har, "", "  ")
	return string(b)
}
