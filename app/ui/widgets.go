package ui

import (
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// findingList shows findings, each an element with data-level.
func findingList(id string, fs []flow.Finding, none string) ga.UI {
	if len(fs) == 0 {
		return ga.Ul().ID(id).Class("findings").Body(ga.Li().Class("ok").DataSet("level", "ok").Text(none))
	}
	return ga.Ul().ID(id).Class("findings").Body(
		ga.Range(fs).Slice(func(i int) ga.UI {
			f := fs[i]
			return ga.Li().Class(string(f.Level)).DataSet("level", string(f.Level)).DataSet("field", f.Field).Body(
				ga.Span().Class("level").Text(string(f.Level)),
				ga.Span().Text(" "+f.Message),
			)
		}),
	)
}

// paramTable shows parameters with an explanation of each.
func paramTable(id string, ps []flow.Param, explain func(string) string) ga.UI {
	return ga.Table().ID(id).Class("params").Body(
		ga.THead().Body(ga.Tr().Body(ga.Th().Text("parameter"), ga.Th().Text("value"), ga.Th().Text("meaning"))),
		ga.TBody().Body(ga.Range(ps).Slice(func(i int) ga.UI {
			p := ps[i]
			return ga.Tr().DataSet("param", p.Name).Body(
				ga.Td().Body(ga.Code().Text(p.Name)),
				ga.Td().Class("value").Text(p.Value),
				ga.Td().Class("hint").Text(explain(p.Name)),
			)
		})),
	)
}

// Event handlers must read what they act on when they run, not capture it
// when rendered: go-app keeps the first handler of an element as long as the
// new one comes from the same func literal.

// copyButton copies the text of another element, read at the click, and
// says on the button whether the browser allowed it.
func (s *Shell) copyButton(id, sourceID string) ga.UI {
	label := "Copy"
	if msg, ok := s.copied[id]; ok {
		label = msg
	}
	return ga.Button().ID(id).Type("button").Class("small").Text(label).OnClick(func(ctx ga.Context, e ga.Event) {
		src := ga.Window().GetElementByID(sourceID)
		if !src.Truthy() {
			return
		}
		writeClipboard(ctx, src.Get("textContent").String(), func(ctx ga.Context, problem string) {
			if s.copied == nil {
				s.copied = map[string]string{}
			}
			s.copied[id] = "Copied"
			if problem != "" {
				s.copied[id] = "Not copied: " + problem
			}
			ctx.After(3*time.Second, func(ctx ga.Context) { delete(s.copied, id) })
		})
	})
}

// writeClipboard copies a text and tells done, on the UI goroutine, what the
// browser said: problem is empty on success. Browsers refuse when the page
// has no focus or the context is not secure.
func writeClipboard(ctx ga.Context, text string, done func(ctx ga.Context, problem string)) {
	clipboard := ga.Window().Get("navigator").Get("clipboard")
	if !clipboard.Truthy() {
		done(ctx, "this browser offers no clipboard to this page (it needs https or localhost)")
		return
	}
	var onOK, onFail ga.Func
	finish := func(problem string) {
		onOK.Release()
		onFail.Release()
		ctx.Dispatch(func(ctx ga.Context) { done(ctx, problem) })
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

// oauthErrorDetails explains an OAuth error, from a callback or a token
// response: its meaning, what to do next, and the server's own words.
func oauthErrorDetails(idPrefix string, e flow.OAuthError) ga.UI {
	info, _ := ngi.ExplainError(e.Error)
	line := func(label, id, text string) ga.UI {
		return ga.If(text != "", func() ga.UI {
			return ga.P().Body(ga.Strong().Text(label+": "), ga.Span().ID(idPrefix+"-"+id).Text(text))
		})
	}
	return ga.Div().Class("oauth-error").Body(
		ga.P().ID(idPrefix+"-error-meaning").Body(ga.Strong().Text(info.Source+": "), ga.Text(info.Meaning)),
		ga.P().ID(idPrefix+"-error-next").Body(ga.Strong().Text("What to do: "), ga.Text(info.Next)),
		line("error_description", "error-description", e.Description),
		line("error_hint (Hydra)", "error-hint", e.Hint),
		line("error_debug (Hydra)", "error-debug", e.Debug),
	)
}
