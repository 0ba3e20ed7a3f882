package check

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"authdebug/app/ngi"
)

// Exit codes of `authdebug check`.
const (
	ExitOK          = 0 // every check passed, or failed only where the plan expects it
	ExitFailed      = 1 // a check failed
	ExitUsage       = 2 // the plan or the flags are wrong
	ExitUnreachable = 3 // the environment could not be reached at all
)

// Deps are what the command needs from the binary it is part of.
type Deps struct {
	// Environments are the known ones (sandbox, preprod, prod) and those
	// the -env flags name, parsed as the server parses its own -env.
	Environments func(envFlags []string) ([]ngi.Environment, error)
	// Relay carries the calls to them.
	Relay func(envs []ngi.Environment) Relay
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

const usage = `authdebug check: NGI's configuration checked with the page's own rules.

Usage: authdebug check [-plan FILE] [-env NAME=ISSUER[,API_BASE]]... [-format text|json|junit|tap]
                       [-output FILE] [-update-snapshot]

Without -plan it checks the built-in sandbox, offline, with its demo client:
the default plan, every check passing. Secrets come only from the variable
(client_secret_env) or the file (client_secret_file) the plan names.

Exit codes:
  0  every check passed, or failed only where the plan expects it
  1  a check failed
  2  the plan or the flags are wrong
  3  the environment could not be reached at all

Flags:
`

// Main runs the command; it returns the exit code.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer, deps Deps) int {
	fs := flag.NewFlagSet("authdebug check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var envFlags multiFlag
	planPath := fs.String("plan", "", "the plan (YAML or JSON); without it, the default plan on the built-in sandbox")
	fs.Var(&envFlags, "env", "another environment, NAME=ISSUER_URL[,API_BASE] (repeatable), as the server's -env")
	format := fs.String("format", "text", "the report's format: text, json, junit or tap")
	output := fs.String("output", "", "write the report to this file (default: standard output)")
	update := fs.Bool("update-snapshot", false, "write the plan's snapshot from what the environment serves now")
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "authdebug check: "+format+"\n", a...)
		return ExitUsage
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q (secrets never go on the command line: name them in the plan)", fs.Arg(0))
	}
	if !map[string]bool{"text": true, "json": true, "junit": true, "tap": true}[*format] {
		return fail("-format %q: give text, json, junit or tap", *format)
	}
	plan, dir := DefaultPlan(), "."
	if *planPath != "" {
		data, err := os.ReadFile(*planPath)
		if err != nil {
			return fail("the plan: %v", err)
		}
		if plan, err = ParsePlan(data); err != nil {
			return fail("%s: %v", *planPath, err)
		}
		dir = filepath.Dir(*planPath)
	}
	envs, err := deps.Environments(envFlags)
	if err != nil {
		return fail("-env: %v", err)
	}
	var env *ngi.Environment
	for i := range envs {
		if envs[i].ID == plan.Environment {
			env = &envs[i]
		}
	}
	if env == nil {
		return fail("the plan's environment %q is not known: sandbox, preprod, prod, or a NAME given with -env", plan.Environment)
	}
	secret, err := clientSecret(plan, *env, dir, getenv)
	if err != nil {
		return fail("%v", err)
	}
	var snap *Snapshot
	if plan.Checks.Snapshot != "" {
		path := plan.Checks.Snapshot
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		if snap, err = LoadSnapshot(path); err != nil {
			return fail("%v", err)
		}
	}
	relay := deps.Relay(envs)
	results, err := Run(plan, *env, secret, relay, snap)
	var unreachable Unreachable
	switch {
	case errors.As(err, &unreachable):
		fmt.Fprintf(stderr, "authdebug check: %s\n", unreachable.Reason)
		return ExitUnreachable
	case err != nil:
		fmt.Fprintf(stderr, "authdebug check: %v\n", err)
		return ExitUnreachable
	}
	if *update && snap != nil {
		d, _ := relay.Get("discovery", env.ID)
		k, _ := relay.Get("jwks", env.ID)
		taken := Take(snap.Path, body(d), body(k))
		if err := taken.Write(); err != nil {
			return fail("the snapshot: %v", err)
		}
		fmt.Fprintf(stderr, "authdebug check: wrote the snapshot %s\n", snap.Path)
	}

	// The report goes to -output or standard output; the text summary
	// always reaches the terminal.
	var report bytes.Buffer
	switch *format {
	case "json":
		JSON(&report, env.ID, results)
	case "junit":
		JUnit(&report, env.ID, results)
	case "tap":
		TAP(&report, env.ID, results)
	default:
		Text(&report, env.ID, results)
	}
	terminal := stdout
	switch {
	case *output != "":
		if err := os.WriteFile(*output, report.Bytes(), 0o644); err != nil {
			return fail("-output: %v", err)
		}
		if *format != "text" {
			Text(terminal, env.ID, results)
		} else {
			fmt.Fprintln(terminal, Summarize(results))
		}
	default:
		stdout.Write(report.Bytes())
		if *format != "text" {
			fmt.Fprintln(stderr, Summarize(results))
		}
	}
	if Summarize(results).Failed > 0 {
		return ExitFailed
	}
	return ExitOK
}

// clientSecret reads the secret where the plan says; the sandbox's demo
// client's is public and needs no naming.
func clientSecret(p Plan, env ngi.Environment, dir string, getenv func(string) string) (string, error) {
	switch {
	case p.ClientSecretEnv != "":
		return strings.TrimSpace(getenv(p.ClientSecretEnv)), nil
	case p.ClientSecretFile != "":
		path := p.ClientSecretFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("client_secret_file: %v", err)
		}
		return strings.TrimSpace(string(b)), nil
	case env.DemoClient != nil && env.DemoClient.ID == p.ClientID:
		return env.DemoClient.Secret, nil
	}
	return "", nil
}
