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
		c.trusted = append(c.trusted, p.Masked())
	}
	return c, nil
}

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
