package flow

import (
	"fmt"
	"time"
)

// PendingRequest is an authorize request the page sent, kept so that the
// callback can be checked against it. It holds no client secret; its PKCE
// verifier, a secret, is never written with it (json "-").
type PendingRequest struct {
	Env          string    `json:"env"`
	ClientID     string    `json:"client_id"`
	RedirectURI  string    `json:"redirect_uri"`
	Scope        string    `json:"scope"`
	State        string    `json:"state"`
	Nonce        string    `json:"nonce,omitempty"`
	Verifier     string    `json:"-"`
	ResponseMode string    `json:"response_mode,omitempty"`
	Created      time.Time `json:"created"`
}

// Match says whether a callback's state belongs to a pending request.
type Match string

// The results of matching state or redirect_uri.
const (
	MatchYes     Match = "match"
	MatchNo      Match = "mismatch"
	MatchUnknown Match = "unknown"
)

// PendingLimit and PendingMaxAge bound the pending requests the page keeps.
const (
	PendingLimit  = 10
	PendingMaxAge = 24 * time.Hour
)

// AddPending puts a request first in the list, dropping one with the same
// state and any beyond PendingLimit or older than PendingMaxAge.
func AddPending(list []PendingRequest, p PendingRequest, now time.Time) []PendingRequest {
	out := []PendingRequest{p}
	for _, q := range list {
		if q.State != p.State && now.Sub(q.Created) < PendingMaxAge && len(out) < PendingLimit {
			out = append(out, q)
		}
	}
	return out
}

// StateCheck is the result of matching a callback's state.
type StateCheck struct {
	Result  Match
	Request *PendingRequest // the matched request
	Message string
}

// CheckState finds the pending request a callback's state belongs to. A
// request older than PendingMaxAge no longer counts: a callback for it is stale.
func CheckState(state string, pending []PendingRequest, now time.Time) StateCheck {
	if len(pending) == 0 {
		return StateCheck{Result: MatchUnknown, Message: "No pending request is known in this browser, so the state cannot be checked. Paste the authorize URL your app sent under \"What does my app send?\" on the Authorize tab and record it, then read the callback again."}
	}
	for i := range pending {
		if pending[i].State != state || state == "" {
			continue
		}
		p := pending[i]
		if age := now.Sub(p.Created); age > PendingMaxAge {
			return StateCheck{Result: MatchNo, Message: fmt.Sprintf("The state belongs to a request sent %s ago, older than the %s a request is kept: a stale callback. Your app must reject it.", Age(age), Age(PendingMaxAge))}
		}
		return StateCheck{Result: MatchYes, Request: &p, Message: fmt.Sprintf("The state matches the request to %s for client %s, sent %s ago.", p.Env, p.ClientID, Age(now.Sub(p.Created)))}
	}
	if state == "" {
		return StateCheck{Result: MatchNo, Message: "The callback carries no state, but requests are pending: your app must reject it."}
	}
	return StateCheck{Result: MatchNo, Message: fmt.Sprintf("The state matches none of the %d pending requests: a forged callback (CSRF), a stale tab, or a request made elsewhere. Your app must reject it.", len(pending))}
}

// Age writes a duration the way a person says it.
func Age(d time.Duration) string {
	switch {
	case d < 0:
		return "in the future"
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
}
