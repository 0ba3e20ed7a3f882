package check

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Summary counts the results; Failed are the failures the plan does not expect.
type Summary struct {
	Total, Passed, Failed, Expected, Warned, Skipped int
}

// Summarize counts results.
func Summarize(rs []Result) Summary {
	s := Summary{Total: len(rs)}
	for _, r := range rs {
		switch {
		case r.Outcome == Pass:
			s.Passed++
		case r.Outcome == Fail && r.Expected:
			s.Expected++
		case r.Outcome == Fail:
			s.Failed++
		case r.Outcome == Warn:
			s.Warned++
		case r.Outcome == Skip:
			s.Skipped++
		}
	}
	return s
}

func (s Summary) String() string {
	return fmt.Sprintf("%d checks: %d passed, %d failed, %d failed as expected, %d warned, %d skipped", s.Total, s.Passed, s.Failed, s.Expected, s.Warned, s.Skipped)
}

// Text writes one line per check and the summary.
func Text(w io.Writer, env string, rs []Result) {
	for _, r := range rs {
		mark := strings.ToUpper(r.Outcome)
		if r.Expected {
			mark = "XFAIL"
		}
		fmt.Fprintf(w, "%-5s %s — %s: %s\n", mark, r.ID, r.Title, r.Message)
	}
	fmt.Fprintf(w, "%s (%s)\n", Summarize(rs), env)
}

// JSON writes the report as one JSON document.
func JSON(w io.Writer, env string, rs []Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"environment": env, "summary": Summarize(rs), "checks": rs})
}

// JUnit writes JUnit XML as GitLab and GitHub read it: a testsuite per
// group, a testcase per check, a failure with the message (an expected
// failure and a skip are skipped).
func JUnit(w io.Writer, env string, rs []Result) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type skipped struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *skipped `xml:"skipped,omitempty"`
		SystemOut string   `xml:"system-out,omitempty"`
	}
	type testsuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Suites   []*testsuite `xml:"testsuite"`
	}
	all := &testsuites{Name: "authdebug check " + env}
	suites := map[string]*testsuite{}
	for _, r := range rs {
		s := suites[r.Group]
		if s == nil {
			s = &testsuite{Name: r.Group}
			suites[r.Group] = s
			all.Suites = append(all.Suites, s)
		}
		c := testcase{Name: r.ID + ": " + r.Title, Classname: "authdebug." + env + "." + r.Group, SystemOut: r.Message + refSuffix(r.Ref)}
		switch {
		case r.Outcome == Fail && !r.Expected:
			c.Failure = &failure{Message: r.Message, Type: r.Severity, Text: r.Message + refSuffix(r.Ref)}
			s.Failures++
			all.Failures++
		case r.Outcome == Skip || r.Expected:
			c.Skipped = &skipped{Message: map[bool]string{true: "expected failure: " + r.Message, false: r.Message}[r.Expected]}
			s.Skipped++
		}
		s.Tests++
		all.Tests++
		s.Cases = append(s.Cases, c)
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func refSuffix(ref string) string {
	if ref == "" {
		return ""
	}
	return " (" + ref + ")"
}

// TAP writes TAP version 13: a skip and an expected failure are directives.
func TAP(w io.Writer, env string, rs []Result) {
	fmt.Fprintf(w, "TAP version 13\n1..%d\n", len(rs))
	for i, r := range rs {
		ok := "ok"
		directive := ""
		switch {
		case r.Outcome == Fail && r.Expected:
			ok, directive = "not ok", " # TODO expected failure"
		case r.Outcome == Fail:
			ok = "not ok"
		case r.Outcome == Skip:
			directive = " # SKIP " + oneLine(r.Message)
		}
		fmt.Fprintf(w, "%s %d - %s: %s%s\n", ok, i+1, r.ID, oneLine(r.Title), directive)
		if r.Outcome != Pass {
			fmt.Fprintf(w, "  ---\n  message: %q\n  severity: %s\n  ref: %q\n  ...\n", r.Message, r.Severity, r.Ref)
		}
	}
	fmt.Fprintf(w, "# %s (%s)\n", Summarize(rs), env)
}

func oneLine(s string) string { return strings.NewReplacer("\n", " ", "#", "").Replace(s) }
