package main

import (
	"context"
	"os/exec"
	"testing"
	"time"

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
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.UserDataDir(b.TempDir()),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-quic", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
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
