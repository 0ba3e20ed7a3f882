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
// browser lay the whole page out there and then (40-60 ms here) before the
// download may start. The page shows its server-rendered tab while the wasm
// loads, so the percentage is not needed: the label keeps the server's text
// and the fetch goes straight to the browser's streaming compiler.
const (
	progressFetch = `fetchWithProgress("/web/app.wasm", showProgress)`
	plainFetch    = `fetch("/web/app.wasm")`
	showZero      = "    showProgress(0);\n"
)

// appJS is go-app's own app.js with the wasm fetched without the progress
// copy. It is made once from go-app's handler (in-process: nothing is
// fetched); when go-app's script no longer has the expected call, the error
// says so and go-app's script is served as it is.
func appJS(page http.Handler) ([]byte, error) {
	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, httptest.NewRequest("GET", "/app.js", nil))
	script := rec.Body.String()
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("go-app's app.js answered %d", rec.Code)
	}
	if strings.Count(script, progressFetch) != 1 || strings.Count(script, showZero) != 1 {
		return rec.Body.Bytes(), fmt.Errorf("go-app's app.js has no single %s and %q to replace: the first load keeps go-app's progress loop", progressFetch, showZero)
	}
	script = strings.Replace(script, progressFetch, plainFetch, 1)
	script = strings.Replace(script, showZero, "", 1)
	return []byte(script), nil
}

// staticFile serves fixed bytes, as go-app serves its generated files.
func staticFile(body []byte, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
	})
}
