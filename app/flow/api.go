package flow

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"authdebug/app/ngi"
)

// CallRequest is what the page asks the relay to call on NGI's API. The URL
// is built by the relay from the environment and the operation; nothing in
// here is a URL.
type CallRequest struct {
	Env         string       `json:"env"`
	Operation   string       `json:"operation"`
	AccessToken string       `json:"access_token"`
	ConsentID   string       `json:"consent_id,omitempty"`
	Consent     *ConsentBody `json:"consent,omitempty"` // createConsent's body
	FromSeq     *int64       `json:"from_sequence_nr,omitempty"`
	Limit       *int64       `json:"limit,omitempty"`
}

// ConsentBody is createConsent's body.
type ConsentBody struct {
	NIN             string `json:"nin"`
	ScopeOfConsent  string `json:"scope_of_consent"`
	DurationDays    int    `json:"consent_duration_days"`
	ClientConsentID string `json:"client_consent_id"`
}

// ValidID reports whether a path parameter is a plain id (a UUID, or the
// sandbox's id form): 8 to 64 letters, digits, '-' or '_'; never a path, a
// query or a URL. (A loop, not a regexp: compiling one at the page's start
// costs the first load several milliseconds.)
func ValidID(id string) bool {
	return len(id) >= 8 && len(id) <= 64 && strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0
}

// isNIN reports whether s has the form of a national identity number: 11 digits.
func isNIN(s string) bool {
	return len(s) == 11 && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// CheckConsentBody reports what NGI would refuse in a createConsent body.
func CheckConsentBody(b ConsentBody) []Finding {
	var fs []Finding
	if !isNIN(b.NIN) {
		fs = append(fs, errorf("nin", "The national identity number has 11 digits."))
	}
	if !slices.Contains([]string{ngi.ScopePresentation, ngi.ScopeProcessing}, b.ScopeOfConsent) {
		fs = append(fs, errorf("scope_of_consent", "scope_of_consent is "+ngi.ScopePresentation+" or "+ngi.ScopeProcessing+"."))
	}
	if b.DurationDays < 1 {
		fs = append(fs, errorf("consent_duration_days", "consent_duration_days is a whole number of days, at least 1."))
	}
	if !ValidID(b.ClientConsentID) {
		fs = append(fs, errorf("client_consent_id", "client_consent_id is your own unique id for the consent, such as a UUID."))
	}
	return fs
}

// CallToken is what the page knows of the access token a call sends.
type CallToken struct {
	Env      string // the environment that issued it; "" when pasted
	Client   string // the client it was issued to
	Grant    string // authorization_code or client_credentials; "" when pasted
	Audience string
	Scope    string
	Expires  time.Time // zero when unknown
}

// CheckCall says, before sending, when a call cannot work: no token, a
// token of another environment or of the other flow, another audience, a
// missing scope, an expired token, a consent id that is missing or not an
// id, an environment without an API.
func CheckCall(op ngi.Operation, env ngi.Environment, access string, tok CallToken, consentID string, now time.Time) []Finding {
	var fs []Finding
	if access == "" {
		fs = append(fs, errorf("access_token", "No access token: get one on the Token tab, or paste one."))
	}
	if env.APIBase == "" {
		fs = append(fs, errorf("environment", env.Label+" has no API base: start the server with -env NAME=ISSUER_URL,API_BASE."))
	}
	if tok.Env != "" && tok.Env != env.ID {
		fs = append(fs, errorf("access_token", fmt.Sprintf("This token was issued by the %s environment, and %s's API does not accept another environment's tokens (401): get a token from %s on the Token tab, or switch back.", tok.Env, env.Label, env.Label)))
	}
	if access != "" && tok.Grant == "" && tok.Audience == "" && tok.Scope == "" && tok.Expires.IsZero() {
		fs = append(fs, infof("access_token", "The token was pasted: what it was issued for is not known here, so only NGI can say whether it fits."))
	}
	switch {
	case op.Code && tok.Grant == GrantClientCredentials:
		fs = append(fs, errorf("access_token", op.ID+" takes the token of the authorization code flow, which carries the person's consent; this is a client-credentials token. Use "+ngi.OpDebtWithConsent+" with the consent id instead."))
	case !op.Code && tok.Grant == GrantAuthorizationCode:
		fs = append(fs, errorf("access_token", op.ID+" takes a client-credentials token; this one is from the authorization code flow. Get one on the Token tab with the "+serviceName(env, op)+" preset."))
	}
	if !op.Code && tok.Grant == GrantClientCredentials && op.Service < len(env.Services) {
		svc := env.Services[op.Service]
		if !slices.Contains(strings.Fields(tok.Audience), svc.Audience) {
			fs = append(fs, errorf("audience", fmt.Sprintf("The token's audience is %q, but %s wants %s: NGI refuses a token for another API (403).", tok.Audience, op.ID, svc.Audience)))
		}
		if !slices.ContainsFunc(strings.Fields(tok.Scope), func(s string) bool { return slices.Contains(op.Scopes, s) }) {
			fs = append(fs, errorf("scope", fmt.Sprintf("The token's scope %q has none of %s, which %s needs.", tok.Scope, strings.Join(op.Scopes, ", "), op.ID)))
		}
	}
	if !tok.Expires.IsZero() && now.After(tok.Expires) {
		fs = append(fs, errorf("access_token", "The token expired "+Age(now.Sub(tok.Expires))+" ago: get a new one on the Token tab."))
	}
	if op.NeedsConsentID() && !ValidID(consentID) {
		fs = append(fs, errorf("consent_id", "No consent id: it is the ID token's consent_id, or the id createConsent answered."))
	}
	return fs
}

func serviceName(env ngi.Environment, op ngi.Operation) string {
	if op.Service < len(env.Services) {
		return env.Services[op.Service].Name
	}
	return "service"
}

// APIError is an error answer of NGI's API, in its own JSON shape or Spring's.
type APIError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Message     string `json:"message"` // Spring's shape
	TraceID     string `json:"trace_id"`
	RequestID   string `json:"requestId"` // Spring's shape
	Timestamp   string `json:"timestamp"`
}

