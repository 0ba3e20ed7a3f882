package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// The sandbox serves NGI's API ("Agreement API" v1) under /sandbox/api,
// answering as domain.md says NGI does: consents from the consent page and
// from createConsent, tokens checked per operation, mocked debt for the two
// test persons, the consent feed, and errors in NGI's JSON shape.

// Bounds of the API's memory, like the rest of the sandbox's.
const (
	MaxConsents   = 4096
	MaxFeedEvents = 4096
	consentKeep   = 400 * 24 * time.Hour // longer than any consent lives
	maxFeedLimit  = 1000
)

// consent is a consent the sandbox holds.
type consent struct {
	id, client, person, scope string
	created, expires          time.Time
	singleUse, used, revoked  bool
	fingerprint               string // createConsent's body, to tell a replay from a conflict
}

// feedEvent is one entry of the consent feed.
type feedEvent struct {
	SequenceNr int64          `json:"sequenceNr"`
	EventID    string         `json:"eventId"`
	ConsentID  string         `json:"consentId"`
	Timestamp  string         `json:"timestamp"`
	EventType  string         `json:"eventType"`
	Created    map[string]any `json:"samtykkeOpprettetEvent,omitempty"`
	Archived   map[string]any `json:"samtykkeArkivertEvent,omitempty"`
}

// apiState is the API's part of the sandbox; Server.mu guards it.
type apiState struct {
	consents      *expiring[*consent]
	byClientID    *expiring[string] // client + client_consent_id → consent id
	events        []feedEvent
	firstSeq, seq int64
}

func newAPIState() apiState {
	return apiState{consents: newExpiring[*consent](consentKeep, MaxConsents), byClientID: newExpiring[string](consentKeep, MaxConsents), firstSeq: 1}
}

// newConsent records a consent and its feed event; s.mu is held.
func (s *Server) newConsent(now time.Time, client, person, scope string, days int, fingerprint string) *consent {
	c := &consent{id: newConsentID(), client: client, person: person, scope: scope, created: now, fingerprint: fingerprint}
	if days > 0 {
		c.expires = now.Add(time.Duration(days) * 24 * time.Hour)
	} else {
		c.singleUse, c.expires = true, now.Add(ngi.SingleUseConsentLifetime*time.Second)
	}
	s.api.consents.put(now, c.id, c)
	s.event(now, ngi.EventConsentCreated, c, map[string]any{"clientId": client, "consentId": c.id, "scope": scope})
	return c
}

// event appends to the feed, dropping the oldest past the cap; s.mu is held.
func (s *Server) event(now time.Time, kind string, c *consent, detail map[string]any) {
	s.api.seq++
	e := feedEvent{SequenceNr: s.api.seq, EventID: newConsentID(), ConsentID: c.id, Timestamp: now.UTC().Format(time.RFC3339Nano), EventType: kind}
	if kind == ngi.EventConsentCreated {
		e.Created = detail
	} else {
		e.Archived = detail
	}
	s.api.events = append(s.api.events, e)
	if len(s.api.events) > MaxFeedEvents {
		s.api.events = slices.Clone(s.api.events[len(s.api.events)-MaxFeedEvents:])
		s.api.firstSeq = s.api.events[0].SequenceNr
	}
}

func (s *Server) apiRoutes(mux *http.ServeMux) {
	p := s.prefix + "/api"
	mux.HandleFunc("GET "+p+"/v1/debt", s.withToken(ngi.OpDebtWithCode, s.debtWithCode))
	mux.HandleFunc("GET "+p+"/v1/debt/{id}", s.withToken(ngi.OpDebtWithConsent, s.debtWithConsent))
	mux.HandleFunc("GET "+p+"/v1/debt/{id}/status", s.withToken(ngi.OpConsentStatus, s.consentStatus))
	mux.HandleFunc("DELETE "+p+"/v1/debt/{id}", s.withToken(ngi.OpRevokeConsent, s.revokeConsent))
	mux.HandleFunc("PUT "+p+"/v1/consent/agreement", s.withToken(ngi.OpCreateConsent, s.createConsent))
	mux.HandleFunc("GET "+p+"/feed/v1/consent", s.withToken(ngi.OpFeed, s.feed))
	mux.HandleFunc("GET "+p+"/feed/v1/consent/lastSequenceNr", s.withToken(ngi.OpLastSequenceNr, s.lastSeq))
	mux.HandleFunc("GET "+p+"/feed/v1/consent/firstSequenceNr", s.withToken(ngi.OpFirstSequenceNr, s.firstSeqNr))
}

