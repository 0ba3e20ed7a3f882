package ui

import (
	"encoding/json"
	"fmt"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
)

// This file is the page's only way to the network: the browser's fetch,
// called through go-app's JS bridge. net/http would add about 5 MB to app.wasm.

// fetchResult is a same-origin API answer as the page sees it.
type fetchResult struct {
	Status int
	Body   string
	Err    string // the browser could not reach the server at all
}

// fetchAPI calls a same-origin path and hands the answer to done on the UI
// goroutine. body, when not nil, is sent as JSON.
func fetchAPI(ctx ga.Context, method, path string, body any, done func(ga.Context, fetchResult)) {
	opts := map[string]any{"method": method, "credentials": "same-origin", "cache": "no-store"}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			done(ctx, fetchResult{Err: "could not encode the request: " + err.Error()})
			return
		}
		opts["body"] = string(b)
		opts["headers"] = map[string]any{"Content-Type": "application/json"}
	}
	finish := func(r fetchResult) { ctx.Dispatch(func(ctx ga.Context) { done(ctx, r) }) }

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

// relayAPI calls one of the relay's endpoints and hands done its result, or
// a problem saying why there is none: the server unreachable, or an answer
// that is not the relay's.
func relayAPI(ctx ga.Context, method, path string, body any, done func(ctx ga.Context, res *flow.RelayResult, problem string)) {
	fetchAPI(ctx, method, path, body, func(ctx ga.Context, r fetchResult) {
		var res flow.RelayResult
		switch {
		case r.Err != "":
			done(ctx, nil, r.Err)
		case json.Unmarshal([]byte(r.Body), &res) != nil || (res.Response == nil && res.Error == nil):
			done(ctx, nil, fmt.Sprintf("The tool's server answered HTTP %d with something unreadable: %.200s", r.Status, r.Body))
		default:
			done(ctx, &res, "")
		}
	})
}
