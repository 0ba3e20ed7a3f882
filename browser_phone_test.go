package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// At 400 px nothing runs off the right edge, long values wrap, amounts
// never break inside, the debt table stacks, and the tab bar shows it scrolls.
func TestBrowserFitsAPhone(t *testing.T) {
	srv := startServer(t, config{})
	b := newBrowser(t)
	b.open(srv.URL + "/")
	b.waitApp()
	codeFlowToCall(b, "")
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(400, 900)); err != nil {
		t.Fatal(err)
	}
	fits := func(where string) {
		t.Helper()
		if w := b.eval(`String(document.documentElement.scrollWidth)`); w != "400" {
			wide := b.eval(`Array.from(document.querySelectorAll('#tab *')).filter(e => e.getBoundingClientRect().right > 401).slice(-3).map(e => e.tagName + '#' + e.id + '.' + e.className).join(' ')`)
			t.Errorf("%s: the page is %s px wide at 400 (%s)", where, w, wide)
		}
	}
	callAndWait(b, "#call-send")
	b.waitJS(`document.querySelectorAll('#debt-table tr[data-loan]').length === 3`)
	fits("the Call tab with the debt")
	if d := b.eval(`getComputedStyle(document.querySelector('#debt-table td')).display`); d != "block" {
		t.Errorf("the debt table does not stack at 400 px: td is %s", d)
	}
	// Every amount is on one line, even at 1280 px.
	oneLine := `document.querySelectorAll('#debt-table .amount').length >= 6 && Array.from(document.querySelectorAll('#debt-table .amount')).every(e => e.getClientRects().length === 1 && e.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(e).fontSize))`
	if b.eval(`String(`+oneLine+`)`) != "true" {
		t.Error("an amount breaks inside at 400 px")
	}
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	if b.eval(`String(`+oneLine+`)`) != "true" {
		t.Error("an amount breaks inside at 1280 px")
	}
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(400, 900)); err != nil {
		t.Fatal(err)
	}
	b.screenshot("phone-debt")
	if charges := b.text("#debt-table"); strings.Contains(charges, "MONTHLY") {
		t.Errorf("a cell mixes languages: %s", charges)
	}
	for _, tab := range []string{"callback", "inspect", "token", "authorize", "discovery"} {
		b.click("#nav-" + tab)
		b.waitJS(`document.querySelector('#app').dataset.tab === '` + tab + `'`)
		fits("the " + tab + " tab")
	}
	// The tab bar scrolls, and shows that it does.
	if b.eval(`(n => String(n.scrollWidth > n.clientWidth && getComputedStyle(n).backgroundImage.includes('gradient')))(document.querySelector('nav.tabs'))`) != "true" {
		t.Error("the tab bar hides tabs without a cue")
	}
	// Inputs leave room under the text for underscores (ory_at_…).
	if b.eval(`(s => String(parseFloat(s.lineHeight) >= 1.4 * parseFloat(s.fontSize)))(getComputedStyle(document.querySelector('#client-id')))`) != "true" {
		t.Error("the inputs' line height clips underscores")
	}
	b.noConsoleErrors()
}
