package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"authdebug/app/ui"
)

func TestMain(m *testing.M) {
	ui.Register()
	os.Exit(m.Run())
}

// testServer is the whole tool on a random loopback port, with its log kept.
type testServer struct {
	URL string
	log *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer runs newServer on a fresh loopback port; cfg.PublicURL is set to it.
func startServer(t testing.TB, cfg config) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{URL: "http://" + ln.Addr().String(), log: &syncBuffer{}}
	cfg.PublicURL = ts.URL
	cfg.Log = slog.New(slog.NewTextHandler(ts.log, nil))
	h, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	config, limited := newHTTPServer(h, ln, cfg.Limits.orDefault(), cfg.Log)
	srv := &httptest.Server{Listener: limited, Config: config}
	srv.Start()
	t.Cleanup(srv.Close)
	return ts
}

// browser is a headless Chromium tab with a fresh profile, and the console
// messages the page wrote.
type browser struct {
	ctx     context.Context
	t       *testing.T
	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// chromiumPath finds Debian's Chromium. Outside CI a missing browser skips
// the test; in CI it fails it.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is missing: install Debian's package (apt-get install chromium); make test does it when run as root")
	}
	t.Skip("Chromium is missing: install it with apt-get install chromium to run the browser tests")
	return ""
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	b := &browser{ctx: ctx, t: t}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// open navigates and waits until the wasm has mounted and loaded the environments.
func (b *browser) open(url string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url)); err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
	b.waitJS(`document.querySelector('#app') && document.querySelector('#app').dataset.ready === 'true' && !document.getElementById('app-wasm-loader')`)
}

// waitJS polls a JavaScript condition; re-rendering is asynchronous.
func (b *browser) waitJS(cond string) {
	b.t.Helper()
	safe := `(() => { try { return !!(` + cond + `) } catch (e) { return false } })()`
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](safe, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.t.Fatalf("waiting for %s: %v\npage text:\n%s\nconsole:\n%s", cond, err, b.text("body"), b.consoleText())
	}
}

// waitAttr waits for an element's attribute to have a value.
func (b *browser) waitAttr(sel, attr, want string) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf(`(e => e && e.getAttribute(%q) === %q)(document.querySelector(%q))`, attr, want, sel))
}

func (b *browser) eval(js string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("eval %s: %v", js, err)
	}
	return v
}

func (b *browser) attr(sel, name string) string {
	return b.eval(fmt.Sprintf(`(e => e ? (e.getAttribute(%q) || "") : "<missing>")(document.querySelector(%q))`, name, sel))
}

func (b *browser) text(sel string) string {
	v, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(e => e ? e.innerText : "<missing %s>")(document.querySelector(%q))`, sel, sel)))
	return v
}

// input sets a field's value and fires the input event, as typing or pasting does.
func (b *browser) input(sel, value string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`(e => { e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return "" })(document.querySelector(%q))`, value, sel))
}

// choose sets a select's value and fires change.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`(e => { e.value = %q; e.dispatchEvent(new Event('change', {bubbles: true})); return "" })(document.querySelector(%q))`, value, sel))
}

// check sets a checkbox and fires change.
func (b *browser) check(sel string, on bool) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`(e => { if (e.checked !== %t) { e.click() } return "" })(document.querySelector(%q))`, on, sel))
}

// click waits for an enabled element and clicks it. It dispatches the click
// on the element itself: a mouse click at its coordinates can miss when an
// earlier input's re-render moves the layout in between.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf(`(e => e && !e.disabled)(document.querySelector(%q))`, sel))
	b.eval(fmt.Sprintf(`(e => { e.click(); return "" })(document.querySelector(%q))`, sel))
}

// clickAndLoad clicks something that leaves the page and waits for the next one.
func (b *browser) clickAndLoad(sel string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`(e => { e.click(); return "" })(document.querySelector(%q))`, sel))
}

func (b *browser) consoleText() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.console {
		out = append(out, string(m.Type)+": "+m.Text)
	}
	return strings.Join(out, "\n")
}

// noConsoleErrors logs a marker, waits for it, and fails on any error or Go
// panic seen before, but for messages holding one of the expected phrases.
func (b *browser) noConsoleErrors(expected ...string) {
	b.t.Helper()
	marker := fmt.Sprintf("authdebug-test-end-%d", time.Now().UnixNano())
	b.eval(fmt.Sprintf(`console.log(%q), ""`, marker))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.consoleText(), marker) {
		if time.Now().After(deadline) {
			b.t.Fatal("the console marker never arrived")
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		isExpected := false
		for _, e := range expected {
			isExpected = isExpected || strings.Contains(m.Text, e)
		}
		if !isExpected && (m.Type == chromedp.ConsoleException || m.Type == "error" || m.Type == "assert" || strings.Contains(m.Text, "panic:")) {
			b.t.Errorf("console %s: %s", m.Type, m.Text)
		}
	}
}

// waitPage waits, across navigations, until a condition holds on the page
// that is loaded; evaluation errors while a page is replaced are retried.
func (b *browser) waitPage(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => { try { return document.readyState === 'complete' && !!(`+cond+`) } catch (e) { return false } })()`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s at %s: %v\npage text:\n%s\nconsole:\n%s", cond, b.eval("location.href"), err, b.text("body"), b.consoleText())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitApp waits until the page loaded after a navigation has mounted the wasm.
func (b *browser) waitApp() {
	b.t.Helper()
	b.waitPage(`document.querySelector('#app') && document.querySelector('#app').dataset.ready === 'true' && !document.getElementById('app-wasm-loader')`)
}

// screenshot captures the page. With AUTHDEBUG_SCREENSHOTS=1 (make
// screenshots) it is written to docs/, where the README shows it.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil || len(png) < 1000 {
		b.t.Fatalf("screenshot %s: %v (%d bytes)", name, err, len(png))
	}
	if os.Getenv("AUTHDEBUG_SCREENSHOTS") == "" {
		return
	}
	if err := os.MkdirAll("docs", 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile("docs/"+name+".png", png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
