package flow

import (
	"strings"
	"testing"
	"time"

	"authdebug/app/ngi"
)

func TestNorwegianAmountsAndRates(t *testing.T) {
	for ore, want := range map[int64]string{1200000: "12 000,00 kr", 0: "0,00 kr", 5: "0,05 kr", 123456789: "1 234 567,89 kr", 99900: "999,00 kr", -150: "−1,50 kr"} {
		if got := NOK(ore); got != want {
			t.Errorf("NOK(%d) = %q, want %q", ore, got, want)
		}
	}
	for h, want := range map[int64]string{1020: "10,20 %", 5: "0,05 %", 2399: "23,99 %"} {
		if got := Percent(h); got != want {
			t.Errorf("Percent(%d) = %q, want %q", h, got, want)
		}
	}
}

func TestReadDebtAddsUpWhatAnswered(t *testing.T) {
	d, err := ReadDebt(`{"consent":{"id":"c","exp":1,"scope":"debt.unsecured.presentation"},"ssn":"14842249091",
		"loans":[{"creditorName":"A","loan":{"type":"creditFacility","creditLimit":5000000,"interestBearingBalance":1200000,"nonInterestBearingBalance":3000,"nominalInterestRate":1020,"coBorrower":0}},
		{"creditorName":"B","loan":{"type":"repaymentLoan","originalBalance":10000000,"balance":7500000,"terms":48,"coBorrower":1}},
		{"creditorName":"C","loan":null}],"numberOfCreditorsAnswered":2,"numberOfcreditorsMissing":1}`)
	if err != nil || d.Total() != 1200000+3000+7500000 || d.CreditorsMissing != 1 || d.Loans[2].Loan != nil {
		t.Errorf("%v %+v total %d", err, d, d.Total())
	}
}

func TestCheckCallBeforeSending(t *testing.T) {
	env := ngi.Preprod()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	debt, _ := ngi.OperationByID(ngi.OpDebtWithConsent)
	byCode, _ := ngi.OperationByID(ngi.OpDebtWithCode)
	create, _ := ngi.OperationByID(ngi.OpCreateConsent)
	good := CallToken{Grant: GrantClientCredentials, Audience: env.Services[0].Audience, Scope: ngi.ScopePresentation, Expires: now.Add(time.Hour)}
	id := "3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8"
	if fs := CheckCall(debt, env, good, id, now); len(fs) != 0 {
		t.Fatalf("a good call: %+v", fs)
	}
	for _, tt := range []struct {
		name          string
		op            ngi.Operation
		tok           CallToken
		id            string
		field, phrase string
	}{
		{"wrong audience", debt, CallToken{Grant: GrantClientCredentials, Audience: env.Services[1].Audience, Scope: ngi.ScopePresentation}, id, "audience", "another API"},
		{"missing scope", create, CallToken{Grant: GrantClientCredentials, Audience: env.Services[1].Audience, Scope: ngi.ScopePresentation}, "", "scope", "consent.create"},
		{"expired", debt, CallToken{Grant: GrantClientCredentials, Audience: env.Services[0].Audience, Scope: ngi.ScopePresentation, Expires: now.Add(-time.Minute)}, id, "access_token", "expired"},
		{"code token for a client call", debt, CallToken{Grant: GrantAuthorizationCode}, id, "access_token", "client-credentials token"},
		{"client token for the code call", byCode, good, "", "access_token", "authorization code flow"},
		{"no consent id", debt, good, "", "consent_id", "No consent id"},
		{"a path as consent id", debt, good, "../../admin", "consent_id", "No consent id"},
	} {
		if fs := CheckCall(tt.op, env, tt.tok, tt.id, now); !hasFinding(fs, LevelError, tt.field, tt.phrase) {
			t.Errorf("%s: %+v", tt.name, fs)
		}
	}
}

func TestReadAPIErrorInBothShapes(t *testing.T) {
	e, ok := ReadAPIError(`{"error":"invalid consent","error_description":"Consent expired at 2021-02-26T09:31:07.265053Z","timestamp":"2021-02-26T10:00:00Z","trace_id":"t-1"}`)
	op, _ := ngi.OperationByID(ngi.OpDebtWithConsent)
	if meaning, _ := ExplainCall(op, 403, e); !ok || e.TraceID != "t-1" || !strings.Contains(meaning, "expired") {
		t.Errorf("%+v %q", e, meaning)
	}
	e, ok = ReadAPIError(`{"status":500,"timestamp":"x","path":"/v1/debt","error":"Internal Server Error","message":"boom","requestId":"r-9"}`)
	if _, next := ExplainCall(op, 500, e); !ok || e.Description != "boom" || !strings.Contains(next, "r-9") {
		t.Errorf("%+v %q", e, next)
	}
	if _, ok := ReadAPIError("<html>"); ok {
		t.Error("HTML read as an API error")
	}
}
