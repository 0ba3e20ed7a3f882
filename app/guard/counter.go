package guard

import (
	"context"
	"sync"
	"time"
)

// Counter counts events by key in fixed windows: the first event of a key
// opens its window, and the count is forgotten when the window ends. Replicas
// share one when it is kept in the shared store (Redis); MemoryCounter keeps
// it in one process.
type Counter interface {
	// Add counts one event and returns the key's count in its window.
	Add(ctx context.Context, key string, window time.Duration) (int64, error)
	// Count returns the key's count in its window, 0 when none is open.
	Count(ctx context.Context, key string) (int64, error)
}

// MemoryCounter is a Counter of one process, remembering at most max keys
// (past that, ended windows go first, then any).
type MemoryCounter struct {
	max int
	now func() time.Time
	mu  sync.Mutex
	m   map[string]window
}

type window struct {
	n   int64
	end time.Time
}

// NewMemoryCounter remembers at most max keys.
func NewMemoryCounter(max int) *MemoryCounter {
	return &MemoryCounter{max: max, now: time.Now, m: map[string]window{}}
}

// Add counts one event.
func (c *MemoryCounter) Add(_ context.Context, key string, d time.Duration) (int64, error) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.m[key]
	if !ok || !now.Before(w.end) {
		if len(c.m) >= c.max {
			c.makeRoom(now)
		}
		w = window{end: now.Add(d)}
	}
	w.n++
	c.m[key] = w
	return w.n, nil
}

// Count returns the key's count.
func (c *MemoryCounter) Count(_ context.Context, key string) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok := c.m[key]; ok && c.now().Before(w.end) {
		return w.n, nil
	}
	return 0, nil
}

// makeRoom drops ended windows, then arbitrary ones down to three quarters
// of max, so that a full map is not walked on every Add.
func (c *MemoryCounter) makeRoom(now time.Time) {
	for k, w := range c.m {
		if !now.Before(w.end) {
			delete(c.m, k)
		}
	}
	for k := range c.m {
		if len(c.m) < c.max*3/4 {
			break
		}
		delete(c.m, k)
	}
}
