package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisStore keeps the sandbox's state in Redis or Valkey, for replicas that
// share it. Records expire by Redis's own clock; each bucket has an index (a
// sorted set by time put) that caps it as memory does. Keys are hashed, so
// that no code or token is readable in Redis's keyspace or its MONITOR.
type redisStore struct {
	rdb    *redis.Client
	prefix string
}

// NewRedisStore keeps the state at a redis://, rediss:// or unix:// URL. It
// connects when first used: Ping tells whether the server answers. go-redis's
// own messages (a pool that cannot dial) go to log as warnings; nil drops them.
func NewRedisStore(rawURL string, log *slog.Logger) (Store, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	redis.SetLogger(redisLog{log})
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 2*time.Second, 2*time.Second, 2*time.Second
	return &redisStore{rdb: redis.NewClient(opts), prefix: "authdebug:sandbox:"}, nil
}

// redisLog writes go-redis's messages as structured warnings.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	if l.log != nil {
		l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
	}
}

func (s *redisStore) key(b bucket, key string) string { return s.prefix + b.name + ":" + hashed(key) }

// hashed is what Redis knows a key by: no code or token is readable there.
func hashed(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

func (s *redisStore) index(b bucket) string { return s.prefix + b.name }

// putScript stores a record with its expiry and keeps the bucket's index:
// past the cap it drops the oldest entries, with their records (an expired
// entry is among the oldest; Sizes counts only the live ones). An entry's
// score is Redis's time in milliseconds times 1024 plus a counter, so that
// records put in the same millisecond keep their order.
var putScript = redis.NewScript(`
local ttl, cap = tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = now * 1024 + redis.call('INCR', KEYS[3]) % 1024
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZADD', KEYS[2], score, KEYS[1])
local over = redis.call('ZCARD', KEYS[2]) - cap
if over > 0 then
  local old = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #old, 2 do redis.call('DEL', old[i]) end
end
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return 1`)

func (s *redisStore) putKeys(b bucket, key string) []string {
	return []string{s.key(b, key), s.index(b), s.index(b) + ":seq"}
}

func (s *redisStore) putArgs(b bucket, value []byte) []any {
	return []any{value, b.ttl.Milliseconds(), b.max}
}

func (s *redisStore) Put(ctx context.Context, b bucket, key string, value []byte) error {
	return putScript.Run(ctx, s.rdb, s.putKeys(b, key), s.putArgs(b, value)...).Err()
}

func (s *redisStore) Get(ctx context.Context, b bucket, key string) ([]byte, error) {
	v, err := s.rdb.Get(ctx, s.key(b, key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return v, err
}

func (s *redisStore) Take(ctx context.Context, b bucket, key string) ([]byte, error) {
	k := s.key(b, key)
	var got *redis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		got = p.GetDel(ctx, k)
		p.ZRem(ctx, s.index(b), k)
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return got.Bytes()
}

// Update reads under WATCH and writes in MULTI: when another replica wrote
// the record in between, Redis refuses the write and change runs again.
func (s *redisStore) Update(ctx context.Context, b bucket, key string, change func([]byte) []byte) error {
	k := s.key(b, key)
	update := func(tx *redis.Tx) error {
		old, err := tx.Get(ctx, k).Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		v := change(old)
		if v == nil {
			return nil
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			if old != nil {
				p.SetArgs(ctx, k, v, redis.SetArgs{KeepTTL: true})
				return nil
			}
			// Eval, not EvalSha: a Redis that restarted has no script cached.
			return putScript.Eval(ctx, p, s.putKeys(b, key), s.putArgs(b, v)...).Err()
		})
		return err
	}
	for range 20 {
		err := s.rdb.Watch(ctx, update, k)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return errors.New("the record kept changing under 20 tries")
}

// appendScript numbers an event one past the last and keeps the newest.
var appendScript = redis.NewScript(`
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
return seq`)

func (s *redisStore) feedKeys() []string { return []string{s.prefix + "feed", s.prefix + "feed_seq"} }

func (s *redisStore) Append(ctx context.Context, event []byte) error {
	return appendScript.Run(ctx, s.rdb, s.feedKeys(), event, MaxFeedEvents).Err()
}

func (s *redisStore) Feed(ctx context.Context, from int64) ([]numbered, int64, int64, error) {
	keys := s.feedKeys()
	var events, oldest *redis.ZSliceCmd
	var last *redis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		events = p.ZRangeByScoreWithScores(ctx, keys[0], &redis.ZRangeBy{Min: strconv.FormatInt(from, 10), Max: "+inf"})
		oldest = p.ZRangeWithScores(ctx, keys[0], 0, 0)
		last = p.Get(ctx, keys[1])
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, 0, err
	}
	n, _ := last.Int64() // redis.Nil before the first event: 0
	first := n + 1
	if o := oldest.Val(); len(o) > 0 {
		first = int64(o[0].Score)
	}
	var result []numbered
	for _, z := range events.Val() {
		result = append(result, numbered{int64(z.Score), []byte(z.Member.(string))})
	}
	return result, first, n, nil
}

func (s *redisStore) Sizes(ctx context.Context) (map[string]int, error) {
	cmds := map[string]*redis.IntCmd{}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, b := range buckets {
			cmds[b.name] = p.ZCount(ctx, s.index(b), strconv.FormatInt(time.Now().Add(-b.ttl).UnixMilli()*1024, 10), "+inf")
		}
		cmds["feed_events"] = p.ZCard(ctx, s.feedKeys()[0])
		return nil
	})
	if err != nil {
		return nil, err
	}
	sizes := map[string]int{}
	for name, c := range cmds {
		sizes[name] = int(c.Val())
	}
	return sizes, nil
}

func (s *redisStore) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

// countScript counts one event in a key's window, opening the window (its
// expiry) on the first.
var countScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

func (s *redisStore) counterKey(key string) string { return s.prefix + "count:" + hashed(key) }

// Add counts one event in key's window, shared by the replicas (it makes the
// store a guard.Counter: failed client authentications, sign-outs).
func (s *redisStore) Add(ctx context.Context, key string, window time.Duration) (int64, error) {
	return countScript.Run(ctx, s.rdb, []string{s.counterKey(key)}, window.Milliseconds()).Int64()
}

// Count returns key's count in its window.
func (s *redisStore) Count(ctx context.Context, key string) (int64, error) {
	n, err := s.rdb.Get(ctx, s.counterKey(key)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
