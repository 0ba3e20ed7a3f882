// Package ui is the page: go-app components and the route table that both
// the server (to prerender) and the wasm (to mount) register.
package ui

import ga "github.com/maxence-charriere/go-app/v10/pkg/app"

// The tabs, each a route.
const (
	TabAuthorize = "authorize"
	TabCallback  = "callback"
	TabToken     = "token"
	TabInspect   = "inspect"
	TabDiscovery = "discovery"
	TabCall      = "call"
)

// tabs lists each tab's path and label, in the nav's order.
var tabs = []struct{ ID, Path, Label string }{
	{TabAuthorize, "/", "Authorize"},
	{TabCallback, "/callback", "Callback"},
	{TabToken, "/token", "Token"},
	{TabInspect, "/inspect", "Inspect"},
	{TabCall, "/call", "Call"},
	{TabDiscovery, "/discovery", "Discovery"},
}

// Register adds the page's routes. Every tab is the same Shell component, so
// moving between tabs updates one mounted component and keeps its state.
//
// The Shell's fields, and the tabs' it holds, stay unexported: on every
// navigation go-app builds a new zero Shell and copies its exported fields
// over the mounted one, which would reset any state kept in them.
func Register() {
	for _, t := range tabs {
		ga.Route(t.Path, ga.NewZeroComponentFactory(&Shell{}))
	}
}

// Paths lists the page's routes: the only pages the server renders.
func Paths() []string {
	paths := make([]string, len(tabs))
	for i, t := range tabs {
		paths[i] = t.Path
	}
	return paths
}
