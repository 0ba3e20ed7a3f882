package guard

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestSiteAnswersOnlyForItsHost(t *testing.T) {
	site, err := ParseSite("https://authdebug.bank.example")
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"authdebug.bank.example":               true,
		"AUTHDEBUG.bank.example:443":           true,
		"authdebug.bank.example:8443":          false,
		"rebind.attacker.example:8000":         false,
		"authdebug.bank.example.attacker.test": false,
		"127.0.0.1":                            false,
		"":                                     false,
	} {
		if got := site.HostAllowed(host); got != want {
			t.Errorf("HostAllowed(%q) = %v", host, got)
		}
	}
	for origin, want := range map[string]bool{
		"https://authdebug.bank.example":       true,
		"https://authdebug.bank.example:443":   true,
		"http://authdebug.bank.example":        false,
		"https://authdebug.bank.example/x":     false,
		"https://evil@authdebug.bank.example":  false,
		"null":                                 false,
		"https://rebind.attacker.example:8000": false,
	} {
		if got := site.OriginAllowed(origin); got != want {
			t.Errorf("OriginAllowed(%q) = %v", origin, got)
		}
	}
	for _, bad := range []string{"", "authdebug.bank.example", "ftp://x", "https://x/path", "https://x?q", "https://u@x", "http://[::1"} {
		if _, err := ParseSite(bad); err == nil {
			t.Errorf("ParseSite(%q) accepted", bad)
		}
	}
}

// On loopback a person may type localhost or 127.0.0.1; the port still counts.
func TestSiteOnLoopbackAnswersToEveryLoopbackName(t *testing.T) {
	site, _ := ParseSite("http://127.0.0.1:8000")
	for host, want := range map[string]bool{"127.0.0.1:8000": true, "localhost:8000": true, "[::1]:8000": true, "localhost:9000": false, "10.0.0.5:8000": false} {
		if got := site.HostAllowed(host); got != want {
			t.Errorf("HostAllowed(%q) = %v", host, got)
		}
	}
	h := site.OnlyHere(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Host = "rebind.attacker.example:8000"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusMisdirectedRequest {
		t.Errorf("another host = %d", w.Code)
	}
}

func TestClientsReadForwardedForOnlyFromTrustedProxies(t *testing.T) {
	c, err := ParseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ remote, xff, want string }{
		{"203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},                  // not a proxy: XFF is the client's to forge
		{"10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},                    // the proxy names the client
		{"10.1.2.3:5000", "6.6.6.6, 198.51.100.1, 10.9.9.9", "198.51.100.1"}, // left of the first untrusted hop is forged
		{"192.0.2.1:5000", "", "192.0.2.1"},                                  // a proxy that named nobody
		{"10.1.2.3:5000", "junk, 198.51.100.1", "198.51.100.1"},
		{"10.1.2.3:5000", "198.51.100.1, junk", "10.1.2.3"},
		{"[::ffff:10.1.2.3]:5000", "2001:db8::1", "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := c.Of(r); got != tt.want {
			t.Errorf("remote %s, XFF %q: client %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
	if _, err := ParseTrustedProxies([]string{"10.0.0.0/33"}); err == nil {
		t.Error("a bad CIDR was accepted")
	}
}

func TestLimiterAllowsABurstThenARate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(3, time.Second, 2)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("call %d refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > time.Second || RetryAfter(wait) != 1 {
		t.Errorf("4th call: %v, wait %v", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another client shares the first one's budget")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("a call a second later was refused")
	}
	// It remembers at most two clients, and forgets idle ones.
	l.Allow("c")
	if l.Len() > 2 {
		t.Errorf("%d clients remembered, max 2", l.Len())
	}
	now = now.Add(time.Minute)
	l.Allow("d")
	if l.Len() != 1 {
		t.Errorf("%d clients after all went idle", l.Len())
	}
}

// An IPv6 client is counted by its /64; an IPv4 one by its address.
func TestLimitKeyIPv6ByItsSlash64(t *testing.T) {
	c, _ := ParseTrustedProxies(nil)
	key := func(remote string) string {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		return c.Key(r)
	}
	if a, b := key("[2001:db8:1:2::1]:5000"), key("[2001:db8:1:2:ffff::9]:5000"); a != b || a != "2001:db8:1:2::/64" {
		t.Errorf("one /64: %q %q", a, b)
	}
	if a, b := key("[2001:db8:1:3::1]:5000"), key("[2001:db8:1:2::1]:5000"); a == b {
		t.Error("two /64s share a key")
	}
	if k := key("10.0.0.7:5000"); k != "10.0.0.7" {
		t.Errorf("IPv4: %q", k)
	}
}

// -trusted-proxy ::ffff:10.0.0.5 means 10.0.0.5, as peers are compared.
func TestTrustedProxyMappedAddress(t *testing.T) {
	c, err := ParseTrustedProxies([]string{"::ffff:10.0.0.5"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.5:443"
	if !c.FromTrusted(r) {
		t.Error("10.0.0.5 is not trusted")
	}
	if _, err := ParseTrustedProxies([]string{"::ffff:0:0/90"}); err == nil {
		t.Error("a mapped range wider than IPv4 was accepted")
	}
	if w := c.Widest(); w != 0 {
		t.Errorf("one address: widest %d", w)
	}
	wide, _ := ParseTrustedProxies([]string{"10.0.0.0/8", "192.168.1.0/24"})
	if w := wide.Widest(); w != 24 {
		t.Errorf("10.0.0.0/8: widest %d", w)
	}
}

// One address may hold only so many connections; another address is
// still served, and a closed connection frees its place.
func TestLimitPerAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	limited := LimitPerAddress(ln, 2, func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.3") })
	defer limited.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := limited.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func(from string) net.Conn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	wait := func(what string, want bool) net.Conn {
		select {
		case c := <-accepted:
			if !want {
				t.Errorf("%s was accepted", what)
			}
			return c
		case <-time.After(300 * time.Millisecond):
			if want {
				t.Errorf("%s was not accepted", what)
			}
			return nil
		}
	}
	dial("127.0.0.1")
	first := wait("the first", true)
	dial("127.0.0.1")
	wait("the second", true)
	dial("127.0.0.1")
	wait("a third from one address", false)
	dial("127.0.0.2")
	wait("another address", true)
	for range 3 {
		dial("127.0.0.3")
		wait("the exempt proxy", true)
	}
	first.Close()
	dial("127.0.0.1")
	wait("after one closed", true)
}

// A count lives for its window, and the counter keeps at most max keys.
func TestMemoryCounterWindowsAndCap(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	c := NewMemoryCounter(8)
	c.now = func() time.Time { return now }
	ctx := t.Context()
	c.Add(ctx, "a", time.Minute)
	if n, _ := c.Add(ctx, "a", time.Minute); n != 2 {
		t.Errorf("two events: %d", n)
	}
	now = now.Add(time.Minute)
	if n, _ := c.Count(ctx, "a"); n != 0 {
		t.Errorf("after the window: %d", n)
	}
	if n, _ := c.Add(ctx, "a", time.Minute); n != 1 {
		t.Errorf("a new window: %d", n)
	}
	for i := range 100 {
		c.Add(ctx, string(rune('A'+i)), time.Hour)
	}
	if len(c.m) > 8 {
		t.Errorf("%d keys kept, max 8", len(c.m))
	}
}
