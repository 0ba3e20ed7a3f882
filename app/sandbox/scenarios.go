package sandbox

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// Failures on demand: a client arranges how its next calls of an endpoint
// fail, as a test suite arranges a mock's next answer. Only that client's
// calls are touched; replicas share the scenarios through the store.

// Bounds of scenarios.
const (
	MaxScenarios    = 20               // armed at once, per client
	MaxScenarioWait = 30 * time.Second // the longest delay
	MaxScenarioUses = 100              // the most calls one scenario answers
	scenarioLife    = time.Hour        // an armed scenario nobody triggers is forgotten
)

var scenarios = bucket{"scenarios", scenarioLife, 10000} // client id → its armed scenarios

// The endpoints a scenario can make fail.
const (
	ScenarioToken    = "token"
	ScenarioRevoke   = "revoke"
	ScenarioUserinfo = "userinfo"
	ScenarioAPI      = "api"
)

// Scenario is one arranged failure.
type Scenario struct {
	ID        string `json:"id"`
	Endpoint  string `json:"endpoint"`
	Operation string `json:"operation,omitempty"` // an API operation id; any when empty
	Status    int    `json:"status"`
	Error     string `json:"error"`
	DelayMS   int    `json:"delay_ms"`
	Times     int    `json:"times"` // calls still to answer so
}

// defaultError is a fitting error code for a status at an endpoint.
func defaultError(endpoint string, status int) string {
	if endpoint == ScenarioAPI {
		switch status {
		case http.StatusForbidden:
			return "no valid consent"
		case http.StatusConflict:
			return "conflict"
		case http.StatusUnauthorized:
			return "Invalid access token"
		}
		if status >= 500 {
			return ngi.ErrServerError
		}
		return "bad request"
	}
	switch status {
	case http.StatusBadRequest:
		return "invalid_grant"
	case http.StatusUnauthorized:
		return "invalid_client"
	case http.StatusForbidden:
		return "request_forbidden"
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return "temporarily_unavailable"
	}
	if status >= 500 {
		return ngi.ErrServerError
	}
	return "invalid_request"
}

// parseScenario reads and checks a scenario; the error says what is wrong.
func parseScenario(body []byte) (Scenario, error) {
	var sc Scenario
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return sc, fmt.Errorf("the scenario is not JSON of the form {\"endpoint\", \"operation\", \"status\", \"error\", \"delay_ms\", \"times\"}: %v", err)
	}
	if sc.Times == 0 {
		sc.Times = 1
	}
	switch {
	case !slices.Contains([]string{ScenarioToken, ScenarioRevoke, ScenarioUserinfo, ScenarioAPI}, sc.Endpoint):
		return sc, fmt.Errorf("endpoint %q: give token, revoke, userinfo or api", sc.Endpoint)
	case sc.Operation != "" && sc.Endpoint != ScenarioAPI:
		return sc, fmt.Errorf("operation is for the api endpoint only")
	case sc.Status < 400 || sc.Status > 599:
		return sc, fmt.Errorf("status %d: give an error status, 400 to 599", sc.Status)
	case sc.DelayMS < 0 || time.Duration(sc.DelayMS)*time.Millisecond > MaxScenarioWait:
		return sc, fmt.Errorf("delay_ms %d: give 0 to %d", sc.DelayMS, MaxScenarioWait.Milliseconds())
	case sc.Times < 1 || sc.Times > MaxScenarioUses:
		return sc, fmt.Errorf("times %d: give 1 to %d", sc.Times, MaxScenarioUses)
	case len(sc.Error) > 100:
		return sc, fmt.Errorf("error: at most 100 characters")
	}
	if sc.Operation != "" {
		if _, ok := ngi.OperationByID(sc.Operation); !ok {
			return sc, fmt.Errorf("operation %q is not one of NGI's API operations", sc.Operation)
		}
	}
	if sc.Error == "" {
		sc.Error = defaultError(sc.Endpoint, sc.Status)
	}
	sc.ID = opaque()[:16]
	return sc, nil
}

// readBody reads a scenario's body, bounded.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil || len(b) > MaxBody {
		return nil, fmt.Errorf("the body cannot be read, or is larger than %d bytes", MaxBody)
	}
	return b, nil
}

// scenarioClient authenticates the client as the token endpoint does.
func (s *Server) scenarioClient(w http.ResponseWriter, r *http.Request) (Client, bool) {
	id, secret, isBasic, err := flow.ParseBasic(r.Header.Get("Authorization"))
	c, known := s.clients[id]
	if err != nil || !isBasic || !known || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		s.writeError(w, errorOf(http.StatusUnauthorized, "invalid_client", "Scenarios are the client's own: authenticate with its client id and secret (HTTP Basic, as at the token endpoint)."))
		return Client{}, false
	}
	return c, true
}

