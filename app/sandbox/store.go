package sandbox

import "time"

// expiring is a map whose entries live a fixed time and whose size is
// capped. Entries leave in the order they came (the oldest first, when full),
// so no call walks the whole map. It is not safe for concurrent use: the
// Server's mutex guards it.
type expiring[V any] struct {
	ttl   time.Duration
	max   int
	items map[string]stored[V]
	order []queued // keys in the order they were put; may hold deleted ones
	head  int      // order[:head] is already gone
	seq   uint64   // tells a queued key from a later put of the same key
}

type stored[V any] struct {
	v     V
	added time.Time
	seq   uint64
}

type queued struct {
	key   string
	added time.Time
	seq   uint64
}

// live reports whether a queued key is still the stored entry.
func (m *expiring[V]) live(q queued) bool {
	it, ok := m.items[q.key]
	return ok && it.seq == q.seq
}

func newExpiring[V any](ttl time.Duration, max int) *expiring[V] {
	return &expiring[V]{ttl: ttl, max: max, items: map[string]stored[V]{}}
}

// put adds an entry, first dropping what has expired and, when full, the oldest.
func (m *expiring[V]) put(now time.Time, key string, v V) {
	m.expire(now)
	for len(m.items) >= m.max && m.head < len(m.order) {
		m.pop()
	}
	m.seq++
	m.items[key] = stored[V]{v, now, m.seq}
	m.order = append(m.order, queued{key, now, m.seq})
	// Popped and deleted keys leave dead entries in order; rewrite it once
	// they are the larger part, which keeps it within twice the map's size.
	if m.head > len(m.order)/2 || len(m.order)-m.head > 2*m.max {
		m.compact()
	}
}

// get returns a live entry.
func (m *expiring[V]) get(now time.Time, key string) (V, bool) {
	it, ok := m.items[key]
	if !ok || now.Sub(it.added) > m.ttl {
		var zero V
		return zero, false
	}
	return it.v, true
}

// take returns a live entry and deletes it.
func (m *expiring[V]) take(now time.Time, key string) (V, bool) {
	v, ok := m.get(now, key)
	delete(m.items, key)
	return v, ok
}

func (m *expiring[V]) len() int { return len(m.items) }

// expire drops the entries older than ttl, from the front of order.
func (m *expiring[V]) expire(now time.Time) {
	for m.head < len(m.order) && now.Sub(m.order[m.head].added) > m.ttl {
		m.pop()
	}
}

// pop drops the oldest queued key, if it is still the stored entry.
func (m *expiring[V]) pop() {
	q := m.order[m.head]
	m.order[m.head] = queued{}
	m.head++
	if m.live(q) {
		delete(m.items, q.key)
	}
	if m.head == len(m.order) {
		m.order, m.head = m.order[:0], 0
	}
}

// compact rewrites order without the keys that are gone.
func (m *expiring[V]) compact() {
	live := make([]queued, 0, len(m.items))
	for _, q := range m.order[m.head:] {
		if m.live(q) {
			live = append(live, q)
		}
	}
	m.order, m.head = live, 0
}
