package sandbox

import (
	"time"

	"authdebug/app/ngi"
)

// mockDebt is the fixed, realistic debt of the test persons, the same on
// every start: amounts in øre, rates in hundredths of a percent, as NGI
// answers. For 29868099311 one creditor did not answer, as happens when NGI
// falls back to yesterday's cached data.
func mockDebt(consentID, person, scope string, expires time.Time) map[string]any {
	at := "2026-11-25T06:00:00Z"
	loan := func(kind string, coBorrower int, fields map[string]any) map[string]any {
		fields["type"], fields["coBorrower"], fields["timestamp"] = kind, coBorrower, at
		return fields
	}
	var loans []map[string]any
	answered, missing := 0, 0
	switch person {
	case "29868099311":
		loans = []map[string]any{
			{"creditorName": "Nordlys Forbrukslån AS", "loan": loan(ngi.LoanRepayment, 0, map[string]any{
				"originalBalance": 25000000, "balance": 18250000, "terms": 60, "nominalInterestRate": 1490, "installmentCharges": 4500, "installmentChargePeriod": "MONTHLY"})},
			{"creditorName": "Fjordkort ASA", "loan": loan(ngi.LoanChargeCard, 0, map[string]any{
				"interestBearingBalance": 0, "nonInterestBearingBalance": 1275000})},
			{"creditorName": "Vidde Kreditt AS", "loan": nil},
		}
		answered, missing = 2, 1
	default:
		loans = []map[string]any{
			{"creditorName": "Eksempelbank ASA", "loan": loan(ngi.LoanCreditFacility, 0, map[string]any{
				"creditLimit": 5000000, "interestBearingBalance": 1200000, "nonInterestBearingBalance": 34500, "nominalInterestRate": 2190, "installmentCharges": 3500, "installmentChargePeriod": "MONTHLY"})},
			{"creditorName": "Havbris Finans AS", "loan": loan(ngi.LoanRepayment, 1, map[string]any{
				"originalBalance": 15000000, "balance": 9875000, "terms": 84, "nominalInterestRate": 1020, "installmentCharges": 12500, "installmentChargePeriod": "QUARTERLY"})},
			{"creditorName": "Fjordkort ASA", "loan": loan(ngi.LoanChargeCard, 0, map[string]any{
				"interestBearingBalance": 645000, "nonInterestBearingBalance": 0})},
		}
		answered = 3
	}
	return map[string]any{
		"consent":                   map[string]any{"id": consentID, "exp": expires.Unix(), "scope": scope},
		"ssn":                       person,
		"loans":                     loans,
		"numberOfCreditorsAnswered": answered,
		"numberOfcreditorsMissing":  missing,
	}
}
