package ngi

import "strings"

// Operation is one call of NGI's API ("Agreement API" v1), by its OpenAPI id.
type Operation struct {
	ID     string
	Method string
	// Path is the path under the environment's API base; {id} is the consent id.
	Path string
	// Code says the call takes the token of the authorization code flow;
	// otherwise a client-credentials token of the Service's audience.
	Code    bool
	Service int      // index into Environment.Services: the audience and scopes it wants
	Scopes  []string // a client-credentials token needs one of these
	Label   string
}

// The operations of NGI's API.
const (
	OpDebtWithCode     = "getDebtWithAuthCodeToken"
	OpDebtWithConsent  = "getDebtWithConsentID"
	OpConsentStatus    = "getConsentStatusWithID"
	OpRevokeConsent    = "revokeConsentByID"
	OpCreateConsent    = "createConsent"
	OpFeed             = "feed"
	OpLastSequenceNr   = "lastSequenceNr"
	OpFirstSequenceNr  = "firstSequenceNr"
	serviceDebt        = 0
	serviceConsent     = 1
	serviceConsentFeed = 2
)

var debtScopes = []string{ScopePresentation, ScopeProcessing}

// Operations lists NGI's API calls in the order the Call tab offers them.
var Operations = []Operation{
	{OpDebtWithCode, "GET", "/v1/debt", true, serviceDebt, nil, "Read the debt with the code flow's token"},
	{OpDebtWithConsent, "GET", "/v1/debt/{id}", false, serviceDebt, debtScopes, "Read the debt of a consent (client credentials)"},
	{OpConsentStatus, "GET", "/v1/debt/{id}/status", false, serviceDebt, debtScopes, "A consent's status"},
	{OpRevokeConsent, "DELETE", "/v1/debt/{id}", false, serviceDebt, debtScopes, "Revoke a consent"},
	{OpCreateConsent, "PUT", "/v1/consent/agreement", false, serviceConsent, []string{"consent.create"}, "Register a consent you collected (integrated consent)"},
	{OpFeed, "GET", "/feed/v1/consent", false, serviceConsentFeed, []string{"client.access.consent.events"}, "The consent events"},
	{OpLastSequenceNr, "GET", "/feed/v1/consent/lastSequenceNr", false, serviceConsentFeed, []string{"client.access.consent.events"}, "The last event's sequence number"},
	{OpFirstSequenceNr, "GET", "/feed/v1/consent/firstSequenceNr", false, serviceConsentFeed, []string{"client.access.consent.events"}, "The first event's sequence number"},
}

// OperationByID finds an operation.
func OperationByID(id string) (Operation, bool) {
	for _, op := range Operations {
		if op.ID == id {
			return op, true
		}
	}
	return Operation{}, false
}

// NeedsConsentID reports whether the path names a consent.
func (op Operation) NeedsConsentID() bool { return strings.Contains(op.Path, "{id}") }

// SingleUseConsentLifetime is how long a consent without a duration lasts.
const SingleUseConsentLifetime = 10 * 60 // seconds

// Loan kinds and instalment periods of the debt information.
const (
	LoanCreditFacility = "creditFacility"
	LoanRepayment      = "repaymentLoan"
	LoanChargeCard     = "chargeCard"
)

// LoanKinds names the loan kinds in plain words.
var LoanKinds = map[string]string{
	LoanCreditFacility: "credit line",
	LoanRepayment:      "repayment loan",
	LoanChargeCard:     "charge card",
}

// ChargePeriods names installmentChargePeriod's values in plain words, to
// follow an amount: "45,00 kr a month".
var ChargePeriods = map[string]string{
	"MONTHLY":     "a month",
	"QUARTERLY":   "a quarter",
	"HALF-YEARLY": "every half year",
	"YEARLY":      "a year",
}

// Feed event types.
const (
	EventConsentCreated  = "SAMTYKKE_OPPRETTET"
	EventConsentArchived = "SAMTYKKE_ARKIVERT"
)