// ReadAPIError reads an error body; ok is false when it is none of NGI's shapes.
func ReadAPIError(body string) (APIError, bool) {
	var e APIError
	if json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
		return APIError{}, false
	}
	if e.Description == "" {
		e.Description = e.Message
	}
	if e.TraceID == "" {
		e.TraceID = e.RequestID
	}
	return e, true
}

// ExplainCall says in plain words what an API answer means and what to do.
func ExplainCall(op ngi.Operation, status int, e APIError) (meaning, next string) {
	text := strings.ToLower(e.Error + " " + e.Description)
	switch {
	case status >= 500:
		return "NGI failed while handling the call.", "Retry later; if it goes on, write to NGI's support quoting the trace_id " + e.TraceID + "."
	case status == 401:
		return "NGI did not accept the token at all: missing, malformed, expired or revoked.", "Get a new token on the Token tab and send it as Authorization: Bearer …."
	case status == 409:
		return "This client_consent_id is already registered with other data.", "Use a fresh client_consent_id for a new consent, or send exactly the same data to get the registered consent back."
	case status == 403 && strings.Contains(text, "expired"):
		return "The consent has expired.", "Ask the person for a new consent."
	case status == 403 && strings.Contains(text, "no valid consent") && op.Code:
		return "The token's consent cannot be used: a single-use consent (no duration) reads the debt once, and this one was used, revoked or expired.", "Ask for a new consent, with a duration (for example debt.unsecured.presentation.30) if you need to read the debt more than once."
	case status == 403 && strings.Contains(text, "audience"):
		return "The token is for another API.", "Get a client-credentials token with this API's audience (the Token tab's presets)."
	case status == 403 && strings.Contains(text, "not allowed"):
		return "NGI does not let this client register this consent.", "Ask NGI whether the client may use integrated consent for this scope."
	case status == 403:
		return "NGI refused the call: no valid consent for this token, or the token does not allow the call.", "Check that the consent is active (getConsentStatusWithID), belongs to this client, and that the token's audience and scope fit the call."
	case status == 400:
		return "NGI found the call malformed.", "Check the consent id and the body's fields."
	case status == 404:
		return "No such consent for this client.", "Check the consent id: the ID token's consent_id, or the id createConsent answered."
	}
	return "", ""
}

// Debt is the debt information of NGI's debt lookups.
type Debt struct {
	Consent struct {
		ID    string `json:"id"`
		Exp   int64  `json:"exp"`
		Scope string `json:"scope"`
	} `json:"consent"`
	SSN               string         `json:"ssn"`
	Loans             []CreditorLoan `json:"loans"`
	CreditorsAnswered int            `json:"numberOfCreditorsAnswered"`
	CreditorsMissing  int            `json:"numberOfcreditorsMissing"` // sic: NGI's name
}

// CreditorLoan is one creditor's answer; Loan is nil when it did not answer.
type CreditorLoan struct {
	Creditor string `json:"creditorName"`
	Loan     *Loan  `json:"loan"`
}

