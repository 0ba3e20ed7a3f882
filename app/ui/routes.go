// Package ui is the page: go-app components and the route table that both
// the server (to prerender) and the wasm (to mount) register.
package ui

import (
	"net/url"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The tabs, each a route.
const (
	TabAuthorize = "authorize"
	TabCallback  = "callback"
	TabToken     = "token"
	TabInspect   = "inspect"
	TabDiscovery = "discovery"
	TabCall      = "call"
	TabTimeline  = "timeline"
)

// tabs is the one place a tab registers: its id, path, label and state,
// in the nav's order. A tab is one file: its type holds its state and
// implements tabPage; its state is a field of the Shell, which page returns.
var tabs = []struct {
	ID, Path, Label string
	page            func(*Shell) tabPage
}{
	{TabAuthorize, "/", "Authorize", func(s *Shell) tabPage { return &s.authorize }},
	{TabCallback, "/callback", "Callback", func(s *Shell) tabPage { return &s.callback }},
	{TabToken, "/token", "Token", func(s *Shell) tabPage { return &s.token }},
	{TabInspect, "/inspect", "Inspect", func(s *Shell) tabPage { return &s.inspect }},
	{TabCall, "/call", "Call", func(s *Shell) tabPage { return &s.call }},
	{TabDiscovery, "/discovery", "Discovery", func(s *Shell) tabPage { return &s.discovery }},
	{TabTimeline, "/timeline", "Timeline", func(s *Shell) tabPage { return &s.timeline }},
}

// tabPage is what the shell asks of every tab.
type tabPage interface {
	// setUp runs once, before anything else: the tab takes the shared
	// state (and the tabs it works with) and sets its defaults.
	setUp(s *Shell)
	// open runs when the page is navigated to the tab: it reads what the
	// URL carries for it (a deep link, a callback).
	open(u *url.URL, now time.Time)
	// arrive runs when the tab is shown and after each answer lands: it
	// takes what another tab left for it and fetches what it shows.
	arrive()
	render() ga.UI
	// fields are the tab's text fields by id, with the values they must
	// show (Shell.syncFields).
	fields() map[string]string
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
