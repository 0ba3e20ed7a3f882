package ui

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	ga "github.com/maxence-charriere/go-app/v10/pkg/app"

	"authdebug/app/record"
)

// timelineTab shows the run: its steps, drawn as a sequence, as Mermaid,
// and as the redacted bundle for a ticket; or a bundle someone sent.
type timelineTab struct {
	sh *shared

	opened   *record.Run // a bundle opened here, shown instead of the run
	openText string
	openErr  string
	selected int // the step opened in the list, -1 for none
}

func (tl *timelineTab) setUp(s *Shell) {
	tl.sh, tl.selected = &s.sh, -1
}

func (tl *timelineTab) open(*url.URL, time.Time) {}
func (tl *timelineTab) arrive()                  {}
func (tl *timelineTab) fields() map[string]string {
	return map[string]string{"bundle-open": tl.openText}
}

// shown is the run on screen: an opened bundle, or this browser's run.
func (tl *timelineTab) shown() *record.Run {
	if tl.opened != nil {
		return tl.opened
	}
	return tl.sh.run
}

func (tl *timelineTab) onNewRun(ctx ga.Context, e ga.Event) {
	tl.opened, tl.selected = nil, -1
	tl.sh.startRun(time.Now())
}

func (tl *timelineTab) onOpenText(ctx ga.Context, e ga.Event) {
	tl.openBundle(ctx.JSSrc().Get("value").String())
}

// openBundle shows a bundle someone sent; nothing of it is sent anywhere.
func (tl *timelineTab) openBundle(text string) {
	tl.openText, tl.openErr = text, ""
	if text == "" {
		tl.opened = nil
		return
	}
	r, err := record.Open(text)
	if err != nil {
		tl.openErr = err.Error() + "."
		return
	}
	tl.opened, tl.selected = r, -1
}

// onOpenFile reads the chosen file in the browser and opens it.
func (tl *timelineTab) onOpenFile(ctx ga.Context, e ga.Event) {
	files := ctx.JSSrc().Get("files")
	if !files.Truthy() || files.Length() == 0 {
		return
	}
	var onText, onFail ga.Func
	finish := func(text, problem string) {
		onText.Release()
		onFail.Release()
		tl.sh.dispatch(func() {
			if problem != "" {
				tl.openErr = "The file could not be read: " + problem
				return
			}
			tl.openBundle(text)
		})
	}
	onText = ga.FuncOf(func(this ga.Value, args []ga.Value) any { finish(args[0].String(), ""); return nil })
	onFail = ga.FuncOf(func(this ga.Value, args []ga.Value) any { finish("", args[0].Call("toString").String()); return nil })
	files.Index(0).Call("text").Call("then", onText, onFail)
}

func (tl *timelineTab) onCloseBundle(ctx ga.Context, e ga.Event) {
	tl.opened, tl.openText, tl.openErr, tl.selected = nil, "", "", -1
}

// onSelect opens a step in the list, from its arrow in the picture.
func (tl *timelineTab) onSelect(ctx ga.Context, e ga.Event) {
	i, err := strconv.Atoi(ctx.JSSrc().Get("dataset").Get("step").String())
	if err != nil {
		return
	}
	tl.selected = i
	ctx.Defer(func(ga.Context) {
		if el := ga.Window().GetElementByID(fmt.Sprintf("step-%d", i)); el.Truthy() {
			el.Call("scrollIntoView", map[string]any{"block": "nearest"})
			el.Call("focus")
		}
	})
}

