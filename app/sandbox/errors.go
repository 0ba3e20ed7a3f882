package sandbox

import (
	"encoding/json"
	"net/http"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// oauthError is an error as Hydra decides it: the code, the HTTP status of a
// JSON answer, and the specific reason. How it is written depends on the
// sandbox's format (Server.legacy).
type oauthError struct {
	status int
	code   string
	reason string
}

func errorOf(status int, code, reason string) *oauthError {
	return &oauthError{status: status, code: code, reason: reason}
}

// fields writes an error the way the sandbox's Hydra does. Current Hydra
// appends the reason to the generic sentence of the code; Hydra 1.x sends
// the sentence as error_description and the reason as error_hint. NGI's own
// codes carry NGI's words in both.
func (s *Server) fields(e *oauthError) []flow.Param {
	generic := ngi.GenericDescription(e.code)
	description := e.reason
	var hint string
	switch {
	case generic == "":
	case s.legacy:
		description, hint = generic, e.reason
	case e.reason != "":
		description = generic + " " + e.reason
	default:
		description = generic
	}
	p := []flow.Param{{Name: "error", Value: e.code}, {Name: "error_description", Value: description}}
	if hint != "" {
		p = append(p, flow.Param{Name: "error_hint", Value: hint})
	}
	return p
}

// writeError answers a JSON error as Hydra does: no WWW-Authenticate header,
// even on 401; Hydra 1.x adds the status code to the body.
func (s *Server) writeError(w http.ResponseWriter, e *oauthError) {
	body := map[string]any{}
	for _, p := range s.fields(e) {
		body[p.Name] = p.Value
	}
	if s.legacy {
		body["status_code"] = e.status
	}
	writeJSON(w, e.status, body)
}

// writeJSON answers as Hydra's token endpoint does, never to be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
