package flow

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestDiffRedirectNamesDifferences(t *testing.T) {
	want := "https://api-eksempelbank.no/v1/callback"
	tests := []struct {
		got, want, phrase string
	}{
		{"http://api-eksempelbank.no/v1/callback", want, "Scheme: http instead of https"},
		{"https://API-eksempelbank.no/v1/callback", want, "Host case"},
		{"http://localhost:8000/callback", "http://127.0.0.1:8000/callback", "Loopback host"},
		{"https://evil.example/v1/callback", want, "Host: evil.example"},
		{"https://api-eksempelbank.no:443/v1/callback", want, "default port written out"},
		{"http://127.0.0.1:8001/callback", "http://127.0.0.1:8000/callback", "Port: 8001 instead of 8000"},
		{"https://api-eksempelbank.no/v1/callback/", want, "Trailing slash"},
		{"https://api-eksempelbank.no/v1/call%62ack", want, "Percent-encoding"},
		{"https://api-eksempelbank.no/V1/Callback", want, "Path case"},
		{"https://api-eksempelbank.no/v2/cb", want, "Path:"},
	}
	for _, tt := range tests {
		d := DiffRedirect(tt.got+"?code=x&state=y", tt.want)
		if d.Equal || !strings.Contains(strings.Join(d.Differences, " | "), tt.phrase) {
			t.Errorf("DiffRedirect(%q, %q) = %+v, want %q", tt.got, tt.want, d, tt.phrase)
		}
		if d.At < 0 || d.At > len(d.Got) {
			t.Errorf("first difference at %d of %q", d.At, d.Got)
		}
	}
	if d := DiffRedirect(want+"?code=x", want); !d.Equal || d.At != -1 {
		t.Errorf("equal URIs differ: %+v", d)
	}
}

// A redirect_uri's own query must come back unchanged, beside what the
// server adds (code, state, scope, error…).
func TestDiffRedirectComparesTheURIsOwnQuery(t *testing.T) {
	want := "https://app.example/cb?tenant=1"
	for _, tt := range []struct {
		got    string
		equal  bool
		phrase string
	}{
		{"https://app.example/cb?tenant=1&code=x&state=y&scope=s", true, ""},
		{"https://app.example/cb?code=x&tenant=1&iss=https%3A%2F%2Fa", true, ""},
		{"https://app.example/cb?error=access_denied&error_description=no&tenant=1", true, ""},
		{"https://app.example/cb?tenant=2&code=x", false, "tenant=2 instead of tenant=1"},
		{"https://app.example/cb?code=x", false, "tenant=1 is missing"},
		{"https://app.example/cb?tenant=1&debug=on&code=x", false, "debug=on is not in the redirect_uri"},
	} {
		d := DiffRedirect(tt.got, want)
		if d.Equal != tt.equal || !strings.Contains(strings.Join(d.Differences, " | "), tt.phrase) {
			t.Errorf("DiffRedirect(%q) = %+v, want equal=%v and %q", tt.got, d, tt.equal, tt.phrase)
		}
	}
	// Without a query of its own, a callback's extra parameters are a difference too.
	if d := DiffRedirect("https://app.example/cb?tenant=2&code=x", "https://app.example/cb"); d.Equal {
		t.Errorf("an unregistered query parameter matched: %+v", d)
	}
}

// The marker of the first difference never cuts a character in two.
func TestDiffRedirectMarksWholeCharacters(t *testing.T) {
	d := DiffRedirect("https://bank.example/bekreftelse/søk?code=x", "https://bank.example/bekreftelse/sæk")
	if d.Equal || !utf8.ValidString(d.Got[:d.At]) || !utf8.ValidString(d.Got[d.At:]) || !utf8.ValidString(d.Want[:d.At]) {
		t.Errorf("marker at %d cuts %q", d.At, d.Got)
	}
	if !strings.HasSuffix(d.Got[:d.At], "/s") {
		t.Errorf("marker at %d in %q, want just before ø, which differs from æ in its second byte", d.At, d.Got)
	}
}

func TestRegisteredMatch(t *testing.T) {
	list := SplitURIs("  https://a.example/cb \n\nhttps://api-eksempelbank.no/v1/callback\n")
	if len(list) != 2 {
		t.Fatalf("SplitURIs = %q", list)
	}
	if i, _ := RegisteredMatch("https://api-eksempelbank.no/v1/callback", list); i != 1 {
		t.Errorf("exact match at %d, want 1", i)
	}
	i, d := RegisteredMatch("https://api-eksempelbank.no/v1/callback/", list)
	if i != -1 || d.Want != "https://api-eksempelbank.no/v1/callback" || !strings.Contains(d.Differences[0], "Trailing slash") {
		t.Errorf("closest = %d %+v", i, d)
	}
}

func TestCheckStateAgainstPending(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var pending []PendingRequest
	if c := CheckState("s", pending, now); c.Result != MatchUnknown {
		t.Errorf("no pending: %+v", c)
	}
	pending = AddPending(pending, PendingRequest{Env: "preprod", ClientID: "c", State: "s1", Created: now.Add(-3 * time.Minute)}, now)
	pending = AddPending(pending, PendingRequest{Env: "sandbox", ClientID: "d", State: "s2", Created: now.Add(-time.Minute)}, now)
	c := CheckState("s1", pending, now)
	if c.Result != MatchYes || c.Request.Env != "preprod" || !strings.Contains(c.Message, "3 min ago") {
		t.Errorf("match: %+v", c)
	}
	if c := CheckState("forged", pending, now); c.Result != MatchNo || !strings.Contains(c.Message, "CSRF") {
		t.Errorf("mismatch: %+v", c)
	}
	if c := CheckState("", pending, now); c.Result != MatchNo {
		t.Errorf("no state: %+v", c)
	}
	// A request older than PendingMaxAge no longer vouches for a callback.
	stale := append(pending, PendingRequest{State: "month-old", Env: "sandbox", Created: now.Add(-30 * 24 * time.Hour)})
	if c := CheckState("month-old", stale, now); c.Result != MatchNo || c.Request != nil || !strings.Contains(c.Message, "stale") {
		t.Errorf("a 30-day-old request: %+v", c)
	}
	if c := CheckState("month-old", stale, now.Add(-30*24*time.Hour+time.Hour)); c.Result != MatchYes {
		t.Errorf("the same request an hour after it was sent: %+v", c)
	}
}

func TestAddPendingKeepsRecentOnly(t *testing.T) {
	now := time.Now()
	if list := AddPending([]PendingRequest{{State: "day-old", Created: now.Add(-PendingMaxAge - time.Second)}, {State: "hour-old", Created: now.Add(-time.Hour)}},
		PendingRequest{State: "new", Created: now}, now); len(list) != 2 || list[1].State != "hour-old" {
		t.Errorf("a request older than PendingMaxAge was kept: %+v", list)
	}
	var list []PendingRequest
	list = AddPending(list, PendingRequest{State: "old", Created: now.Add(-PendingMaxAge - time.Minute)}, now)
	for i := 0; i < PendingLimit+3; i++ {
		list = AddPending(list, PendingRequest{State: string(rune('a' + i)), Created: now}, now)
	}
	if len(list) != PendingLimit || list[0].State != string(rune('a'+PendingLimit+2)) {
		t.Fatalf("list = %d entries, first %q", len(list), list[0].State)
	}
	list = AddPending(list, PendingRequest{State: list[3].State, Created: now}, now)
	if len(list) != PendingLimit {
		t.Errorf("the same state twice is kept twice: %d", len(list))
	}
}
