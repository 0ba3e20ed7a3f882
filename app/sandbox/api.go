package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
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
	ID, Client, Person, Scope string
	Created, Expires          time.Time
	SingleUse, Used, Revoked  bool
	Fingerprint               string // createConsent's body, to tell a replay from a conflict
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

// makeConsent makes a consent as NGI grants it: for the days asked, or for
// a single use.
func makeConsent(now time.Time, client, person, scope string, days int, fingerprint string) *consent {
	c := &consent{ID: newConsentID(), Client: client, Person: person, Scope: scope, Created: now, Fingerprint: fingerprint}
	if days > 0 {
		c.Expires = now.Add(time.Duration(days) * 24 * time.Hour)
	} else {
		c.SingleUse, c.Expires = true, now.Add(ngi.SingleUseConsentLifetime*time.Second)
	}
	return c
}

// recordConsent stores a new consent and its feed event.
func (s *Server) recordConsent(ctx context.Context, now time.Time, c *consent) error {
	if err := save(ctx, s.store, consents, c.ID, c); err != nil {
		return err
	}
	return s.event(ctx, now, ngi.EventConsentCreated, c, map[string]any{"clientId": c.Client, "consentId": c.ID, "scope": c.Scope})
}

// event appends to the feed; the store numbers it.
func (s *Server) event(ctx context.Context, now time.Time, kind string, c *consent, detail map[string]any) error {
	e := feedEvent{EventID: newConsentID(), ConsentID: c.ID, Timestamp: now.UTC().Format(time.RFC3339Nano), EventType: kind}
	if kind == ngi.EventConsentCreated {
		e.Created = detail
	} else {
		e.Archived = detail
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.store.Append(ctx, data)
}

// archived is the feed's detail of a consent that ended.
func archived(k *consent) map[string]any {
	return map[string]any{"clientId": k.Client, "consentId": k.ID}
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

// apiError is an answer in NGI's error shape.
type apiError struct {
	status            int
	code, description string
}

// storeFailed answers when the sandbox's store did not.
func (c apiCall) storeFailed() {
	c.fail(http.StatusServiceUnavailable, ngi.ErrServerError, storeTrouble)
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
		t, err := load[issued](r.Context(), s.store, tokens, tokenKey(bearer))
		switch {
		case err != nil:
			c.storeFailed()
			return
		case !strings.EqualFold(scheme, "Bearer") || t == nil:
			c.fail(http.StatusUnauthorized, "Invalid access token", "No access token, or one the sandbox did not issue.")
			return
		case t.Revoked || c.now.After(t.Expires):
			c.fail(http.StatusUnauthorized, "Invalid access token", "The access token is expired or revoked.")
			return
		case op.Code && t.Grant == nil:
			c.fail(http.StatusForbidden, "no valid consent", "Invalid access token or no valid consent present: this call takes the token of the authorization code flow, which carries the consent.")
			return
		case !op.Code && t.Grant != nil:
			c.fail(http.StatusForbidden, "Invalid access token", "This call takes a client-credentials token, not the code flow's.")
			return
		case !op.Code && !slices.Contains(t.Audience, s.env.Services[op.Service].Audience):
			c.fail(http.StatusForbidden, "Invalid access token", fmt.Sprintf("The token's audience %v is not %s.", t.Audience, s.env.Services[op.Service].Audience))
			return
		case !op.Code && !slices.ContainsFunc(t.Scope, func(sc string) bool { return slices.Contains(op.Scopes, sc) }):
			c.fail(http.StatusForbidden, "Invalid access token", fmt.Sprintf("The token's scope %v has none of %v.", t.Scope, op.Scopes))
			return
		}
		c.token = t
		if sc := s.trigger(r.Context(), t.Client, ScenarioAPI, op.ID); sc != nil {
			w.Header().Set(ScenarioHeader, sc.ID)
			wait(r.Context(), sc)
			c.fail(sc.Status, sc.Error, "A failure arranged with /sandbox/scenarios (scenario "+sc.ID+").")
			return
		}
		h(c)
	}
}

// refusal checks a consent for a debt read: nil when it may be read.
func refusal(c apiCall, k *consent) *apiError {
	switch {
	case k == nil || k.Client != c.token.Client:
		return &apiError{http.StatusForbidden, "no valid consent", "Invalid access token or no valid consent present."}
	case k.Revoked:
		return &apiError{http.StatusForbidden, "invalid consent", "Consent revoked at " + k.Expires.UTC().Format(time.RFC3339Nano)}
	case c.now.After(k.Expires):
		return &apiError{http.StatusForbidden, "invalid consent", "Consent expired at " + k.Expires.UTC().Format(time.RFC3339Nano)}
	case k.SingleUse && k.Used:
		return &apiError{http.StatusForbidden, "no valid consent", "Invalid access token or no valid consent present: the consent was single use and has been used."}
	}
	return nil
}

func (s *Server) debtWithCode(c apiCall) {
	s.readDebt(c, c.token.Grant.ConsentID)
}

func (s *Server) debtWithConsent(c apiCall) {
	id := c.r.PathValue("id")
	if !flow.ValidID(id) {
		c.fail(http.StatusBadRequest, "invalid consent id", "The consent id is not an id.")
		return
	}
	s.readDebt(c, id)
}

// readDebt answers with the debt a consent covers, spending a single-use
// consent in the same step of the store as the check.
func (s *Server) readDebt(c apiCall, id string) {
	var refused *apiError
	var read consent
	var spent bool
	err := modify(c.r.Context(), s.store, consents, id, func(k *consent) *consent {
		if refused, spent = refusal(c, k), false; refused != nil {
			return nil
		}
		read = *k
		if !k.SingleUse {
			return nil
		}
		k.Used, spent = true, true
		return k
	})
	if err == nil && spent {
		err = s.event(c.r.Context(), c.now, ngi.EventConsentArchived, &read, archived(&read))
	}
	switch {
	case err != nil:
		c.storeFailed()
	case refused != nil:
		c.fail(refused.status, refused.code, refused.description)
	default:
		writeJSON(c.w, http.StatusOK, mockDebt(id, read.Person, read.Scope, read.Expires))
	}
}

func (s *Server) consentStatus(c apiCall) {
	k, err := load[consent](c.r.Context(), s.store, consents, c.r.PathValue("id"))
	switch {
	case err != nil:
		c.storeFailed()
	case k == nil || k.Client != c.token.Client:
		c.fail(http.StatusForbidden, "Invalid access token", "No consent with this id for this client.")
	default:
		active := !k.Revoked && !c.now.After(k.Expires) && !(k.SingleUse && k.Used)
		writeJSON(c.w, http.StatusOK, map[string]any{"active": active, "expires_at": k.Expires.Unix()})
	}
}

func (s *Server) revokeConsent(c apiCall) {
	var found, revoked bool
	var k consent
	err := modify(c.r.Context(), s.store, consents, c.r.PathValue("id"), func(old *consent) *consent {
		found, revoked = old != nil && old.Client == c.token.Client, false
		if !found || old.Revoked {
			return nil
		}
		old.Revoked, revoked, k = true, true, *old
		return old
	})
	if err == nil && revoked {
		err = s.event(c.r.Context(), c.now, ngi.EventConsentArchived, &k, archived(&k))
	}
	switch {
	case err != nil:
		c.storeFailed()
	case !found:
		c.fail(http.StatusForbidden, "Invalid access token", "No consent with this id for this client.")
	default:
		c.w.WriteHeader(http.StatusNoContent)
	}
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
	// The client's consent id is claimed in one step of the store, so that
	// two replicas given the same body agree on one consent.
	var k *consent
	var created bool
	err := modify(c.r.Context(), s.store, clientConsents, c.token.Client+"|"+b.ClientConsentID, func(old *consent) *consent {
		if old != nil {
			k, created = old, false
			return nil
		}
		k, created = makeConsent(c.now, c.token.Client, b.NIN, b.ScopeOfConsent, b.DurationDays, fingerprint), true
		return k
	})
	if err == nil && created {
		err = s.recordConsent(c.r.Context(), c.now, k)
	}
	switch {
	case err != nil:
		c.storeFailed()
	case k.Fingerprint != fingerprint:
		c.fail(http.StatusConflict, "conflict", "The client_consent_id "+b.ClientConsentID+" is already registered with other data.")
	default:
		writeJSON(c.w, http.StatusOK, map[string]any{"client_consent_id": b.ClientConsentID, "consent": map[string]any{
			"id": k.ID, "expires_at": k.Expires.UTC().Format(time.RFC3339Nano), "scope_of_consent": k.Scope}})
	}
}

func (s *Server) feed(c apiCall) {
	from, err1 := strconv.ParseInt(c.r.URL.Query().Get("fromSequenceNr"), 10, 64)
	limit, err2 := strconv.ParseInt(c.r.URL.Query().Get("limit"), 10, 64)
	if err1 != nil || err2 != nil || limit < 1 {
		c.fail(http.StatusBadRequest, "invalid request", "fromSequenceNr and limit are both required whole numbers; limit at least 1.")
		return
	}
	limit = min(limit, maxFeedLimit)
	events, _, last, err := s.store.Feed(c.r.Context(), from)
	if err != nil {
		c.storeFailed()
		return
	}
	result := []feedEvent{}
	for _, n := range events {
		e, err := decode[feedEvent](n.event)
		if err != nil || !eventFor(*e, c.token.Client) {
			continue
		}
		e.SequenceNr = n.seq
		if result = append(result, *e); int64(len(result)) == limit {
			break
		}
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"startSequenceNr": from, "endSequenceNr": last, "generatedAt": c.now.UTC().Format(time.RFC3339Nano), "result": result})
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
	if _, _, last, err := s.store.Feed(c.r.Context(), math.MaxInt64); err != nil {
		c.storeFailed()
	} else {
		writeJSON(c.w, http.StatusOK, map[string]any{"lastSequenceNr": last})
	}
}

func (s *Server) firstSeqNr(c apiCall) {
	if _, first, _, err := s.store.Feed(c.r.Context(), math.MaxInt64); err != nil {
		c.storeFailed()
	} else {
		writeJSON(c.w, http.StatusOK, map[string]any{"firstSequenceNr": first})
	}
}
