package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"authdebug/app/sandbox"
)

// runCheckIn runs `authdebug check` with args and returns its exit code,
// standard output and standard error.
func runCheckIn(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errs syncBuffer
	code := runCheck(args, &out, &errs)
	return code, out.String(), errs.String()
}

func writePlan(t *testing.T, plan string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// With no plan: the built-in sandbox, offline, every check passing.
func TestCheckDefaultPlanPassesOffline(t *testing.T) {
	code, out, errs := runCheckIn(t)
	if code != 0 || !strings.Contains(out, "0 failed") || strings.Contains(out, "FAIL") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, id := range []string{"discovery.issuer", "jwks.rsa_size", "redirect_uris.registered[0]", "redirect_uris.not_registered[0]", "authorize[1]", "client_credentials[0]", "api.lastSequenceNr"} {
		if !strings.Contains(out, "PASS  "+id+" ") {
			t.Errorf("%s did not pass:\n%s", id, out)
		}
	}
}

// A plan that fails names the failing check in every format, exits 1, and
// never writes the secret it was given.
func TestCheckFailingPlanInEveryFormat(t *testing.T) {
	t.Setenv("CHECK_SECRET", sandbox.DemoClientSecret)
	plan := writePlan(t, `environment: sandbox
client_id: authdebug-demo
client_secret_env: CHECK_SECRET
checks:
  redirect_uris:
    registered: [https://api-eksempelbank.no/v1/callback/]
  client_credentials:
    - {audience: https://api-preprod.norskgjeld.no/v1/debt, scope: debt.unsecured.presentation, expect: invalid_scope}
`)
	for _, format := range []string{"text", "json", "junit", "tap"} {
		code, out, errs := runCheckIn(t, "-plan", plan, "-format", format)
		if code != 1 {
			t.Errorf("%s: exit %d\n%s\n%s", format, code, out, errs)
		}
		for _, id := range []string{"redirect_uris.registered[0]", "client_credentials[0]"} {
			if !strings.Contains(out, id) {
				t.Errorf("%s: %s is not named:\n%s", format, id, out)
			}
		}
		if strings.Contains(out+errs, sandbox.DemoClientSecret) || strings.Contains(out+errs, "ory_at_") {
			t.Errorf("%s: a secret or token is in the output", format)
		}
		switch format {
		case "junit":
			var suites struct {
				Failures int `xml:"failures,attr"`
				Suites   []struct {
					Name  string `xml:"name,attr"`
					Cases []struct {
						Name    string `xml:"name,attr"`
						Failure *struct {
							Message string `xml:"message,attr"`
						} `xml:"failure"`
					} `xml:"testcase"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal([]byte(out), &suites); err != nil || suites.Failures != 2 || len(suites.Suites) != 2 || suites.Suites[0].Cases[0].Failure == nil {
				t.Errorf("JUnit: %v %+v\n%s", err, suites, out)
			}
		case "json":
			var report struct {
				Summary struct{ Failed int } `json:"summary"`
				Checks  []struct{ ID, Outcome, Message string }
			}
			if err := json.Unmarshal([]byte(out), &report); err != nil || report.Summary.Failed != 2 {
				t.Errorf("JSON: %v %+v", err, report)
			}
		case "tap":
			if !strings.HasPrefix(out, "TAP version 13\n1..2\n") || strings.Count(out, "not ok") != 2 {
				t.Errorf("TAP:\n%s", out)
			}
		}
	}
	// Listed as expected, the same failures pass the run.
	expected := writePlan(t, strings.Replace(string(must(os.ReadFile(plan))), "checks:", "expected_failures: [\"redirect_uris.registered[0]\", \"client_credentials[0]\"]\nchecks:", 1))
	if code, out, _ := runCheckIn(t, "-plan", expected); code != 0 || !strings.Contains(out, "XFAIL") {
		t.Errorf("expected failures: exit %d\n%s", code, out)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// A wrong plan or flag is exit 2 with the line named; an environment that
// cannot be reached is exit 3.
func TestCheckExitCodes(t *testing.T) {
	bad := writePlan(t, "environment: sandbox\nclient_id: authdebug-demo\nchecks:\n  discovery: {}\n  jwks_typo: {}\n")
	if code, _, errs := runCheckIn(t, "-plan", bad); code != 2 || !strings.Contains(errs, "line 5") {
		t.Errorf("malformed plan: exit %d %q", code, errs)
	}
	if code, _, _ := runCheckIn(t, "-format", "xml"); code != 2 {
		t.Errorf("-format xml: exit %d", code)
	}
	if code, _, errs := runCheckIn(t, "-plan", writePlan(t, "environment: staging\nchecks: {discovery: {}}\n")); code != 2 || !strings.Contains(errs, "staging") {
		t.Errorf("an unknown environment: exit %d %q", code, errs)
	}
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := dead.Addr().String()
	dead.Close()
	down := writePlan(t, "environment: down\nchecks: {discovery: {}}\n")
	if code, _, errs := runCheckIn(t, "-plan", down, "-env", "down=http://"+addr+"/"); code != 3 || !strings.Contains(errs, "cannot be reached") {
		t.Errorf("unreachable: exit %d %q", code, errs)
	}
}

// Drift: -update-snapshot writes what the environment serves; a later
// change of it fails the discovery comparison.
func TestCheckSnapshotCatchesDrift(t *testing.T) {
	plan := writePlan(t, "environment: sandbox\nchecks:\n  snapshot: sandbox.json\n")
	snap := filepath.Join(filepath.Dir(plan), "sandbox.json")
	if code, out, _ := runCheckIn(t, "-plan", plan); code != 0 || !strings.Contains(out, "SKIP  snapshot.present") {
		t.Fatalf("without a snapshot: exit %d\n%s", code, out)
	}
	if code, _, _ := runCheckIn(t, "-plan", plan, "-update-snapshot"); code != 0 {
		t.Fatal("-update-snapshot failed")
	}
	// Each run of the check makes a fresh sandbox key: the kid rotates (a warning).
	if code, out, _ := runCheckIn(t, "-plan", plan); code != 0 || !strings.Contains(out, "PASS  snapshot.discovery") {
		t.Fatalf("against its own snapshot: exit %d\n%s", code, out)
	}
	data := strings.Replace(string(must(os.ReadFile(snap))), `"token_endpoint": "`, `"token_endpoint": "https://moved.example`, 1)
	os.WriteFile(snap, []byte(data), 0o644)
	if code, out, _ := runCheckIn(t, "-plan", plan); code != 1 || !strings.Contains(out, "FAIL  snapshot.discovery") || !strings.Contains(out, "token_endpoint") {
		t.Errorf("drift: exit %d\n%s", code, out)
	}
}

// An environment that answers, but not with its documents: the checks fail
// with what came back (a status, a body too large), never a crash.
func TestCheckReportsDocumentsThatAreNotThere(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/jwks.json"):
			w.Write(bytes.Repeat([]byte("x"), 2<<20)) // more than the relay takes
		default:
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		}
	}))
	defer upstream.Close()
	plan := writePlan(t, "environment: broken\nchecks: {discovery: {}, jwks: {}}\n")
	code, out, errs := runCheckIn(t, "-plan", plan, "-env", "broken="+upstream.URL+"/")
	if code != 1 || !strings.Contains(out, "FAIL  discovery.document") || !strings.Contains(out, "HTTP 503") || !strings.Contains(out, "FAIL  jwks.document") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
}
