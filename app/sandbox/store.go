package sandbox

import (
	"context"
	"slices"
	"sync"
	"time"
)

// expiring is a map whose entries live a fixed time and whose size is
// capped. Entries leave in the order they came (the oldest first, when full),
// so no call walks the whole map. It is not safe for concurrent use: the
// memoryStore's mutex guards it.
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

// replace changes a live entry's value, keeping its age and place.
func (m *expiring[V]) replace(key string, v V) {
	it := m.items[key]
	it.v = v
	m.items[key] = it
}

// bucket is one kind of record the sandbox keeps: how long a record lives
// and how many are kept at most (past that the oldest goes first).
type bucket struct {
	name string
	ttl  time.Duration
	max  int
}

// What the sandbox keeps.
var (
	pendingRequests = bucket{"pending_requests", RequestLifetime, MaxPendingRequests} // consent pages waiting for a decision
	codes           = bucket{"codes", RequestLifetime, MaxCodes}
	tokens          = bucket{"tokens", TokenLifetime, MaxTokens}
	consents        = bucket{"consents", consentKeep, MaxConsents}
	clientConsents  = bucket{"client_consents", consentKeep, MaxConsents} // client + client_consent_id → the consent
	buckets         = []bucket{pendingRequests, codes, tokens, consents, clientConsents, scenarios}
)

// Store keeps the sandbox's state as JSON records, so that replicas can share
// it (in Redis) or one process can keep it in memory. Every method is one
// step no other writer interleaves with.
type Store interface {
	Put(ctx context.Context, b bucket, key string, value []byte) error
	// Get returns nil when there is no live record.
	Get(ctx context.Context, b bucket, key string) ([]byte, error)
	// Take returns a live record and deletes it: of two takers, one gets it.
	Take(ctx context.Context, b bucket, key string) ([]byte, error)
	// Update passes the live record (nil if none) to change and stores what
	// change returns, keeping the record's expiry; nil stores nothing. change
	// may run more than once (Redis retries when another writer came first).
	Update(ctx context.Context, b bucket, key string, change func(old []byte) []byte) error
	// Append adds an event to the consent feed, numbered one past the last,
	// keeping the newest MaxFeedEvents.
	Append(ctx context.Context, event []byte) error
	// Feed returns the events numbered from on, with the first and last
	// number the feed holds (last is 0 before the first event).
	Feed(ctx context.Context, from int64) (events []numbered, first, last int64, err error)
	// Sizes counts the live records of each bucket and the feed's events.
	Sizes(ctx context.Context) (map[string]int, error)
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
}

// numbered is a feed event and its sequence number.
type numbered struct {
	seq   int64
	event []byte
}

// memoryStore is the Store of a single process.
type memoryStore struct {
	now func() time.Time

	mu          sync.Mutex
	records     map[string]*expiring[[]byte]
	feed        []numbered
	first, last int64
}

// NewMemoryStore keeps the sandbox's state in this process.
func NewMemoryStore(now func() time.Time) Store {
	if now == nil {
		now = time.Now
	}
	m := &memoryStore{now: now, records: map[string]*expiring[[]byte]{}, first: 1}
	for _, b := range buckets {
		m.of(b)
	}
	return m
}

// of is a bucket's map; m.mu is held.
func (m *memoryStore) of(b bucket) *expiring[[]byte] {
	r, ok := m.records[b.name]
	if !ok {
		r = newExpiring[[]byte](b.ttl, b.max)
		m.records[b.name] = r
	}
	return r
}

func (m *memoryStore) Put(_ context.Context, b bucket, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.of(b).put(m.now(), key, value)
	return nil
}

func (m *memoryStore) Get(_ context.Context, b bucket, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, _ := m.of(b).get(m.now(), key)
	return v, nil
}

func (m *memoryStore) Take(_ context.Context, b bucket, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, _ := m.of(b).take(m.now(), key)
	return v, nil
}

func (m *memoryStore) Update(_ context.Context, b bucket, key string, change func([]byte) []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now, r := m.now(), m.of(b)
	old, live := r.get(now, key)
	v := change(old)
	switch {
	case v == nil:
	case live:
		r.replace(key, v)
	default:
		r.put(now, key, v)
	}
	return nil
}

func (m *memoryStore) Append(_ context.Context, event []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last++
	m.feed = append(m.feed, numbered{m.last, event})
	if len(m.feed) > MaxFeedEvents {
		m.feed = slices.Clone(m.feed[len(m.feed)-MaxFeedEvents:])
		m.first = m.feed[0].seq
	}
	return nil
}

func (m *memoryStore) Feed(_ context.Context, from int64) ([]numbered, int64, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	start := min(max(from, m.first)-m.first, int64(len(m.feed)))
	return slices.Clone(m.feed[start:]), m.first, m.last, nil
}

func (m *memoryStore) Sizes(context.Context) (map[string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sizes := map[string]int{"feed_events": len(m.feed)}
	for name, r := range m.records {
		r.expire(m.now())
		sizes[name] = r.len()
	}
	return sizes, nil
}

func (m *memoryStore) Ping(context.Context) error { return nil }
