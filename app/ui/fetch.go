package ui

import (
	"encoding/json"
	"fmt"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
)

// This file is the page's only way to the network and the clipboard: the
// browser's fetch, called through go-app's JS bridge (net/http would add
// about 5 MB to app.wasm). Each answer is handed over on the UI goroutine
// through the shell's context, so it lands even when its tab is gone.

// fetchResult is a same-origin API answer as the page sees it.
type fetchResult struct {
	Status int
	Body   string
	Err    string // the browser could not reach the server at all
}

// fetch calls a same-origin path and hands the answer to done. body, when
// not nil, is sent as JSON.
func (sh *shared) fetch(method, path string, body any, done func(fetchResult)) {
	if sh.fetcher != nil {
		sh.fetcher(method, path, body, func(r fetchResult) { sh.dispatch(func() { done(r) }) })
		return
	}
	opts := map[string]any{"method": method, "credentials": "same-origin", "cache": "no-store"}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			done(fetchResult{Err: "could not encode the request: " + err.Error()})
			return
		}
		opts["body"] = string(b)
		opts["headers"] = map[string]any{"Content-Type": "application/json"}
	}
	finish := func(r fetchResult) { sh.dispatch(func() { done(r) }) }

	var onResponse, onText, onFail ga.Func
	release := func() {
		for _, f := range []ga.Func{onResponse, onText, onFail} {
			if f != nil {
				f.Release()
			}
		}
	}
	status := 0
	onFail = ga.FuncOf(func(this ga.Value, args []ga.Value) any {
		msg := "network error"
		if len(args) > 0 {
			msg = args[0].Call("toString").String()
		}
		release()
		finish(fetchResult{Err: "The tool's own server could not be reached (" + msg + "). Is it still running?"})
		return nil
	})
	onText = ga.FuncOf(func(this ga.Value, args []ga.Value) any {
		text := args[0].String()
		release()
		finish(fetchResult{Status: status, Body: text})
		return nil
	})
	onResponse = ga.FuncOf(func(this ga.Value, args []ga.Value) any {
		status = args[0].Get("status").Int()
		args[0].Call("text").Call("then", onText, onFail)
		return nil
	})
	ga.Window().Call("fetch", path, ga.ValueOf(opts)).Call("then", onResponse, onFail)
}

// relay calls one of the relay's endpoints and hands done its result, or a
// problem saying why there is none: the server unreachable, or an answer that
// is not the relay's.
//
// Every call is a step of the run (recordRelay), whoever made it.
func (sh *shared) relay(method, path string, body any, done func(res *flow.RelayResult, problem string)) {
	sh.fetch(method, path, body, func(r fetchResult) {
		var res flow.RelayResult
		switch {
		case r.Err != "":
			sh.recordRelay(path, body, nil, r.Err)
			done(nil, r.Err)
		case json.Unmarshal([]byte(r.Body), &res) != nil || (res.Response == nil && res.Error == nil):
			problem := fmt.Sprintf("The tool's server answered HTTP %d with something unreadable: %.200s", r.Status, r.Body)
			sh.recordRelay(path, body, nil, problem)
			done(nil, problem)
		default:
			sh.recordRelay(path, body, &res, "")
			done(&res, "")
		}
	})
}

// clipboard copies a text and tells done what the browser said: problem is
// empty on success. Browsers refuse when the page has no focus or the
// context is not secure.
func (sh *shared) clipboard(text string, done func(problem string)) {
	clipboard := ga.Window().Get("navigator").Get("clipboard")
	if !clipboard.Truthy() {
		done("this browser offers no clipboard to this page (it needs https or localhost)")
		return
	}
	var onOK, onFail ga.Func
	finish := func(problem string) {
		onOK.Release()
		onFail.Release()
		sh.dispatch(func() { done(problem) })
	}
	onOK = ga.FuncOf(func(this ga.Value, args []ga.Value) any { finish(""); return nil })
	onFail = ga.FuncOf(func(this ga.Value, args []ga.Value) any {
		problem := "the browser refused"
		if len(args) > 0 && args[0].Truthy() {
			problem = args[0].Get("message").String()
		}
		finish(problem)
		return nil
	})
	clipboard.Call("writeText", text).Call("then", onOK, onFail)
}
