package main

import (
	"io/fs"
	"net/http"
	"strconv"
	"strings"
)

// precompressed serves app.wasm as the build compressed it: brotli or gzip,
// chosen by Accept-Encoding, raw otherwise. go-app serves it raw (7 MB).
type precompressed struct {
	fs   fs.FS
	etag string
}

func (p precompressed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Vary", "Accept-Encoding")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", p.etag)
	h.Set("Content-Type", "application/wasm")
	name, encoding := "app.wasm", ""
	accept := r.Header.Get("Accept-Encoding")
	for _, c := range []struct{ ext, enc string }{{".br", "br"}, {".gz", "gzip"}} {
		if accepts(accept, c.enc) {
			if _, err := fs.Stat(p.fs, "app.wasm"+c.ext); err == nil {
				name, encoding = "app.wasm"+c.ext, c.enc
				break
			}
		}
	}
	b, err := fs.ReadFile(p.fs, name)
	if err != nil {
		http.Error(w, "app.wasm is not built: run make build", http.StatusNotFound)
		return
	}
	if r.Header.Get("If-None-Match") == p.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if encoding != "" {
		h.Set("Content-Encoding", encoding)
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

// accepts reports whether an Accept-Encoding header allows an encoding.
func accepts(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			q, _ = strconv.ParseFloat(v, 64)
		}
		return q > 0
	}
	return false
}
