package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// BenchmarkPageLoad measures how long the page takes from navigation until
// the wasm has mounted and loaded the environments, in headless Chromium on
// loopback: the first load with a fresh profile (cold: app.wasm over the
// network, brotli), then reloads (warm: from the service worker's cache).
func BenchmarkPageLoad(b *testing.B) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		b.Skip("Chromium is missing: apt-get install chromium")
	}
	srv := startServer(b, config{})
	ctx, cancel := benchBrowser(b, path)
	defer cancel()
	ready := `document.querySelector('#app') && document.querySelector('#app').dataset.ready === 'true' && !document.getElementById('app-wasm-loader')`
	load := func() time.Duration {
		start := time.Now()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?bench="+time.Now().String())); err != nil {
			b.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](ready, chromedp.WithPollingInterval(5*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	cold := load()
	b.ResetTimer()
	var warm time.Duration
	for i := 0; i < b.N; i++ {
		warm += load()
	}
	b.ReportMetric(float64(cold.Milliseconds()), "cold-ms")
	b.ReportMetric(float64(warm.Milliseconds())/float64(b.N), "warm-ms/load")
}

// benchBrowser starts Chromium with a fresh profile.
func benchBrowser(b *testing.B, path string) (context.Context, context.CancelFunc) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.UserDataDir(b.TempDir()),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-quic", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	return ctx, func() { cancel(); cancelAlloc() }
}

// firstLoad is one cold load's timings, in ms from the navigation's start:
// DOMContentLoaded, app.wasm received, Go's main started, the page mounted,
// and ready (authdebug: its environments rendered; the hello: mounted).
type firstLoad struct{ DCL, Wasm, Main, Mounted, Ready float64 }

// startHello builds tools/hello (a bare go-app page) for the browser and the
// server, and serves it the way go-app does by default.
func startHello(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	build := func(env []string, out string) {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./tools/hello")
		cmd.Env = append(os.Environ(), env...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("build hello: %v\n%s", err, msg)
		}
	}
	build([]string{"GOOS=js", "GOARCH=wasm"}, filepath.Join(dir, "web", "app.wasm"))
	build(nil, filepath.Join(dir, "hello"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(filepath.Join(dir, "hello"))
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "HELLO_ADDR="+addr)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
			return "http://" + addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal("hello does not answer")
	return ""
}

// coldLoad opens a page in a fresh Chromium profile, optionally on a
// throttled network (50 Mbit/s, 20 ms), and reads its timings.
func coldLoad(b *testing.B, path, url string, throttled bool) firstLoad {
	b.Helper()
	ctx, cancel := benchBrowser(b, path)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		b.Fatal(err)
	}
	if throttled {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			b.Fatal(err)
		}
		rule := &network.Conditions{Latency: 20, DownloadThroughput: 50e6 / 8, UploadThroughput: 50e6 / 8}
		if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{rule}}); err != nil {
			b.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/")); err != nil {
		b.Fatal(err)
	}
	// authdebug is ready once it has rendered its environments (app-ready);
	// the hello, which loads nothing, once it is mounted.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`performance.getEntriesByName('app-mounted').length > 0 && (!document.getElementById('app') || performance.getEntriesByName('app-ready').length > 0)`,
		chromedp.WithPollingInterval(5*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		b.Fatal(err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		DCL: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
		Wasm: (performance.getEntriesByType('resource').find(e => e.name.endsWith('app.wasm')) || {responseEnd: 0}).responseEnd,
		Main: performance.getEntriesByName('app-main')[0].startTime,
		Mounted: performance.getEntriesByName('app-mounted')[0].startTime,
		Ready: (performance.getEntriesByName('app-ready')[0] || performance.getEntriesByName('app-mounted')[0]).startTime})`))
	if err != nil {
		b.Fatal(err)
	}
	var l firstLoad
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkFirstLoad loads a bare go-app hello and authdebug cold, in
// rounds that interleave them, on loopback and on a throttled network, and
// reports the medians: when the page is mounted, and where the time goes
// (the HTML and scripts, app.wasm's arrival, Go's main).
func BenchmarkFirstLoad(b *testing.B) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		b.Skip("Chromium is missing: apt-get install chromium")
	}
	hello := startHello(b)
	srv := startServer(b, config{})
	rounds := 5 // more with AUTHDEBUG_BENCH_ROUNDS, for a steadier median
	if n, err := strconv.Atoi(os.Getenv("AUTHDEBUG_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	for _, throttled := range []bool{false, true} {
		name := map[bool]string{false: "loopback", true: "50Mbit"}[throttled]
		var h, a []firstLoad
		for range rounds {
			h = append(h, coldLoad(b, path, hello, throttled))
			a = append(a, coldLoad(b, path, srv.URL, throttled))
		}
		hm, am := medianLoad(h), medianLoad(a)
		// The machine's speed drifts between rounds; each round's ratio
		// compares loads made seconds apart, so their median is the steadier.
		// The headline is authdebug *ready* (usable) against the hello's mount.
		ready, mounted := make([]float64, rounds), make([]float64, rounds)
		for i := range rounds {
			ready[i], mounted[i] = a[i].Ready/h[i].Mounted, a[i].Mounted/h[i].Mounted
		}
		slices.Sort(ready)
		slices.Sort(mounted)
		ratio := ready[rounds/2]
		b.ReportMetric(hm.Mounted, name+"-hello-ms")
		b.ReportMetric(am.Mounted, name+"-authdebug-ms")
		b.ReportMetric(ratio, name+"-ready-ratio")
		b.ReportMetric(mounted[rounds/2], name+"-mounted-ratio")
		b.ReportMetric(am.Ready, name+"-authdebug-ready-ms")
		b.Logf("%s, median of %d cold loads (ms from navigation): DOMContentLoaded / app.wasm received / Go main / mounted / ready\n  hello     %6.0f %6.0f %6.0f %6.0f %6.0f\n  authdebug %6.0f %6.0f %6.0f %6.0f %6.0f\n  ready %.2f× the hello's mount (median of the rounds' ratios, from %.2f to %.2f); mounted %.2f×",
			name, rounds, hm.DCL, hm.Wasm, hm.Main, hm.Mounted, hm.Ready, am.DCL, am.Wasm, am.Main, am.Mounted, am.Ready, ratio, ready[0], ready[rounds-1], mounted[rounds/2])
	}
}

// medianLoad takes each timing's median on its own.
func medianLoad(ls []firstLoad) firstLoad {
	med := func(f func(firstLoad) float64) float64 {
		v := make([]float64, len(ls))
		for i, l := range ls {
			v[i] = f(l)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return firstLoad{
		DCL: med(func(l firstLoad) float64 { return l.DCL }), Wasm: med(func(l firstLoad) float64 { return l.Wasm }),
		Main: med(func(l firstLoad) float64 { return l.Main }), Mounted: med(func(l firstLoad) float64 { return l.Mounted }),
		Ready: med(func(l firstLoad) float64 { return l.Ready }),
	}
}