func (tl *timelineTab) render() ga.UI {
	r := tl.shown()
	return ga.Div().ID("timeline-tab").Body(
		ga.H2().Text("Timeline"),
		ga.P().Class("hint").Text("Every exchange of this run, in order: the authorize request, the callback, each call the tool's server carried, with their answers. What is kept is redacted as it happens: no secret, code, token, state, nonce or national id number, here, in this tab's storage or in the bundle."),
		ga.Div().Class("row").Body(
			ga.Button().ID("timeline-new").Type("button").Text("Start a new run").OnClick(tl.onNewRun),
			ga.Span().Class("hint").Text("A new run also starts with each authorize request recorded (Copy or Open)."),
		),
		ga.If(tl.opened != nil, func() ga.UI {
			return ga.P().ID("timeline-opened").Class("banner").Body(
				ga.Strong().Text("Opened from a bundle. "),
				ga.Textf("Recorded by authdebug %s on %s; nothing of it is sent anywhere. ", tl.opened.Tool, tl.opened.Started.Format("2006-01-02 15:04 MST")),
				ga.Button().ID("timeline-close-bundle").Type("button").Class("small").Text("Back to this browser's run").OnClick(tl.onCloseBundle),
			)
		}),
		ga.If(r == nil || len(r.Steps) == 0, func() ga.UI {
			return ga.Div().Body(
				ga.P().ID("timeline-empty").Class("hint").Text("Nothing recorded yet: build an authorize request and Copy or Open it, read a callback, or send a token request."),
				ga.Ol().ID("timeline").Class("steps"),
			)
		}),
		ga.If(r != nil && len(r.Steps) > 0, func() ga.UI { return tl.renderRun(r) }),
		tl.renderOpen(),
	)
}

func (tl *timelineTab) renderRun(r *record.Run) ga.UI {
	bundle := r.JSON()
	return ga.Div().Body(
		ga.P().ID("timeline-about").Textf("%s · client %s · started %s (%s)", firstNonEmpty(r.Environment.Label, r.Environment.ID), firstNonEmpty(r.ClientID, "—"),
			r.Started.Format("2006-01-02 15:04:05"), r.Zone),
		renderDiagram(r, tl.onSelect),
		tl.renderSteps(r),
		ga.H3().Body(ga.Text("As Mermaid"), tl.sh.copyButton("timeline-mermaid-copy", "timeline-mermaid")),
		ga.P().Class("hint").Text("Paste it into GitLab, GitHub, Confluence or a ticket that draws Mermaid."),
		ga.Pre().ID("timeline-mermaid").Class("code").Text(r.Mermaid()),
		ga.H3().Text("The bundle, for a ticket"),
		ga.P().Class("hint").Text("The run as one JSON document (authdebug-bundle/1): the environment, the client id, the discovery document's endpoints, the key ids in use, NGI's trace_ids, and every step, redacted. Codes, tokens, states and nonces are fingerprints (the same value, the same fingerprint), ID tokens keep their claims without their signature, national id numbers are masked; no secret is in it."),
		ga.Div().Class("row").Body(
			tl.sh.copyButton("bundle-copy", "bundle"),
			ga.A().ID("bundle-download").Href("data:application/json;charset=utf-8,"+url.PathEscape(bundle)).Attr("download", r.FileName("json")).Text("Download "+r.FileName("json")),
			ga.A().ID("bundle-har").Href("data:application/json;charset=utf-8,"+url.PathEscape(r.HAR())).Attr("download", r.FileName("har")).Text("Download as HAR 1.2"),
		),
		ga.Pre().ID("bundle").Class("code", "bundle").Attr("tabindex", 0).Aria("label", "The bundle").Text(bundle),
	)
}

// renderSteps lists the steps, each opening to its request and answer.
func (tl *timelineTab) renderSteps(r *record.Run) ga.UI {
	return ga.Ol().ID("timeline").Class("steps").Body(ga.Range(r.Steps).Slice(func(i int) ga.UI {
		s := r.Steps[i]
		li := ga.Li().ID(fmt.Sprintf("step-%d", s.Index)).Attr("tabindex", -1).Class(classIf("failed", s.Failed)).
			DataSet("step", s.Index).DataSet("kind", s.Kind)
		if s.Status != 0 {
			li = li.DataSet("status", s.Status)
		}
		return li.Body(
			ga.Details().Open(tl.selected == s.Index).Body(
				ga.Summary().Body(ga.Span().Class("hint").Text(s.At.Format("15:04:05")+" "), ga.Text(s.Summary())),
				ga.If(s.URL != "", func() ga.UI { return ga.P().Body(ga.Code().Class("value").Text(s.Method + " " + s.URL)) }),
				ga.If(s.DurationMS > 0 || s.TraceID != "", func() ga.UI {
					return ga.P().Class("hint").Textf("%.0f ms%s", s.DurationMS, map[bool]string{true: " · NGI trace_id " + s.TraceID, false: ""}[s.TraceID != ""])
				}),
				ga.If(len(s.Findings) > 0, func() ga.UI { return findingList(fmt.Sprintf("step-%d-findings", s.Index), s.Findings, "") }),
				ga.If(s.Request != nil, func() ga.UI { return renderMessage("Request", s.Request) }),
				ga.If(s.Response != nil, func() ga.UI { return renderMessage("Response", s.Response) }),
			),
		)
	}))
}

