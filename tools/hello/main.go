// Command hello is a bare go-app v10 page, one H1, served the way go-app
// serves it by default (app.wasm uncompressed). make bench loads it beside
// authdebug in the same run, so that authdebug's first load is judged
// against go-app's floor on the same machine.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

type hello struct{ app.Compo }

// OnMount marks the moment the page is ready, as authdebug's shell does.
func (h *hello) OnMount(ctx app.Context) {
	app.Window().Get("performance").Call("mark", "app-mounted")
}

func (h *hello) Render() app.UI { return app.H1().ID("hello").Text("Hello") }

func main() {
	if app.IsClient {
		app.Window().Get("performance").Call("mark", "app-main")
	}
	app.Route("/", app.NewZeroComponentFactory(&hello{}))
	app.RunWhenOnBrowser()
	http.Handle("/", &app.Handler{Name: "hello", Title: "hello"})
	log.Fatal(http.ListenAndServe(os.Getenv("HELLO_ADDR"), nil))
}