// apiCall is an authorized call of one operation.
type apiCall struct {
	w     http.ResponseWriter
	r     *http.Request
	op    ngi.Operation
	token *issued
	now   time.Time
}

// fail answers in NGI's error shape, with the trace id of the request.
func (c apiCall) fail(status int, code, description string) {
	trace := c.r.Header.Get("X-Trace-ID")
	if trace == "" {
		trace = newConsentID()
	}
	body := map[string]any{"error": code, "timestamp": c.now.UTC().Format(time.RFC3339Nano), "trace_id": trace}
	if description != "" {
		body["error_description"] = description
	}
	writeJSON(c.w, status, body)
}

// withToken checks the token as NGI does for the operation, then calls h.
func (s *Server) withToken(opID string, h func(apiCall)) http.HandlerFunc {
	op, _ := ngi.OperationByID(opID)
	return func(w http.ResponseWriter, r *http.Request) {
		c := apiCall{w: w, r: r, op: op, now: s.now()}
		scheme, bearer, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		s.mu.Lock()
		t, _ := s.tokens.get(c.now, bearer)
		var snapshot issued
		if t != nil {
			snapshot = *t
		}
		s.mu.Unlock()
		switch {
		case !strings.EqualFold(scheme, "Bearer") || t == nil:
			c.fail(http.StatusUnauthorized, "Invalid access token", "No access token, or one the sandbox did not issue.")
			return
		case snapshot.revoked || c.now.After(snapshot.expires):
			c.fail(http.StatusUnauthorized, "Invalid access token", "The access token is expired or revoked.")
			return
		case op.Code && snapshot.grant == nil:
			c.fail(http.StatusForbidden, "no valid consent", "Invalid access token or no valid consent present: this call takes the token of the authorization code flow, which carries the consent.")
			return
		case !op.Code && snapshot.grant != nil:
			c.fail(http.StatusForbidden, "Invalid access token", "This call takes a client-credentials token, not the code flow's.")
			return
		case !op.Code && !slices.Contains(snapshot.audience, s.env.Services[op.Service].Audience):
			c.fail(http.StatusForbidden, "Invalid access token", fmt.Sprintf("The token's audience %v is not %s.", snapshot.audience, s.env.Services[op.Service].Audience))
			return
		case !op.Code && !slices.ContainsFunc(snapshot.scope, func(sc string) bool { return slices.Contains(op.Scopes, sc) }):
			c.fail(http.StatusForbidden, "Invalid access token", fmt.Sprintf("The token's scope %v has none of %v.", snapshot.scope, op.Scopes))
			return
		}
		c.token = &snapshot
		h(c)
	}
}

// usable checks a consent for a debt read and spends a single-use one; s.mu is held.
func (s *Server) usable(c apiCall, k *consent) bool {
	switch {
	case k == nil || k.client != c.token.client:
		c.fail(http.StatusForbidden, "no valid consent", "Invalid access token or no valid consent present.")
	case k.revoked:
		c.fail(http.StatusForbidden, "invalid consent", "Consent revoked at "+k.expires.UTC().Format(time.RFC3339Nano))
	case c.now.After(k.expires):
		c.fail(http.StatusForbidden, "invalid consent", "Consent expired at "+k.expires.UTC().Format(time.RFC3339Nano))
	case k.singleUse && k.used:
		c.fail(http.StatusForbidden, "no valid consent", "Invalid access token or no valid consent present: the consent was single use and has been used.")
	default:
		if k.singleUse {
			k.used = true
			s.event(c.now, ngi.EventConsentArchived, k, map[string]any{"clientId": k.client, "consentId": k.id})
		}
		return true
	}
	return false
}

func (s *Server) debtWithCode(c apiCall) {
	s.readDebt(c, c.token.grant.consentID)
}

func (s *Server) debtWithConsent(c apiCall) {
	id := c.r.PathValue("id")
	if !flow.ValidID(id) {
		c.fail(http.StatusBadRequest, "invalid consent id", "The consent id is not an id.")
		return
	}
	s.readDebt(c, id)
}

