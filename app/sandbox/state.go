package sandbox

import (
	"context"
	"encoding/json"
	"net/http"

	"authdebug/app/ngi"
)

// The sandbox's records go through the Store as JSON. These read and write
// them by type.

// load reads a record; nil when there is none.
func load[T any](ctx context.Context, st Store, b bucket, key string) (*T, error) {
	data, err := st.Get(ctx, b, key)
	if err != nil || data == nil {
		return nil, err
	}
	return decode[T](data)
}

// take reads a record and deletes it, for one reader only.
func take[T any](ctx context.Context, st Store, b bucket, key string) (*T, error) {
	data, err := st.Take(ctx, b, key)
	if err != nil || data == nil {
		return nil, err
	}
	return decode[T](data)
}

func save(ctx context.Context, st Store, b bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return st.Put(ctx, b, key, data)
}

// modify changes a record in one step: change gets the record (nil when there
// is none) and returns what to store, or nil to store nothing. It may run
// more than once, so it decides from its argument alone.
func modify[T any](ctx context.Context, st Store, b bucket, key string, change func(*T) *T) error {
	var failed error
	err := st.Update(ctx, b, key, func(old []byte) []byte {
		var v *T
		if old != nil {
			if v, failed = decode[T](old); failed != nil {
				return nil
			}
		}
		v = change(v)
		if v == nil {
			return nil
		}
		data, err := json.Marshal(v)
		if err != nil {
			failed = err
			return nil
		}
		return data
	})
	if err != nil {
		return err
	}
	return failed
}

func decode[T any](data []byte) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	return v, nil
}

// storeTrouble is what a person is told when the store did not answer. The
// error itself is not shown (it names internal addresses); /readyz fails too.
const storeTrouble = "The sandbox's store (Redis) did not answer. Try again in a moment; if it lasts, the operator should check -sandbox-store and the metric authdebug_sandbox_store_up. NGI preprod and prod are not affected."

// storeFailed answers as Hydra does when its database is away.
func (s *Server) storeFailed(w http.ResponseWriter) {
	s.writeError(w, errorOf(http.StatusServiceUnavailable, ngi.ErrServerError, storeTrouble))
}

// storePageFailed is storeFailed for the pages a person sees.
func (s *Server) storePageFailed(w http.ResponseWriter) {
	s.errorPage(w, http.StatusServiceUnavailable, "The sandbox's store did not answer", storeTrouble, nil, "")
}
