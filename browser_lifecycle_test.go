package main

import (
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"authdebug/app/ngi"
	"authdebug/app/sandbox"
)

// slowUpstream answers like an authorization server, each answer after a
// delay; answered counts the answers sent.
func slowUpstream(t *testing.T, delay time.Duration) (*httptest.Server, *atomic.Int32) {
	var answered atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/oauth2/token":
			io.WriteString(w, `{"access_token":"slow.token","token_type":"bearer","expires_in":3599,"scope":"debt.unsecured.presentation"}`)
		case "/.well-known/jwks.json":
			io.WriteString(w, `{"keys":[]}`)
		default:
			io.WriteString(w, `{"issuer":"`+"http://"+r.Host+`/"}`)
		}
		answered.Add(1)
	}))
	t.Cleanup(up.Close)
	return up, &answered
}

// fillClientCredentials fills the Token tab for a client-credentials call
// to an environment of the test's own.
func (b *browser) fillClientCredentials(env string) {
	b.t.Helper()
	b.choose("#env", env)
	b.input("#client-id", "bank-client")
	b.choose("#token-grant", "client_credentials")
	b.waitJS(`!!document.querySelector('#audience')`)
	b.input("#audience", "https://api-preprod.norskgjeld.no/v1/debt")
	b.input("#scope", "debt.unsecured.presentation")
	b.input("#client-secret", "s")
}

// waitFor polls a condition of the test's own, outside the page.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Moving to another tab while a request runs, and back, finds its answer:
// the Token tab's exchange, Discovery's document and the keys.
func TestBrowserAnswersLandAfterSwitchingTabs(t *testing.T) {
	up, answered := slowUpstream(t, 1500*time.Millisecond)
	srv := startServer(t, config{Extra: []ngi.Environment{ngi.Hydra("slow", "Slow upstream", up.URL+"/")}})
	b := newBrowser(t)

	b.open(srv.URL + "/token")
	b.fillClientCredentials("slow")
	b.click("#exchange")
	b.waitJS(`document.querySelector('#exchange').innerText.includes('Sending')`)
	b.click("#nav-inspect")
	b.waitJS(`document.querySelector('#app').dataset.tab === 'inspect'`)
	waitFor(t, "the token answer", func() bool { return answered.Load() >= 1 })
	b.click("#nav-token")
	b.waitAttr("#token-result", "data-outcome", "success")
	if b.text("#exchange") != "Send token request" || b.attr("#exchange", "disabled") != "" {
		t.Fatalf("after coming back the button says %q (disabled %q)", b.text("#exchange"), b.attr("#exchange", "disabled"))
	}

	// Discovery and its keys: leave before they come, come back after.
	before := answered.Load()
	b.click("#nav-discovery")
	b.waitJS(`document.querySelector('#discovery-load').disabled`)
	b.click("#nav-authorize")
	b.waitJS(`document.querySelector('#app').dataset.tab === 'authorize'`)
	waitFor(t, "the discovery document", func() bool { return answered.Load() >= before+1 })
	b.click("#nav-discovery")
	b.waitJS(`!!document.querySelector('#discovery-summary') && !document.querySelector('#discovery-load').disabled`)
	b.waitJS(`!!document.querySelector('#discovery-keys')`)
	b.noConsoleErrors()
}

// heldWasm is the embedded web/ with app.wasm held back until release is
// closed: the page as a person sees it while the wasm is on its way.
type heldWasm struct {
	fs.FS
	held    *atomic.Bool
	release chan struct{}
}

func (h heldWasm) Open(name string) (fs.File, error) {
	if strings.HasPrefix(name, "app.wasm") && h.held.Load() {
		<-h.release
	}
	return h.FS.Open(name)
}

