package guard

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter allows each client a burst of calls and then a steady rate: a
// person clicking never meets it, a script trying secrets does within a
// second. It remembers at most max clients.
type Limiter struct {
	limit rate.Limit
	burst int
	max   int
	now   func() time.Time

	mu        sync.Mutex
	clients   map[string]*client
	lastSweep time.Time
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter allows burst calls at once, then one per every, per client key.
func NewLimiter(burst int, every time.Duration, max int) *Limiter {
	return NewRateLimiter(burst, rate.Every(every), max)
}

// idle is how long a client's bucket is kept after its last call: by then it
// is full again, so forgetting it changes nothing.
func (l *Limiter) idle() time.Duration {
	return time.Duration(float64(l.burst+1) / float64(l.limit) * float64(time.Second))
}

// Allow takes one call from key's bucket, or says how long until one is free.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.clients[key]
	if c == nil {
		l.makeRoom(now)
		c = &client{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[key] = c
	}
	c.seen = now
	r := c.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// makeRoom forgets idle clients, at most once per idle period (so no call
// walks the map every time), and one arbitrary client when still full.
func (l *Limiter) makeRoom(now time.Time) {
	if now.Sub(l.lastSweep) >= l.idle() {
		l.lastSweep = now
		for k, c := range l.clients {
			if now.Sub(c.seen) > l.idle() {
				delete(l.clients, k)
			}
		}
	}
	for k := range l.clients {
		if len(l.clients) < l.max {
			break
		}
		delete(l.clients, k)
	}
}

// Len is how many clients are remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// RetryAfter is a wait in whole seconds, rounded up, for a Retry-After header.
func RetryAfter(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

// NewRateLimiter allows burst calls at once, then r a second, per client key.
func NewRateLimiter(burst int, r rate.Limit, max int) *Limiter {
	return &Limiter{limit: r, burst: burst, max: max, now: time.Now, clients: map[string]*client{}}
}
