package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The page's app.js is go-app's own, with app.wasm fetched straight into
// the browser's streaming compiler rather than through the progress loop.
func TestAppJSFetchesTheWasmWithoutTheProgressLoop(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	resp, body := get(t, srv.URL+"/app.js", nil)
	script := string(body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/javascript" {
		t.Fatalf("/app.js = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(script, "instantiateStreaming(\n      "+plainFetch) || strings.Contains(script, progressFetch) || strings.Contains(script, "showProgress(0)") {
		t.Errorf("app.js still fetches the wasm through the progress loop:\n%s", script)
	}
	if !strings.Contains(script, "async function goappInitServiceWorker()") {
		t.Error("app.js is not go-app's")
	}
	// The service worker is registered once the wasm runs, not before.
	if strings.Count(script, "goappInitServiceWorker();") != 1 || !strings.Contains(script, "go.run(wasm.instance);\n    loader.remove();\n    goappInitServiceWorker();") {
		t.Errorf("app.js registers the service worker elsewhere:\n%s", script)
	}
	// go-app's headers: revalidated by its version.
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
		t.Errorf("headers: %v", resp.Header)
	}
	if again, _ := get(t, srv.URL+"/app.js", map[string]string{"If-None-Match": etag}); again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation = %d", again.StatusCode)
	}
	if strings.Contains(srv.log.String(), "loader") {
		t.Errorf("a warning about the loader: %s", srv.log.String())
	}
}

// Should go-app's script change, the server says so and go-app's script is
// served as it is.
func TestAppJSKeepsGoAppsScriptWhenThePatchDoesNotApply(t *testing.T) {
	other := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "goappInitWebAssembly(); fetch(x)") })
	if script, err := appJS(other); err == nil || script != nil {
		t.Errorf("%v, %v", script, err)
	}
}

// The page asks for app.wasm from its head, in the mode app.js's fetch uses,
// so that the browser hands the download to it rather than fetching twice.
func TestPagePreloadsTheWasmForAppJS(t *testing.T) {
	srv := startServer(t, config{Web: testWeb(t)})
	_, body := get(t, srv.URL+"/", nil)
	if !strings.Contains(string(body), `<link rel="preload" href="/web/app.wasm" as="fetch" type="application/wasm" crossorigin="anonymous">`) {
		t.Errorf("no preload of the wasm:\n%s", body)
	}
}