// scenariosHandler is POST (arm), GET (list) and DELETE (clear) of
// /sandbox/scenarios.
func (s *Server) scenariosHandler(w http.ResponseWriter, r *http.Request) {
	client, ok := s.scenarioClient(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	switch r.Method {
	case http.MethodPost:
		body, err := readBody(r)
		if err != nil {
			s.writeError(w, errorOf(http.StatusBadRequest, "invalid_request", err.Error()))
			return
		}
		sc, err := parseScenario(body)
		if err != nil {
			s.writeError(w, errorOf(http.StatusBadRequest, "invalid_request", err.Error()))
			return
		}
		full := false
		err = s.store.Update(ctx, scenarios, client.ID, func(old []byte) []byte {
			var list []Scenario
			json.Unmarshal(old, &list)
			if full = len(list) >= MaxScenarios; full {
				return nil
			}
			b, _ := json.Marshal(append(list, sc))
			return b
		})
		switch {
		case err != nil:
			s.storeFailed(w)
		case full:
			s.writeError(w, errorOf(http.StatusTooManyRequests, "invalid_request", fmt.Sprintf("This client has %d scenarios armed, the most there may be: DELETE /sandbox/scenarios clears them.", MaxScenarios)))
		default:
			writeJSON(w, http.StatusCreated, sc)
		}
	case http.MethodGet:
		list, err := s.armedScenarios(ctx, client.ID)
		if err != nil {
			s.storeFailed(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"scenarios": list})
	case http.MethodDelete:
		if _, err := s.store.Take(ctx, scenarios, client.ID); err != nil {
			s.storeFailed(w)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		s.writeError(w, errorOf(http.StatusMethodNotAllowed, "invalid_request", "Use POST to arm a scenario, GET to list them, DELETE to clear them."))
	}
}

func (s *Server) armedScenarios(ctx context.Context, clientID string) ([]Scenario, error) {
	list := []Scenario{}
	data, err := s.store.Get(ctx, scenarios, clientID)
	if err == nil && data != nil {
		err = json.Unmarshal(data, &list)
	}
	return list, err
}

// trigger takes one use of the client's first scenario armed for the
// endpoint (and operation), if any: of simultaneous calls at any replica,
// each use is taken once.
func (s *Server) trigger(ctx context.Context, clientID, endpoint, operation string) *Scenario {
	var hit *Scenario
	s.store.Update(ctx, scenarios, clientID, func(old []byte) []byte {
		hit = nil
		var list []Scenario
		if json.Unmarshal(old, &list) != nil {
			return nil
		}
		i := slices.IndexFunc(list, func(sc Scenario) bool {
			return sc.Endpoint == endpoint && (sc.Operation == "" || sc.Operation == operation)
		})
		if i < 0 {
			return nil
		}
		sc := list[i]
		hit = &sc
		if list[i].Times--; list[i].Times == 0 {
			list = slices.Delete(list, i, i+1)
		}
		b, _ := json.Marshal(list)
		return b
	})
	return hit
}

// wait holds the answer for the scenario's delay, or until the caller leaves.
func wait(ctx context.Context, sc *Scenario) {
	if sc.DelayMS <= 0 {
		return
	}
	t := time.NewTimer(time.Duration(sc.DelayMS) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// ScenarioHeader marks an answer a scenario gave, with the scenario's id:
// a test can tell it from a real one, and the rate limits do not count an
// arranged 401 as a failed authentication.
const ScenarioHeader = "X-Sandbox-Scenario"

// failOAuth answers as Hydra does at its endpoints: its error JSON.
func (s *Server) failOAuth(w http.ResponseWriter, r *http.Request, sc *Scenario) {
	w.Header().Set(ScenarioHeader, sc.ID)
	wait(r.Context(), sc)
	s.writeError(w, errorOf(sc.Status, sc.Error, "A failure arranged with /sandbox/scenarios (scenario "+sc.ID+")."))
}

// MachinePath says whether a path under the sandbox (without its prefix)
// is one a machine calls, authenticating the client itself or needing no
// one: discovery, keys, token, revocation, userinfo, the API, scenarios.
// The consent page (authorize, decide, login) is not: a person is there.
func MachinePath(path string) bool {
	switch path {
	case "/.well-known/openid-configuration", "/.well-known/jwks.json", "/oauth2/token", "/oauth2/revoke", "/userinfo", "/scenarios":
		return true
	}
	return strings.HasPrefix(path, "/api/")
}