func (tl *timelineTab) renderOpen() ga.UI {
	return ga.Section().ID("timeline-open").Body(
		ga.H3().Text("Open a bundle someone sent"),
		ga.Label().For("bundle-open").Class("hint").Text("Paste the bundle's JSON, or choose its file: its steps and picture are shown here. Nothing of it is sent anywhere."),
		ga.Textarea().ID("bundle-open").Rows(3).Spellcheck(false).Attr("value", tl.openText).OnInput(tl.onOpenText),
		ga.Input().ID("bundle-file").Type("file").Accept(".json,application/json").Aria("label", "Open a bundle's file").OnChange(tl.onOpenFile),
		ga.If(tl.openErr != "", func() ga.UI { return ga.P().ID("bundle-open-error").Class("error").Text(tl.openErr) }),
	)
}

func renderMessage(title string, m *record.Message) ga.UI {
	text := ""
	for _, h := range m.Headers {
		text += h.Name + ": " + h.Value + "\n"
	}
	if body := m.Text(); body != "" {
		text += "\n" + body
	}
	return ga.Div().Body(ga.H4().Text(title), ga.Pre().Class("code").Text(text))
}

const svgNS = "http://www.w3.org/2000/svg"

func svg(tag string) ga.HTMLElem { return ga.Elem(tag).XMLNS(svgNS) }

// renderDiagram draws the run as a sequence: a lane per party, an arrow per
// message (dashed for an answer, red when it failed); clicking an arrow
// opens its step.
func renderDiagram(r *record.Run, onSelect ga.EventHandler) ga.UI {
	var lanes []string
	x := map[string]int{}
	arrows := r.Arrows()
	for _, l := range record.Lanes {
		for _, a := range arrows {
			if a.From == l.ID || a.To == l.ID {
				x[l.ID] = 90 + len(lanes)*170
				lanes = append(lanes, l.ID)
				break
			}
		}
	}
	width, height := 180+(len(lanes)-1)*170, 70+len(arrows)*32
	label := map[string]string{}
	for _, l := range record.Lanes {
		label[l.ID] = l.Label
	}
	var parts []ga.UI
	for _, id := range lanes {
		parts = append(parts,
			svg("text").Attr("x", x[id]).Attr("y", 20).Attr("text-anchor", "middle").Class("lane").Text(label[id]),
			svg("line").Attr("x1", x[id]).Attr("y1", 30).Attr("x2", x[id]).Attr("y2", height-8).Class("lifeline"),
		)
	}
	for i, a := range arrows {
		y := 58 + i*32
		x1, x2 := x[a.From], x[a.To]
		dir := 1
		if x2 < x1 {
			dir = -1
		}
		head := fmt.Sprintf("%d,%d %d,%d %d,%d", x2, y, x2-dir*9, y-5, x2-dir*9, y+5)
		parts = append(parts, svg("g").DataSet("step", a.Step).Class("arrow", classIf("reply", a.Reply), classIf("failed", a.Failed)).
			Attr("tabindex", 0).Attr("role", "button").Aria("label", fmt.Sprintf("%s, step %d", clipText(a.Label, 34), a.Step)).OnClick(onSelect).
			OnKeyDown(func(ctx ga.Context, e ga.Event) {
				if k := e.Get("key").String(); k == "Enter" || k == " " {
					e.PreventDefault()
					onSelect(ctx, e)
				}
			}).Body(
			svg("title").Text(a.Label),
			svg("line").Attr("x1", x1).Attr("y1", y).Attr("x2", x2-dir*8).Attr("y2", y),
			svg("polygon").Attr("points", head),
			svg("text").Attr("x", (x1+x2)/2).Attr("y", y-6).Attr("text-anchor", "middle").Text(clipText(a.Label, 34)),
		))
	}
	return ga.Div().Class("diagram").Body(
		svg("svg").ID("timeline-diagram").Attr("viewBox", fmt.Sprintf("0 0 %d %d", width, height)).Attr("width", width).Attr("height", height).
			Attr("role", "group").Aria("label", "The run as a sequence of messages; each arrow opens its step").Body(parts...),
	)
}

func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
