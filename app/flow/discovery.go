package flow

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"authdebug/app/ngi"
)

// DiscoveryCheck compares one field of a discovery document with the profile.
type DiscoveryCheck struct {
	Field   string
	Want    string
	Got     string
	OK      bool
	Message string
}

// CheckDiscovery compares a discovery document with what NGI's profile
// expects of the environment, naming each difference.
func CheckDiscovery(body []byte, env ngi.Environment) ([]DiscoveryCheck, error) {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("the discovery document is not a JSON object: %v", err)
	}
	var out []DiscoveryCheck
	for _, x := range ngi.Expectations(env) {
		c := DiscoveryCheck{Field: x.Field, Want: strings.Join(x.Want, ", ")}
		v, present := doc[x.Field]
		switch {
		case !present:
			c.Message = "missing"
		case x.List:
			got := stringList(v)
			c.Got = strings.Join(got, ", ")
			missing, extra := setDiff(x.Want, got), setDiff(got, x.Want)
			c.OK = len(missing) == 0 && len(extra) == 0
			switch {
			case c.OK:
				c.Message = "as expected"
			case len(missing) > 0 && len(extra) > 0:
				c.Message = "lacks " + strings.Join(missing, ", ") + "; has also " + strings.Join(extra, ", ")
			case len(missing) > 0:
				c.Message = "lacks " + strings.Join(missing, ", ")
			default:
				c.Message = "has also " + strings.Join(extra, ", ")
			}
		default:
			c.Got = fmt.Sprint(v)
			c.OK = c.Got == x.Want[0]
			c.Message = "as expected"
			if !c.OK {
				c.Message = "differs"
				if strings.TrimSuffix(c.Got, "/") == strings.TrimSuffix(x.Want[0], "/") {
					c.Message = "differs by the trailing slash"
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func setDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
