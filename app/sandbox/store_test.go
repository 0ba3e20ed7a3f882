package sandbox

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"authdebug/app/sandbox/redistest"
)

// eachStore runs a test on the memory store and on a Redis store backed by a
// real redis-server. pass lets time go by: the memory store's clock moves,
// Redis is waited for.
func eachStore(t *testing.T, test func(t *testing.T, st Store, pass func(time.Duration))) {
	t.Run("memory", func(t *testing.T) {
		var mu sync.Mutex
		now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		test(t, NewMemoryStore(clock), func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() })
	})
	t.Run("redis", func(t *testing.T) {
		st, err := NewRedisStore(redistest.Start(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		test(t, st, time.Sleep)
	})
}

func TestStoreRecordsExpireAndAreCapped(t *testing.T) {
	eachStore(t, func(t *testing.T, st Store, pass func(time.Duration)) {
		ctx := context.Background()
		b := bucket{"test", 300 * time.Millisecond, 3}
		for i := range 5 {
			if err := st.Put(ctx, b, strconv.Itoa(i), []byte(fmt.Sprint("v", i))); err != nil {
				t.Fatal(err)
			}
		}
		for i, want := range []string{"", "", "v2", "v3", "v4"} {
			if got, err := st.Get(ctx, b, strconv.Itoa(i)); err != nil || string(got) != want {
				t.Errorf("record %d: %q %v, want %q (the oldest go past the cap)", i, got, err, want)
			}
		}
		st.Put(ctx, pendingRequests, "a", []byte("1"))
		st.Put(ctx, pendingRequests, "b", []byte("2"))
		if sizes, _ := st.Sizes(ctx); sizes[pendingRequests.name] != 2 || sizes[tokens.name] != 0 {
			t.Errorf("sizes: %v, want 2 pending requests", sizes)
		}
		// A record taken is no longer counted.
		st.Take(ctx, pendingRequests, "a")
		if sizes, _ := st.Sizes(ctx); sizes[pendingRequests.name] != 1 {
			t.Errorf("sizes after a take: %v, want 1 pending request", sizes)
		}
		pass(400 * time.Millisecond)
		if got, _ := st.Get(ctx, b, "4"); got != nil {
			t.Errorf("an expired record is still there: %q", got)
		}
	})
}

// Of many takers of one record exactly one gets it, and of many updaters
// none is lost: the two properties single use across replicas rests on.
func TestStoreTakeAndUpdateAreAtomic(t *testing.T) {
	eachStore(t, func(t *testing.T, st Store, _ func(time.Duration)) {
		ctx := context.Background()
		if err := st.Put(ctx, codes, "code", []byte("grant")); err != nil {
			t.Fatal(err)
		}
		var got atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				if v, err := st.Take(ctx, codes, "code"); err != nil {
					t.Error(err)
				} else if v != nil {
					got.Add(1)
				}
			})
		}
		wg.Wait()
		if got.Load() != 1 {
			t.Errorf("%d takers got the record, want 1", got.Load())
		}

		type counter struct{ N int }
		for range 16 {
			wg.Go(func() {
				err := modify(ctx, st, tokens, "counter", func(c *counter) *counter {
					if c == nil {
						c = &counter{}
					}
					c.N++
					return c
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if c, err := load[counter](ctx, st, tokens, "counter"); err != nil || c == nil || c.N != 16 {
			t.Errorf("after 16 updates: %+v %v", c, err)
		}
		// An update that stores nothing leaves the record as it was.
		modify(ctx, st, tokens, "counter", func(c *counter) *counter { return nil })
		if c, _ := load[counter](ctx, st, tokens, "counter"); c == nil || c.N != 16 {
			t.Errorf("after a no-op update: %+v", c)
		}
	})
}

func TestStoreFeedNumbersAndKeepsTheNewest(t *testing.T) {
	eachStore(t, func(t *testing.T, st Store, _ func(time.Duration)) {
		ctx := context.Background()
		if _, first, last, err := st.Feed(ctx, 0); err != nil || first != 1 || last != 0 {
			t.Errorf("an empty feed: first %d, last %d, %v", first, last, err)
		}
		for i := range MaxFeedEvents + 5 {
			if err := st.Append(ctx, []byte(fmt.Sprintf(`{"eventId":"e%d"}`, i+1))); err != nil {
				t.Fatal(err)
			}
		}
		events, first, last, err := st.Feed(ctx, MaxFeedEvents+3)
		if err != nil || first != 6 || last != MaxFeedEvents+5 {
			t.Fatalf("first %d, last %d, %v", first, last, err)
		}
		if len(events) != 3 || events[0].seq != MaxFeedEvents+3 || string(events[0].event) != fmt.Sprintf(`{"eventId":"e%d"}`, MaxFeedEvents+3) {
			t.Errorf("from %d: %d events, first %+v", MaxFeedEvents+3, len(events), events[0])
		}
		if events, _, _, _ := st.Feed(ctx, 0); len(events) != MaxFeedEvents || events[0].seq != 6 {
			t.Errorf("from 0: %d events from %d, want the newest %d", len(events), events[0].seq, MaxFeedEvents)
		}
	})
}

// onEachStore runs a sandbox test with its state in memory and in Redis.
func onEachStore(t *testing.T, test func(t *testing.T, ts *testSandbox)) {
	t.Run("memory", func(t *testing.T) { test(t, newTestSandbox(t)) })
	t.Run("redis", func(t *testing.T) {
		st, err := NewRedisStore(redistest.Start(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		test(t, newTestSandboxWith(t, Config{Store: st}))
	})
}

// What Redis holds after a code flow names no usable token: records are
// keyed by hashes, and a grant lists the hashes of what it issued.
func TestRedisHoldsNoToken(t *testing.T) {
	url := redistest.Start(t)
	st, err := NewRedisStore(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestSandboxWith(t, Config{Store: st})
	status, body := ts.tokenCall(t, bankAuth, codeForm(ts.code(t, nil)))
	access, _ := body["access_token"].(string)
	if status != 200 || access == "" {
		t.Fatalf("exchange: %d %v", status, body)
	}
	opts, _ := redis.ParseURL(url)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	secret := strings.SplitN(strings.TrimPrefix(access, "ory_at_"), ".", 2)[0]
	for _, k := range keys {
		v, _ := rdb.Get(ctx, k).Result() // the records are strings; the indexes hold only their keys
		if strings.Contains(k, secret) || strings.Contains(v, secret) {
			t.Errorf("Redis's %s holds the access token", k)
		}
	}
}
