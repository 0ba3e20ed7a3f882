package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"authdebug/app/flow"
	"authdebug/app/ngi"
	"authdebug/app/portal"
	"authdebug/app/ui"
)

// pageVersion is the version go-app sends as the ETag of everything it
// serves and the service worker caches by: a hash of every file the page
// loads (app.wasm, the stylesheet, the icons) and of the build (go-app's
// own app.js and the page's HTML come from the binary). A deploy that
// changes any of them reaches returning browsers.
//
// The page's embedded configuration is part of it too (pageConfig).
func pageVersion(webFS fs.FS, release, revision, config string) string {
	h := sha256.New()
	h.Write([]byte(release + "\n" + revision + "\n" + config + "\n"))
	fs.WalkDir(webFS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, err := fs.ReadFile(webFS, name)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(data)
		h.Write([]byte(name + "\x00" + hex.EncodeToString(sum[:]) + "\n"))
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// pageConfigID names the element that carries the page's configuration.
const pageConfigID = "authdebug-config"

// pageConfig is what the page needs to be ready at its mount, given with
// the page so that no round trip comes between: the environments every
// user may use, the public origin, the release, where signing out goes. It
// is configuration only, the same for every request (nothing a visitor
// sends reaches the HTML), in a data block the browser does not run; json
// escapes <, > and & so it cannot close the element. Environments limited
// to some groups, who is signed in and the sandbox store's health still
// come from /api/environments and /api/site after the mount.
func pageConfig(envs []ngi.Environment, access portal.Access, origin, release, signOut string) string {
	open := []ngi.Environment{}
	for _, e := range envs {
		if _, limited := access[e.ID]; !limited {
			open = append(open, e)
		}
	}
	data, _ := json.Marshal(ui.PageConfig{Environments: open, PublicOrigin: origin, Version: release, SignOut: signOut})
	return `<script type="application/json" id="` + pageConfigID + `">` + string(data) + `</script>`
}

// goappFiles are the files go-app's handler makes itself.
var goappFiles = []string{"/app.js", "/app-worker.js", "/wasm_exec.js", "/manifest.webmanifest", "/app.css"}

// pageOnly lets go-app's handler see only what it should serve, and only the
// path of it. Left to itself, go-app strips a "/<version>/" prefix from any
// path and answers /robots.txt, /sitemap.xml and /ads.txt by fetching them
// from "http://" + the request's Host with http.DefaultClient, caching the
// first answer for everyone; and it prerenders the page with the request's
// query, writing attribute values with strconv.Quote, which does not escape
// HTML. So: its own files, /web/ and the page routes reach it, without a
// query (the wasm reads deep links and callbacks from the browser's URL);
// everything else is 404 here.
func pageOnly(page http.Handler) http.Handler {
	routes := ui.Paths()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if isFormPost(r) {
			receiveFormPost(w, r)
			return
		}
		isPage := slices.Contains(routes, p)
		if !isPage && !slices.Contains(goappFiles, p) && !strings.HasPrefix(p, "/web/") {
			http.NotFound(w, r)
			return
		}
		clean := r.Clone(r.Context())
		clean.URL = &url.URL{Path: p}
		clean.RequestURI = p
		if p == "/callback" {
			// NGI's redirect lands here with a code in the URL: keep no copy.
			w = &fixedHeader{ResponseWriter: w, name: "Cache-Control", value: "no-store"}
		}
		if !isPage {
			page.ServeHTTP(w, clean)
			return
		}
		rec := httptest.NewRecorder()
		page.ServeHTTP(rec, clean)
		body := falseBoolean.ReplaceAll(rec.Body.Bytes(), nil)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// falseBoolean is a false boolean attribute as go-app writes it when it
// renders a page on the server (checked="false"). A browser reads the
// attribute's presence as true: the page shown while the wasm loads would
// show options chosen, boxes ticked and buttons disabled that the page will
// not have. In the browser go-app sets the property, so only the server's
// HTML needs them gone. go-app quotes attribute values with strconv.Quote, so
// the pattern cannot match inside a value.
var falseBoolean = regexp.MustCompile(` (checked|selected|disabled|readonly|required|hidden|open|multiple|autofocus|novalidate|formnovalidate)="false"`)

// isFormPost is NGI's response_mode=form_post callback: a cross-site POST
// that carries no SameSite=Lax cookie, so sign-in lets it through (it only
// moves the fields into the page's fragment).
func isFormPost(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/callback"
}

// receiveFormPost takes a callback sent with response_mode=form_post and
// hands it to the page in the fragment of /callback, which never reaches a
// server or a log; the page reads it as a form_post callback.
func receiveFormPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The callback's form cannot be read: "+clip(err.Error()), http.StatusBadRequest)
		return
	}
	form := r.PostForm
	form.Set(flow.FormPostMarker, ngi.ResponseModeFormPost)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/callback#"+form.Encode(), http.StatusSeeOther)
}

// webResolver serves /web/ from a file system and keeps URLs as they are;
// go-app's LocalDir("dir") is broken in v10.1.11. Files only: a folder is
// 404, not a listing.
type webResolver struct{ fs fs.FS }

func (webResolver) Resolve(p string) string { return p }

func (w webResolver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/web/")
	if info, err := fs.Stat(w.fs, name); err != nil || info.IsDir() || !fs.ValidPath(name) {
		http.NotFound(rw, r)
		return
	}
	http.ServeFileFS(rw, r, w.fs, name)
}

func fileFrom(fsys fs.FS, name, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Write(b)
	})
}