func (s *Server) readDebt(c apiCall, id string) {
	s.mu.Lock()
	k, _ := s.api.consents.get(c.now, id)
	ok := s.usable(c, k)
	var person, scope string
	var exp time.Time
	if ok {
		person, scope, exp = k.person, k.scope, k.expires
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	writeJSON(c.w, http.StatusOK, mockDebt(id, person, scope, exp))
}

func (s *Server) consentStatus(c apiCall) {
	s.mu.Lock()
	k, _ := s.api.consents.get(c.now, c.r.PathValue("id"))
	var active bool
	var exp int64
	found := k != nil && k.client == c.token.client
	if found {
		active = !k.revoked && !c.now.After(k.expires) && !(k.singleUse && k.used)
		exp = k.expires.Unix()
	}
	s.mu.Unlock()
	if !found {
		c.fail(http.StatusForbidden, "Invalid access token", "No consent with this id for this client.")
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"active": active, "expires_at": exp})
}

func (s *Server) revokeConsent(c apiCall) {
	s.mu.Lock()
	k, _ := s.api.consents.get(c.now, c.r.PathValue("id"))
	found := k != nil && k.client == c.token.client
	if found && !k.revoked {
		k.revoked = true
		s.event(c.now, ngi.EventConsentArchived, k, map[string]any{"clientId": k.client, "consentId": k.id})
	}
	s.mu.Unlock()
	if !found {
		c.fail(http.StatusForbidden, "Invalid access token", "No consent with this id for this client.")
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

func (s *Server) createConsent(c apiCall) {
	var b flow.ConsentBody
	dec := json.NewDecoder(c.r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		c.fail(http.StatusBadRequest, "invalid request", "The body is not createConsent's JSON: "+err.Error())
		return
	}
	if fs := flow.CheckConsentBody(b); len(fs) > 0 {
		c.fail(http.StatusBadRequest, "invalid request", fs[0].Message)
		return
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%d", b.NIN, b.ScopeOfConsent, b.DurationDays)))
	fingerprint := hex.EncodeToString(sum[:])
	key := c.token.client + "|" + b.ClientConsentID
	s.mu.Lock()
	var k *consent
	if id, ok := s.api.byClientID.get(c.now, key); ok {
		k, _ = s.api.consents.get(c.now, id)
	}
	conflict := k != nil && k.fingerprint != fingerprint
	if k == nil {
		k = s.newConsent(c.now, c.token.client, b.NIN, b.ScopeOfConsent, b.DurationDays, fingerprint)
		s.api.byClientID.put(c.now, key, k.id)
	}
	answer := map[string]any{"client_consent_id": b.ClientConsentID, "consent": map[string]any{
		"id": k.id, "expires_at": k.expires.UTC().Format(time.RFC3339Nano), "scope_of_consent": k.scope}}
	s.mu.Unlock()
	if conflict {
		c.fail(http.StatusConflict, "conflict", "The client_consent_id "+b.ClientConsentID+" is already registered with other data.")
		return
	}
	writeJSON(c.w, http.StatusOK, answer)
}

func (s *Server) feed(c apiCall) {
	from, err1 := strconv.ParseInt(c.r.URL.Query().Get("fromSequenceNr"), 10, 64)
	limit, err2 := strconv.ParseInt(c.r.URL.Query().Get("limit"), 10, 64)
	if err1 != nil || err2 != nil || limit < 1 {
		c.fail(http.StatusBadRequest, "invalid request", "fromSequenceNr and limit are both required whole numbers; limit at least 1.")
		return
	}
	limit = min(limit, maxFeedLimit)
	s.mu.Lock()
	start := max(from, s.api.firstSeq) - s.api.firstSeq
	var result []feedEvent
	for i := start; i < int64(len(s.api.events)) && int64(len(result)) < limit; i++ {
		if e := s.api.events[i]; eventFor(e, c.token.client) {
			result = append(result, e)
		}
	}
	end := s.api.seq
	s.mu.Unlock()
	if result == nil {
		result = []feedEvent{}
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"startSequenceNr": from, "endSequenceNr": end, "generatedAt": c.now.UTC().Format(time.RFC3339Nano), "result": result})
}

// eventFor reports whether an event concerns the client's consents.
func eventFor(e feedEvent, client string) bool {
	d := e.Created
	if d == nil {
		d = e.Archived
	}
	return d["clientId"] == client
}

func (s *Server) lastSeq(c apiCall) {
	s.mu.Lock()
	n := s.api.seq
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, map[string]any{"lastSequenceNr": n})
}

func (s *Server) firstSeqNr(c apiCall) {
	s.mu.Lock()
	n := s.api.firstSeq
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, map[string]any{"firstSequenceNr": n})
}
