package ui

import (
	"strings"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/record"
)

// shared is what the tabs share: the environments and the chosen one, the
// client, the pending requests, the keys, and what one tab hands to the next.
// The shell owns it and hands each tab a pointer.
//
// It is also the page's only way to finish asynchronous work. go-app drops a
// ctx.Dispatch on an element that is gone (the button of a tab the person
// left), so every answer, timer and clipboard result is dispatched on the
// shell's own context, which lives as long as the page: it lands wherever
// the person is by then.
type shared struct {
	root    ga.Context // the mounted shell's; zero before mount (prerendering)
	mounted bool
	origin  string // the page's own origin, for the default redirect_uri
	// publicOrigin is where the server says people should open the tool;
	// the sandbox's issuer and its demo client's redirect URI are built on it.
	publicOrigin string
	// sandboxDown is the server's word that the sandbox's store does not answer.
	sandboxDown bool
	user        string // who is signed in, when the server has sign-in
	signOut     string // where signing out goes, when the server signs people in

	envs    []ngi.Environment
	envsErr string
	envID   string
	// clientID is chosen once for the page; Authorize and Token both edit it.
	clientID string

	pending []flow.PendingRequest
	history []historyEntry
	keys    map[string]*keyState // each environment's signing keys, for Inspect and Discovery
	copied  map[string]string    // what a copy button says for a moment after a click

	// handed from Callback to Token, and from Token to Inspect; each tab
	// takes a handoff when the person arrives on it.
	code     *codeHandoff
	response *responseHandoff
	token    *tokenHandoff // from Token to Call

	// run is the current flow's record, redacted as each step is added,
	// kept in sessionStorage so that it survives NGI's redirect back.
	run     *record.Run
	version string // the tool's, for the bundle

	// landed runs after each asynchronous completion, so that what it hands
	// over reaches the tab the person is on.
	landed func()
	// fetcher replaces the browser's fetch (tests, natively).
	fetcher func(method, path string, body any, done func(fetchResult))
}

// pendingKey is the localStorage key of the pending requests (never a secret).
const pendingKey = "authdebug.pending"

// codeHandoff is a code read on the Callback tab, with what its authorize
// request knew, for the Token tab.
type codeHandoff struct {
	code, redirectURI, verifier string
	pending                     *flow.PendingRequest
	received                    time.Time
}

// responseHandoff is a token response with an ID token, for the Inspect tab.
type responseHandoff struct {
	body    string
	pending *flow.PendingRequest
}

// env returns the chosen environment, or nil before the list is loaded.
func (sh *shared) env() *ngi.Environment { return sh.envByID(sh.envID) }

// envByID is an environment of the server's list, nil when there is none by that id.
func (sh *shared) envByID(id string) *ngi.Environment {
	for i := range sh.envs {
		if sh.envs[i].ID == id {
			return &sh.envs[i]
		}
	}
	return nil
}

// setEnvironments takes the server's list; the first is chosen unless a deep
// link or a callback already chose one that exists.
func (sh *shared) setEnvironments(envs []ngi.Environment) {
	sh.envs = envs
	if sh.env() == nil && len(envs) > 0 {
		sh.envID = envs[0].ID
	}
	sh.fillDemoClient("")
}

// selectEnv switches the page's environment.
func (sh *shared) selectEnv(id string) {
	prevDemo := ""
	if before := sh.env(); before != nil && before.DemoClient != nil {
		prevDemo = before.DemoClient.ID
	}
	sh.envID = id
	sh.fillDemoClient(prevDemo)
}

// fillDemoClient pre-fills the sandbox's demo client when no client id was
// given, or when the id is the demo client of the environment left behind.
func (sh *shared) fillDemoClient(previousDemo string) {
	e := sh.env()
	switch {
	case e != nil && e.DemoClient != nil && (sh.clientID == "" || sh.clientID == previousDemo):
		sh.clientID = e.DemoClient.ID
	case previousDemo != "" && sh.clientID == previousDemo:
		sh.clientID = ""
	}
}

// verifiersKey is the sessionStorage key of the pending requests' PKCE
// verifiers, by state: secrets, so never in localStorage; sessionStorage
// lasts as long as the tab, through NGI's redirect back to the page.
const verifiersKey = "authdebug.verifiers"

// recordPending keeps an authorize request so that its callback can be
// checked, even in another browser tab: it goes to localStorage, without its
// verifier, which stays in this tab's sessionStorage.
func (sh *shared) recordPending(p flow.PendingRequest, now time.Time) {
	sh.pending = flow.AddPending(sh.pending, p, now)
	if sh.mounted {
		verifiers := map[string]string{}
		for _, q := range sh.pending {
			if q.Verifier != "" {
				verifiers[q.State] = q.Verifier
			}
		}
		sh.root.LocalStorage().Set(pendingKey, sh.pending)
		sh.root.SessionStorage().Set(verifiersKey, verifiers)
	}
}

