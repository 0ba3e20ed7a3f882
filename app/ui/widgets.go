package ui

import (
	"cmp"
	"strings"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// findingList shows findings, each an element with data-level.
//
// none is said, in green, when there is nothing to list; "" when what is
// shown beside the list already says something is wrong.
func findingList(id string, fs []flow.Finding, none string) ga.UI {
	if len(fs) == 0 && none == "" {
		return ga.Ul().ID(id).Class("findings")
	}
	if len(fs) == 0 {
		return ga.Ul().ID(id).Class("findings").Body(ga.Li().Class("ok").DataSet("level", "ok").Text(none))
	}
	return ga.Ul().ID(id).Class("findings").Body(
		ga.Range(fs).Slice(func(i int) ga.UI {
			f := fs[i]
			return ga.Li().Class(string(f.Level)).DataSet("level", string(f.Level)).DataSet("field", f.Field).Body(
				ga.Span().Class("level").Text(string(f.Level)),
				ga.Span().Text(" "+f.Message),
				refLink(ngi.FieldRef(f.Field)),
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

// Event handlers are methods, and read what they act on when they run (the
// element's value, its data- attributes), never values captured at render:
// go-app keeps an element's first handler as long as later renders pass one
// made by the same code, so a captured value goes stale.

// copyButton copies the text of another element, read at the click, and
// says on the button whether the browser allowed it.
func (sh *shared) copyButton(id, sourceID string) ga.UI {
	label := "Copy"
	if msg, ok := sh.copied[id]; ok {
		label = msg
	}
	return ga.Button().ID(id).Type("button").Class("small").DataSet("source", sourceID).Text(label).OnClick(sh.onCopy)
}

func (sh *shared) onCopy(ctx ga.Context, e ga.Event) {
	id := ctx.JSSrc().Get("id").String()
	src := ga.Window().GetElementByID(ctx.JSSrc().Get("dataset").Get("source").String())
	if !src.Truthy() {
		return
	}
	text := src.Get("textContent").String()
	if tag := src.Get("tagName").String(); tag == "INPUT" || tag == "TEXTAREA" {
		text = src.Get("value").String()
	}
	sh.clipboard(text, func(problem string) {
		if problem != "" {
			sh.flash(id, "Not copied: "+problem)
			return
		}
		sh.flash(id, "Copied")
	})
}

// sendButtons is a form's send button and, while errors are found, a
// second button to send anyway. The first is never disabled for errors
// (aria-disabled says so): a click that lands before the render of the
// typing that fixed the last error must still send, so the check is made
// again when it is clicked, with check's findings of that moment. It keeps
// the keyboard focus where it is.
func sendButtons(id, verb, label, busyLabel string, busy bool, check func() []flow.Finding, send func()) ga.UI {
	blocked := flow.HasErrors(check())
	switch {
	case busy:
		label = busyLabel
	case blocked:
		label = "Fix the errors above to " + strings.ToLower(verb)
	}
	onClick := func(ctx ga.Context, e ga.Event) {
		if !flow.HasErrors(check()) {
			send()
		}
	}
	return ga.Div().Class("row").Body(
		ga.Button().ID(id).Type("button").Class("primary").Disabled(busy).Aria("disabled", blocked).Text(label).OnClick(onClick),
		ga.If(blocked && !busy, func() ga.UI {
			return ga.Button().ID(id + "-anyway").Type("button").Text(verb + " anyway, to see the answer").OnClick(func(ga.Context, ga.Event) { send() })
		}),
	)
}

// refLink is a link to the text behind a rule, or nothing.
func refLink(r ngi.Reference, ok bool) ga.UI {
	if !ok {
		return ga.Text("")
	}
	return ga.A().Class("ref").Href(r.URL).Target("_blank").Attr("rel", "noopener noreferrer").Text(" (" + r.Label + ")")
}

// oauthErrorDetails explains an OAuth error, from a callback or a token
// response: its meaning, what to do next, and the server's own words.
//
// next is what to do; "" takes the error code's own advice.
func oauthErrorDetails(idPrefix string, e flow.OAuthError, next string) ga.UI {
	info, _ := ngi.ExplainError(e.Error)
	line := func(label, id, text string) ga.UI {
		return ga.If(text != "", func() ga.UI {
			return ga.P().Body(ga.Strong().Text(label+": "), ga.Span().ID(idPrefix+"-"+id).Text(text))
		})
	}
	reason, generic := e.Reason()
	description := e.Description
	if generic != "" {
		description = generic
	}
	return ga.Div().Class("oauth-error").Body(
		ga.If(reason != "", func() ga.UI {
			return ga.P().ID(idPrefix+"-error-reason").Class("reason").Body(ga.Strong().Text("Why: "), ga.Text(reason))
		}),
		ga.P().ID(idPrefix+"-error-meaning").Body(ga.Strong().Text(info.Source+": "), ga.Text(info.Meaning), refLink(ngi.ErrorRef(e.Error))),
		ga.P().ID(idPrefix+"-error-next").Body(ga.Strong().Text("What to do: "), ga.Text(cmp.Or(next, ngi.NextStep(e.Error, reason)))),
		line(map[bool]string{true: "error_description (the general sentence of " + e.Error + ")", false: "error_description"}[generic != ""], "error-description", description),
		line("error_hint (Hydra 1.x)", "error-hint", map[bool]string{true: "", false: e.Hint}[reason == e.Hint]), // shown first, as Why
		line("error_debug (Hydra 1.x)", "error-debug", e.Debug),
		ga.If(e.URI != "", func() ga.UI { return errorURI(idPrefix, e.URI) }),
	)
}

// errorURI shows RFC 6749's pointer to a page about the error. It comes from
// the callback, which anyone can forge, so it is a link only when https, and
// otherwise text to copy.
func errorURI(idPrefix, uri string) ga.UI {
	var value ga.UI = ga.Code().ID(idPrefix + "-error-uri").Text(uri)
	if flow.IsHTTPS(uri) {
		value = ga.A().ID(idPrefix+"-error-uri").Href(uri).Attr("rel", "noopener noreferrer").Target("_blank").Text(uri)
	}
	return ga.P().Body(ga.Strong().Text("error_uri: "), value, ga.Span().Class("hint").Text(" the server's page about this error"),
		refLink(ngi.Reference{Label: "RFC 6749 §4.1.2.1", URL: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1"}, true))
}
