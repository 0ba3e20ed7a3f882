package flow

import (
	"strings"
	"testing"
	"time"

	"authdebug/app/ngi"
)

func TestNorwegianAmountsAndRates(t *testing.T) {
	for ore, want := range map[int64]string{1200000: "12\u00a0000,00\u00a0kr", 0: "0,00\u00a0kr", 5: "0,05\u00a0kr", 123456789: "1\u00a0234\u00a0567,89\u00a0kr", 99900: "999,00\u00a0kr", -150: "−1,50\u00a0kr"} {
		if got := NOK(ore); got != want {
			t.Errorf("NOK(%d) = %q, want %q", ore, got, want)
		}
	}
	for h, want := range map[int64]string{1020: "10,20\u00a0%", 5: "0,05\u00a0%", 2399: "23,99\u00a0%"} {
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
	if fs := CheckCall(debt, env, "at", good, id, now); len(fs) != 0 {
		t.Fatalf("a good call: %+v", fs)
	}
	if fs := CheckCall(debt, env, "", good, id, now); !hasFinding(fs, LevelError, "access_token", "No access token") {
		t.Errorf("no token: %+v", fs)
	}
	noAPI := env
	noAPI.APIBase = ""
	if fs := CheckCall(debt, noAPI, "at", good, id, now); !hasFinding(fs, LevelError, "environment", "no API base") {
		t.Errorf("no API base: %+v", fs)
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
		{"another environment's token", debt, CallToken{Env: "sandbox", Grant: GrantClientCredentials, Audience: env.Services[0].Audience, Scope: ngi.ScopePresentation}, id, "access_token", "issued by the sandbox environment"},
	} {
		if fs := CheckCall(tt.op, env, "at", tt.tok, tt.id, now); !hasFinding(fs, LevelError, tt.field, tt.phrase) {
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

func TestCheckConsentBody(t *testing.T) {
	good := ConsentBody{NIN: "14842249091", ScopeOfConsent: ngi.ScopePresentation, DurationDays: 30, ClientConsentID: "3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8"}
	if fs := CheckConsentBody(good); len(fs) != 0 {
		t.Fatalf("a good body: %+v", fs)
	}
	for field, change := range map[string]func(*ConsentBody){
		"nin":                   func(b *ConsentBody) { b.NIN = "1484224909" },
		"scope_of_consent":      func(b *ConsentBody) { b.ScopeOfConsent = "openid" },
		"consent_duration_days": func(b *ConsentBody) { b.DurationDays = 0 },
		"client_consent_id":     func(b *ConsentBody) { b.ClientConsentID = "a/b" },
	} {
		b := good
		change(&b)
		if fs := CheckConsentBody(b); len(fs) != 1 || fs[0].Field != field || fs[0].Level != LevelError {
			t.Errorf("%s: %+v", field, fs)
		}
	}
}

func TestCheckCallWithAPastedToken(t *testing.T) {
	op, _ := ngi.OperationByID(ngi.OpConsentStatus)
	fs := CheckCall(op, ngi.Preprod(), "at", CallToken{}, "3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8", time.Now())
	if len(fs) != 1 || fs[0].Level != LevelInfo || !strings.Contains(fs[0].Message, "pasted") {
		t.Errorf("%+v", fs)
	}
	// An environment without that service: the advice still names something.
	custom := ngi.Hydra("c", "c", "https://auth.example/")
	if fs := CheckCall(op, custom, "at", CallToken{Grant: GrantAuthorizationCode}, "3f2a1b4c", time.Now()); !hasFinding(fs, LevelError, "access_token", "with the service preset") {
		t.Errorf("%+v", fs)
	}
	if fs := CheckCall(op, ngi.Preprod(), "at", CallToken{Grant: GrantAuthorizationCode}, "3f2a1b4c", time.Now()); !hasFinding(fs, LevelError, "access_token", "with the Debt lookup preset") {
		t.Errorf("%+v", fs)
	}
}

func TestExplainCallByStatusAndError(t *testing.T) {
	byCode, _ := ngi.OperationByID(ngi.OpDebtWithCode)
	byID, _ := ngi.OperationByID(ngi.OpDebtWithConsent)
	for _, tt := range []struct {
		op     ngi.Operation
		status int
		e      APIError
		words  string
	}{
		{byID, 401, APIError{Error: "Invalid access token"}, "did not accept the token"},
		{byID, 409, APIError{Error: "conflict"}, "already registered"},
		{byCode, 403, APIError{Error: "no valid consent"}, "single-use"},
		{byID, 403, APIError{Error: "no valid consent"}, "no valid consent for this token"},
		{byID, 403, APIError{Error: "Invalid access token", Description: "The token's audience [x] is not y."}, "another API"},
		{byID, 403, APIError{Error: "forbidden", Description: "not allowed to register this consent"}, "does not let this client"},
		{byID, 400, APIError{Error: "bad"}, "malformed"},
		{byID, 404, APIError{Error: "not found"}, "No such consent"},
		{byID, 418, APIError{Error: "teapot"}, ""},
	} {
		meaning, _ := ExplainCall(tt.op, tt.status, tt.e)
		if (tt.words == "" && meaning != "") || !strings.Contains(meaning, tt.words) {
			t.Errorf("%d %s: %q", tt.status, tt.e.Error, meaning)
		}
	}
}

func TestCallTargetAndCurl(t *testing.T) {
	id := "3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8"
	op := func(name string) ngi.Operation { o, _ := ngi.OperationByID(name); return o }
	n, m := int64(5), int64(10)
	neg := int64(-1)
	for _, tt := range []struct {
		op   string
		in   CallRequest
		want string
	}{
		{ngi.OpConsentStatus, CallRequest{ConsentID: id}, "https://api.example/v1/debt/" + id + "/status"},
		{ngi.OpDebtWithCode, CallRequest{}, "https://api.example/v1/debt"},
		{ngi.OpFeed, CallRequest{FromSeq: &n, Limit: &m}, "https://api.example/feed/v1/consent?fromSequenceNr=5&limit=10"},
		{ngi.OpConsentStatus, CallRequest{ConsentID: "../x"}, ""},
		{ngi.OpDebtWithCode, CallRequest{ConsentID: id}, ""},
		{ngi.OpFeed, CallRequest{FromSeq: &n}, ""},
		{ngi.OpFeed, CallRequest{FromSeq: &neg, Limit: &m}, ""},
	} {
		got, err := CallTarget("https://api.example/", op(tt.op), tt.in)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("%s %+v: %q %v", tt.op, tt.in, got, err)
		}
	}
	if c := CallCurl("PUT", "https://api.example/v1/consent/agreement", `{"a":1}`); !strings.Contains(c, "--data '{\"a\":1}'") || !strings.Contains(c, "Content-Type: application/json") {
		t.Errorf("%s", c)
	}
	if c := CallCurl("GET", "https://api.example/v1/debt", ""); strings.Contains(c, "--data") || !strings.Contains(c, "$ACCESS_TOKEN") {
		t.Errorf("%s", c)
	}
}

func TestValidIDAndNIN(t *testing.T) {
	for id, want := range map[string]bool{
		"3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8": true, "abc_DEF-9": true, "1234567": false,
		strings.Repeat("a", 64): true, strings.Repeat("a", 65): false, "abcdefg/h": false, "abcdefgh?x=1": false, "abcdefgh.": false, "ab%2Fcdefg": false,
	} {
		if ValidID(id) != want {
			t.Errorf("ValidID(%q) = %v", id, !want)
		}
	}
	for nin, want := range map[string]bool{"14842249091": true, "1484224909": false, "148422490911": false, "1484224909a": false, "１4842249091": false} {
		if isNIN(nin) != want {
			t.Errorf("isNIN(%q) = %v", nin, !want)
		}
	}
}