// loadPending reads the pending requests back, with the verifiers this tab has.
func (sh *shared) loadPending(ctx ga.Context) {
	var verifiers map[string]string
	ctx.LocalStorage().Get(pendingKey, &sh.pending)
	ctx.SessionStorage().Get(verifiersKey, &verifiers)
	for i := range sh.pending {
		sh.pending[i].Verifier = verifiers[sh.pending[i].State]
	}
}

func (sh *shared) forgetPending() {
	sh.pending = nil
	if sh.mounted {
		sh.root.LocalStorage().Del(pendingKey)
		sh.root.SessionStorage().Del(verifiersKey)
	}
}

// online reports whether the page can call its server: in the browser once
// mounted (never while the server prerenders), or with a test's fetcher.
func (sh *shared) online() bool { return sh.mounted || sh.fetcher != nil }

// dispatch runs f on the UI goroutine and re-renders the page; before the
// page is mounted (natively, in tests) it runs f at once.
func (sh *shared) dispatch(f func()) {
	run := func() {
		f()
		if sh.landed != nil {
			sh.landed()
		}
	}
	if !sh.mounted {
		run()
		return
	}
	sh.root.Dispatch(func(ga.Context) { run() })
}

// after runs f on the UI goroutine once d has passed.
func (sh *shared) after(d time.Duration, f func()) {
	if !sh.mounted {
		return
	}
	sh.root.After(d, func(ga.Context) { f() })
}

// flash shows a message on a copy button for a few seconds.
func (sh *shared) flash(id, message string) {
	if sh.copied == nil {
		sh.copied = map[string]string{}
	}
	sh.copied[id] = message
	sh.after(3*time.Second, func() {
		if sh.copied[id] == message {
			delete(sh.copied, id)
		}
	})
}

// PageConfig is what the server gives the page with its HTML, so that it
// is ready at its mount (the server's pageConfig writes it).
type PageConfig struct {
	Environments []ngi.Environment `json:"environments"`
	PublicOrigin string            `json:"public_origin"`
	Version      string            `json:"version"`
	SignOut      string            `json:"sign_out,omitempty"`
}

// runKey is the sessionStorage key of the run: redacted, so nothing secret
// is at rest; sessionStorage, so it survives NGI's redirect in this tab.
const runKey = "authdebug.run"

// startRun begins a new run, for the environment and client chosen now.
func (sh *shared) startRun(now time.Time) {
	env := record.Environment{}
	if e := sh.env(); e != nil {
		env = record.Environment{ID: e.ID, Label: e.Label, Issuer: e.Issuer, APIBase: e.APIBase}
	}
	sh.run = record.New(now, sh.version, env, sh.clientID)
	sh.saveRun()
}

// addStep records a step of the run, starting one if there is none.
func (sh *shared) addStep(s record.Step) {
	if sh.run == nil {
		sh.startRun(s.At)
	}
	sh.run.Add(s)
	sh.saveRun()
}

// reviseStep records a step that replaces the one before it when both are
// of one kind and close in time: a callback read as it is typed.
func (sh *shared) reviseStep(s record.Step) {
	if sh.run == nil {
		sh.startRun(s.At)
	}
	sh.run.Revise(s, time.Minute)
	sh.saveRun()
}

// noteOnRun adds a finding to the run's last step of a kind.
func (sh *shared) noteOnRun(kind string, f flow.Finding) {
	if sh.run != nil && sh.run.Note(kind, f) {
		sh.saveRun()
	}
}

func (sh *shared) saveRun() {
	if sh.mounted && sh.run != nil {
		sh.root.SessionStorage().Set(runKey, sh.run)
	}
}

func (sh *shared) loadRun(ctx ga.Context) {
	var r record.Run
	if ctx.SessionStorage().Get(runKey, &r) == nil && r.Schema == record.Schema {
		sh.run = &r
	}
}

// relayKinds names the step each relay call makes on the run.
var relayKinds = map[string]string{
	"/api/token": record.KindToken, "/api/revoke": record.KindRevoke, "/api/preflight": record.KindPreflight,
	"/api/discovery": record.KindDiscovery, "/api/jwks": record.KindKeys, "/api/call": record.KindCall,
}

// recordRelay adds the step of a relay call to the run: what the page sent
// (its form, unmasked, for the fingerprints) and what came back.
func (sh *shared) recordRelay(path string, body any, res *flow.RelayResult, problem string) {
	kind, ok := relayKinds[strings.SplitN(path, "?", 2)[0]]
	if !ok {
		return
	}
	var sent map[string]string
	if in, ok := body.(flow.RelayRequest); ok {
		sent = in.Form
	}
	step := record.FromRelay(kind, time.Now(), sent, res, problem)
	if res != nil && res.Response != nil && res.Response.Status == 200 && sh.run != nil {
		switch kind {
		case record.KindDiscovery:
			sh.run.NoteDiscovery(res.Response.Body)
		case record.KindKeys:
			sh.run.NoteKeys(res.Response.Body)
		}
	}
	sh.addStep(step)
}
