package guard

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Clients tells who a request comes from: its remote address, or, when that
// is a trusted proxy, the address the proxy put in X-Forwarded-For.
type Clients struct {
	trusted []netip.Prefix
}

// ParseTrustedProxies reads -trusted-proxy values: CIDRs or single addresses.
func ParseTrustedProxies(values []string) (Clients, error) {
	var c Clients
	for _, v := range values {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return Clients{}, fmt.Errorf("%q is neither a CIDR (10.0.0.0/8) nor an address", v)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		// An IPv4-mapped IPv6 address (::ffff:10.0.0.5) is the IPv4
		// address it maps: peers are compared unmapped.
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				return Clients{}, fmt.Errorf("%q mixes IPv4-mapped addresses with others: give the IPv4 range", v)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		c.trusted = append(c.trusted, p.Masked())
	}
	return c, nil
}

// Widest is the host bits of the widest trusted range: 8 for a /24 (IPv4)
// or a /120 (IPv6), 0 for single addresses or no trusted proxy.
func (c Clients) Widest() int {
	widest := 0
	for _, p := range c.trusted {
		widest = max(widest, p.Addr().BitLen()-p.Bits())
	}
	return widest
}

// IsTrusted reports whether an address is one of the trusted proxies.
func (c Clients) IsTrusted(a netip.Addr) bool { return c.isTrusted(a) }

func (c Clients) isTrusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// FromTrusted reports whether the request's own peer is a trusted proxy.
func (c Clients) FromTrusted(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && c.isTrusted(a)
}

// Key is what a rate limit counts a request's client by: its address, or
// for IPv6 its /64, which one host or one home network has whole.
func (c Clients) Key(r *http.Request) string {
	of := c.Of(r)
	a, err := netip.ParseAddr(of)
	if err != nil || !a.Is6() {
		return of
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// Of returns the client's address. X-Forwarded-For is read from the right,
// past the trusted proxies: the first address a trusted proxy did not add
// itself is the client; anything left of it could be forged.
func (c Clients) Of(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if !c.isTrusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed entry: trust nothing left of it
		}
		addr = hop.Unmap()
		if !c.isTrusted(addr) {
			break
		}
	}
	return addr.String()
}
