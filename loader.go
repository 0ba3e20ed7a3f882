package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
)

// go-app's app.js fetches app.wasm through fetchWithProgress, which copies
// every chunk through a JavaScript stream on the page's main thread to show a
// percentage: on a first load that is about 45 ms of the main thread (make
// bench's profile) and it starts compiling only as fast as that loop runs.
// Before the fetch, it writes "0%" into the loader's label, which makes the
// browser lay the whole page out there and then (64 ms in Chromium's trace
// here) before the download may start. The page shows its server-rendered tab while the wasm
// loads, so the percentage is not needed: the label keeps the server's text
// and the fetch goes straight to the browser's streaming compiler.
//
// And it registers the service worker first thing, whose installation fetches
// and decodes app.wasm a second time, for its cache, while the page loads its
// own: on two cores that made the first load 1.2x slower. The worker is
// registered once the wasm runs, as is usual for a worker that only caches.
const (
	progressFetch = `fetchWithProgress("/web/app.wasm", showProgress)`
	plainFetch    = `fetch("/web/app.wasm")`
	showZero      = "    showProgress(0);\n"
	earlyWorker   = "\ngoappInitServiceWorker();\n"
	wasmRuns      = "    go.run(wasm.instance);\n    loader.remove();\n"
)

// appJS serves go-app's own app.js with those three changes and go-app's
// headers (no-cache, its version as ETag). The script is made once from
// go-app's handler (in-process: nothing is fetched). When go-app's script no
// longer has what is changed, the error says so and there is no handler:
// go-app's script is served as it is.
func appJS(page http.Handler) (http.Handler, error) {
	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, httptest.NewRequest("GET", "/app.js", nil))
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("go-app's app.js answered %d", rec.Code)
	}
	script := rec.Body.String()
	for _, part := range []string{progressFetch, showZero, earlyWorker, wasmRuns} {
		if strings.Count(script, part) != 1 {
			return nil, fmt.Errorf("go-app's app.js has no single %q to change: it is served as go-app made it", part)
		}
	}
	script = strings.Replace(script, progressFetch, plainFetch, 1)
	script = strings.Replace(script, showZero, "", 1)
	script = strings.Replace(script, earlyWorker, "\n", 1)
	script = strings.Replace(script, wasmRuns, wasmRuns+"    goappInitServiceWorker();\n", 1)
	f := fixedFile{header: rec.Header().Clone(), body: []byte(script)}
	f.header.Set("Content-Length", fmt.Sprint(len(f.body)))
	return f, nil
}

// fixedFile serves fixed bytes with fixed headers, answering 304 to its ETag.
type fixedFile struct {
	header http.Header
	body   []byte
}

func (f fixedFile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range f.header {
		w.Header()[k] = v
	}
	if etag := f.header.Get("ETag"); etag != "" && r.Header.Get("If-None-Match") == etag {
		w.Header().Del("Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(f.body)
}
