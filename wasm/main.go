//go:build js && wasm

// Command wasm is the page's WebAssembly: it registers the same routes as the
// server and runs the app in the browser.
package main

import (
	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/ui"
)

func main() {
	// make bench reads this mark: the time from navigation to Go's main.
	ga.Window().Get("performance").Call("mark", "app-main")
	ui.Register()
	ga.RunWhenOnBrowser()
}
