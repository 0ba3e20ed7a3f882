package guard

import (
	"net"
	"net/netip"
	"sync"
)

// LimitPerAddress lets each remote address hold at most max open
// connections: one machine's idle or slow connections then cannot fill a
// listener that everyone shares. A further connection from that address is
// closed at once. exempt addresses (the proxy in front, which carries
// everyone's connections) are not counted. max <= 0 leaves ln as it is.
func LimitPerAddress(ln net.Listener, max int, exempt func(netip.Addr) bool) net.Listener {
	if max <= 0 {
		return ln
	}
	return &perAddress{Listener: ln, max: max, exempt: exempt, open: map[netip.Addr]int{}}
}

type perAddress struct {
	net.Listener
	max    int
	exempt func(netip.Addr) bool
	mu     sync.Mutex
	open   map[netip.Addr]int // its size is bounded by the listener's own limit
}

func (l *perAddress) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, perr := netip.ParseAddrPort(c.RemoteAddr().String())
		a := ap.Addr().Unmap()
		if perr != nil || (l.exempt != nil && l.exempt(a)) {
			return c, nil
		}
		l.mu.Lock()
		full := l.open[a] >= l.max
		if !full {
			l.open[a]++
		}
		l.mu.Unlock()
		if full {
			c.Close()
			continue
		}
		return &countedConn{Conn: c, release: func() { l.release(a) }}, nil
	}
}

func (l *perAddress) release(a netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[a]--; l.open[a] <= 0 {
		delete(l.open, a)
	}
}

type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
