// Command mutate checks that a package's tests guard its rules: it disables
// one rule at a time (a finding that is appended, the condition of an if or
// of a case), runs the package's tests,
// and lists every change the tests did not notice.
//
//	go run ./tools/mutate ./app/flow
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	appendLine = regexp.MustCompile(`^\s*(fs|out|c\.Findings|d\.Differences|findings|s\.Findings) = append\(`)
	ifLine     = regexp.MustCompile(`^(\s*)if (.+) \{$`)
	caseLine   = regexp.MustCompile(`^(\s*)case (.+):$`)
)

// mutants lists the ways one line can be changed to disable a rule.
func mutants(line string) []string {
	switch {
	case appendLine.MatchString(line):
		return []string{"// mutant: " + strings.TrimSpace(line)}
	case ifLine.MatchString(line) && !strings.Contains(line, "err") && !strings.Contains(line, ":="):
		m := ifLine.FindStringSubmatch(line)
		return []string{m[1] + "if false && (" + m[2] + ") {"}
	case caseLine.MatchString(line) && !strings.HasPrefix(strings.TrimSpace(line), `case "`):
		m := caseLine.FindStringSubmatch(line)
		return []string{m[1] + "case false && (" + m[2] + "):"}
	}
	return nil
}

func main() {
	dir := "./app/flow"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	total, killed, invalid := 0, 0, 0
	var survivors []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		orig, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		lines := strings.Split(string(orig), "\n")
		for i, line := range lines {
			for _, m := range mutants(line) {
				changed := append([]string{}, lines...)
				changed[i] = m
				if err := os.WriteFile(f, []byte(strings.Join(changed, "\n")), 0o644); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				out, err := exec.Command("go", "test", "-count=1", dir).CombinedOutput()
				switch {
				case strings.Contains(string(out), "[build failed]") || strings.Contains(string(out), "setup failed") || strings.Contains(string(out), "vet:"):
					invalid++
				case err == nil:
					total++
					survivors = append(survivors, fmt.Sprintf("%s:%d: %s", f, i+1, strings.TrimSpace(line)))
				default:
					total++
					killed++
				}
			}
		}
		os.WriteFile(f, orig, 0o644)
	}
	fmt.Printf("%d mutants of %s: %d caught by a test, %d not (%d did not compile)\n", total, dir, killed, len(survivors), invalid)
	for _, s := range survivors {
		fmt.Println("  not caught:", s)
	}
	if len(survivors) > 0 {
		os.Exit(1)
	}
}
