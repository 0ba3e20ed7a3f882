package check

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
)

// Snapshot is the last known copy of an environment's metadata: its
// discovery document and its key ids. A provider's change shows as drift.
type Snapshot struct {
	Path      string         `json:"-"`
	Discovery map[string]any `json:"discovery"`
	KeyIDs    []string       `json:"key_ids"`
}

// LoadSnapshot reads the snapshot file; a missing file is an empty snapshot.
func LoadSnapshot(path string) (*Snapshot, error) {
	s := &Snapshot{Path: path}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the snapshot %s: %v", path, err)
	}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("the snapshot %s is not one authdebug wrote: %v", path, err)
	}
	return s, nil
}

// Take makes a snapshot of what the environment serves now.
func Take(path, discovery, jwks string) *Snapshot {
	s := &Snapshot{Path: path, KeyIDs: keyIDs(jwks)}
	json.Unmarshal([]byte(discovery), &s.Discovery)
	return s
}

// Write saves the snapshot (no secret is in it: public metadata only).
func (s *Snapshot) Write() error {
	b, _ := json.MarshalIndent(s, "", "  ")
	return os.WriteFile(s.Path, append(b, '\n'), 0o644)
}

func keyIDs(jwks string) []string {
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	json.Unmarshal([]byte(jwks), &set)
	var ids []string
	for _, k := range set.Keys {
		ids = append(ids, k.Kid)
	}
	sort.Strings(ids)
	return ids
}

// Compare is the drift of what is served now from the snapshot: a changed
// discovery field is a failure; rotated keys a warning (NGI rotates keys,
// and a client that fetches the JWKS by kid follows).
func (s *Snapshot) Compare(discovery, jwks string) []Result {
	const ref = "drift: the last known copy in "
	if s.Discovery == nil && s.KeyIDs == nil {
		return []Result{{ID: "snapshot.present", Group: "snapshot", Title: "A snapshot to compare with", Outcome: Skip, Severity: "warning",
			Ref: ref + s.Path, Message: "No snapshot yet: run with -update-snapshot to write " + s.Path + "."}}
	}
	var now map[string]any
	json.Unmarshal([]byte(discovery), &now)
	var changed []string
	for _, k := range unionKeys(s.Discovery, now) {
		was, _ := json.Marshal(s.Discovery[k])
		is, _ := json.Marshal(now[k])
		if string(was) != string(is) {
			changed = append(changed, fmt.Sprintf("%s: %s → %s", k, was, is))
		}
	}
	out := []Result{{ID: "snapshot.discovery", Group: "snapshot", Title: "The discovery document is as last known", Outcome: Pass, Severity: "error", Ref: ref + s.Path, Message: "unchanged"}}
	if len(changed) > 0 {
		out[0].Outcome, out[0].Message = Fail, "changed: "+strings.Join(changed, "; ")
	}
	ids := keyIDs(jwks)
	keys := Result{ID: "snapshot.keys", Group: "snapshot", Title: "The key ids are as last known", Outcome: Pass, Severity: "warning", Ref: ref + s.Path, Message: "kids: " + strings.Join(ids, ", ")}
	if !slices.Equal(ids, s.KeyIDs) {
		keys.Outcome, keys.Message = Warn, fmt.Sprintf("rotated: were %s, are %s", strings.Join(s.KeyIDs, ", "), strings.Join(ids, ", "))
	}
	return append(out, keys)
}

func unionKeys(a, b map[string]any) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