// While app.wasm loads, the server's tab shows with the choices the page
// will make, inert and dimmed, and go-app's loader is a small status line,
// not a curtain; then the wasm takes over and the page works.
func TestBrowserShowsThePageWhileTheWasmLoads(t *testing.T) {
	webFS, err := fs.Sub(web, "web")
	if err != nil {
		t.Fatal(err)
	}
	var held atomic.Bool
	release := make(chan struct{})
	srv := startServer(t, config{Web: heldWasm{webFS, &held, release}})
	held.Store(true)
	defer func() {
		if held.Swap(false) {
			close(release)
		}
	}()
	b := newBrowser(t)
	if err := chromedp.Do(b.ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	b.waitJS(`document.getElementById('app-wasm-loader') && document.querySelector('#authorize h2')`)
	time.Sleep(300 * time.Millisecond) // the wasm stays held: this is the loading page
	for _, check := range []string{
		// The tab is there, not covered by the loader (elementFromPoint
		// skips inert elements, so the boxes are compared).
		`(() => { const h = document.querySelector('#authorize h2').getBoundingClientRect(), l = document.getElementById('app-wasm-loader').getBoundingClientRect();
		  return h.height > 0 && (l.bottom <= h.top || l.top >= h.bottom || l.right <= h.left || l.left >= h.right) })()`,
		`document.getElementById('app-wasm-loader').getBoundingClientRect().height < 80`,
		`document.getElementById('app-wasm-loader').getBoundingClientRect().width < innerWidth / 2`,
		// Nothing on it works yet, and nothing says otherwise.
		`document.querySelector('#app').inert === true`,
		`document.querySelector('#loading').textContent.includes('Loading')`,
		// It shows the choices the page will make.
		`document.querySelector('#purpose').value === 'debt.unsecured.presentation'`,
		`document.querySelector('#response-mode').value === 'query'`,
		`document.querySelector('#openid').checked === false`,
	} {
		if b.eval("String("+check+")") != "true" {
			t.Errorf("while the wasm loads, false: %s", check)
		}
	}
	held.Store(false)
	close(release)
	b.waitApp()
	if b.eval(`String(document.querySelector('#app').inert)`) != "false" {
		t.Error("the page stays inert after the wasm loaded")
	}
	b.check("#openid", true)
	b.waitJS(`document.querySelector('#authorize-scope').value.endsWith(' openid')`)
}

// The page fetches app.wasm once (app.js takes the preload); the service
// worker is registered once the wasm runs (its installation fetches app.wasm
// again, so not during the first load) and then serves the next load.
func TestBrowserServiceWorkerComesAfterTheFirstLoad(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	// The page fetched app.wasm once: app.js took the head's preload.
	if n := b.eval(`String(performance.getEntriesByType('resource').filter(e => e.name.endsWith('/web/app.wasm')).length)`); n != "1" {
		t.Errorf("app.wasm fetched %s times by the page", n)
	}
	b.eval(`navigator.serviceWorker.ready.then(r => { window.workerActive = !!r.active }), 'waiting'`)
	b.waitJS(`window.workerActive === true`)
	b.open(srv.URL + "/token")
	if b.eval(`String(navigator.serviceWorker.controller !== null)`) != "true" {
		t.Error("the second load is not served by the service worker")
	}
}

// swapHandler serves with whichever handler was stored last: one address
// whose server is replaced by a new version, as a deployment does.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// After a new version is deployed, a page the service worker serves from
// its cache learns of it (the worker registers after the wasm runs) and
// offers to reload.
func TestBrowserOffersTheNewVersion(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := "http://" + ln.Addr().String()
	version := func(webFS fs.FS) http.Handler {
		h, err := newServer(config{Web: webFS, PublicURL: origin, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	old, err := fs.Sub(web, "web")
	if err != nil {
		t.Fatal(err)
	}
	// The next version: the same page with a custom section appended to
	// app.wasm (still valid), so its version differs. Served uncompressed.
	wasm, err := fs.ReadFile(old, "app.wasm")
	if err != nil {
		t.Fatal(err)
	}
	next := fstest.MapFS{"app.wasm": {Data: append(slices.Clip(wasm), 0x00, 0x05, 0x04, 'n', 'e', 'x', 't')}}
	for _, name := range []string{"style.css", "icon.svg", "icon-192.png", "icon-512.png", "robots.txt"} {
		b, err := fs.ReadFile(old, name)
		if err != nil {
			t.Fatal(err)
		}
		next[name] = &fstest.MapFile{Data: b}
	}
	swap := &swapHandler{}
	first := version(old)
	swap.h.Store(&first)
	srv := httptest.NewUnstartedServer(swap)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()

	b := newBrowser(t)
	b.open(origin + "/")
	b.eval(`navigator.serviceWorker.ready.then(r => { window.workerActive = !!r.active }), 'waiting'`)
	b.waitJS(`window.workerActive === true`)
	b.open(origin + "/")
	second := version(next)
	swap.h.Store(&second)
	b.open(origin + "/")
	b.waitJS(`document.querySelector('#update-reload') !== null`)
}

// With the sandbox's store down, the page says so on the sandbox (and not
// on the other environments, which still work).
func TestBrowserSaysTheSandboxStoreIsDown(t *testing.T) {
	store, err := sandbox.NewRedisStore("redis://127.0.0.9:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, config{SandboxStore: store})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	b.waitApp()
	b.waitPage(`document.querySelector('#sandbox-store-down') !== null`)
	if text := b.text("#sandbox-store-down"); !strings.Contains(text, "preprod and prod are not affected") {
		t.Errorf("the notice: %q", text)
	}
	b.choose("#env", "preprod")
	b.waitPage(`document.querySelector('#sandbox-store-down') === null`)
}

// The page is ready at its mount: its environments came with the HTML, so
// it needs no answer from /api/environments (blocked here) to be used.
func TestBrowserIsReadyWithoutAskingForItsEnvironments(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/api/environments", Block: true}}}); err != nil {
		t.Fatal(err)
	}
	b.open(srv.URL + "/")
	b.waitApp()
	if n := b.eval(`String(document.querySelectorAll('#env option').length)`); n != "3" {
		t.Errorf("%s environments shown", n)
	}
	b.waitJS(`document.querySelector('#authorize-url').innerText.includes('/sandbox/oauth2/auth')`)
}