// Loan is one loan; which amounts it has depends on its Type. Amounts are
// in øre, rates in hundredths of a percent.
type Loan struct {
	Type                      string `json:"type"`
	CreditLimit               *int64 `json:"creditLimit,omitempty"`
	InterestBearingBalance    *int64 `json:"interestBearingBalance,omitempty"`
	NonInterestBearingBalance *int64 `json:"nonInterestBearingBalance,omitempty"`
	OriginalBalance           *int64 `json:"originalBalance,omitempty"`
	Balance                   *int64 `json:"balance,omitempty"`
	Terms                     *int64 `json:"terms,omitempty"`
	NominalInterestRate       *int64 `json:"nominalInterestRate,omitempty"`
	InstallmentCharges        *int64 `json:"installmentCharges,omitempty"`
	InstallmentChargePeriod   string `json:"installmentChargePeriod,omitempty"`
	CoBorrower                int    `json:"coBorrower"`
	Timestamp                 string `json:"timestamp"`
}

// Owed is what the loan's balances add up to, in øre.
func (l Loan) Owed() int64 {
	var sum int64
	for _, v := range []*int64{l.InterestBearingBalance, l.NonInterestBearingBalance, l.Balance} {
		if v != nil {
			sum += *v
		}
	}
	return sum
}

// ReadDebt reads a debt lookup's answer.
func ReadDebt(body string) (Debt, error) {
	var d Debt
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return Debt{}, fmt.Errorf("the debt information cannot be read: %v", err)
	}
	return d, nil
}

// Total is what all loans that answered add up to, in øre.
func (d Debt) Total() int64 {
	var sum int64
	for _, l := range d.Loans {
		if l.Loan != nil {
			sum += l.Loan.Owed()
		}
	}
	return sum
}

// NOK writes an amount in øre as Norwegian kroner: 1200000 is "12 000,00 kr".
func NOK(ore int64) string {
	sign := ""
	if ore < 0 {
		sign, ore = "−", -ore
	}
	kroner := strconv.FormatInt(ore/100, 10)
	var b strings.Builder
	for i, c := range kroner {
		if i > 0 && (len(kroner)-i)%3 == 0 {
			b.WriteRune(nbsp)
		}
		b.WriteRune(c)
	}
	return fmt.Sprintf("%s%s,%02d%ckr", sign, b.String(), ore%100, nbsp)
}

// Percent writes a rate in hundredths of a percent the Norwegian way: 1020 is "10,20 %".
func Percent(hundredths int64) string {
	return fmt.Sprintf("%d,%02d%c%%", hundredths/100, hundredths%100, nbsp)
}

// nbsp joins the parts of an amount, so that it never breaks across lines.
const nbsp = '\u00a0'

// CallTarget is the URL a call goes to: the API base and the operation's
// fixed path, the consent id and the feed's numbers put in by the rules
// here, never taken as a URL. err says why a request cannot be called.
func CallTarget(apiBase string, op ngi.Operation, in CallRequest) (string, error) {
	path := op.Path
	switch {
	case op.NeedsConsentID() && !ValidID(in.ConsentID):
		return "", fmt.Errorf("the consent id must be a plain id (letters, digits, - and _), such as the ID token's consent_id")
	case op.NeedsConsentID():
		path = strings.Replace(path, "{id}", in.ConsentID, 1)
	case in.ConsentID != "":
		return "", fmt.Errorf("%s takes no consent id", op.ID)
	}
	target := strings.TrimSuffix(apiBase, "/") + path
	if op.ID == ngi.OpFeed {
		if in.FromSeq == nil || in.Limit == nil || *in.FromSeq < 0 || *in.Limit < 1 {
			return "", fmt.Errorf("feed needs from_sequence_nr (0 or more) and limit (1 or more)")
		}
		target += fmt.Sprintf("?fromSequenceNr=%d&limit=%d", *in.FromSeq, *in.Limit)
	}
	return target, nil
}

// CallCurl writes a curl command that repeats a call, with $ACCESS_TOKEN in
// place of the token.
func CallCurl(method, target, body string) string {
	var b strings.Builder
	b.WriteString("ACCESS_TOKEN='...'   # the access token\n")
	b.WriteString("curl -sS -i -X " + method + " " + shellQuote(target) + " \\\n")
	b.WriteString("  -H \"Authorization: Bearer $ACCESS_TOKEN\" -H 'Accept: application/json'")
	if body != "" {
		b.WriteString(" \\\n  -H 'Content-Type: application/json' --data " + shellQuote(body))
	}
	b.WriteString("\n")
	return b.String()
}
