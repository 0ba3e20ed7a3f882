// Package flow holds the OAuth logic of the tool, pure: building authorize
// requests, reading callbacks, comparing redirect URIs, and the token
// request's wire format. The page and the sandbox both use it, so each rule of
// NGI's is written once.
package flow

// Level says how serious a finding is.
type Level string

// The levels of a finding.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelInfo    Level = "info"
)

// Finding is one observation about a request or a response, in plain words.
type Finding struct {
	Level   Level  `json:"level"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Level == LevelError {
			return true
		}
	}
	return false
}

func errorf(field, msg string) Finding   { return Finding{LevelError, field, msg} }
func warningf(field, msg string) Finding { return Finding{LevelWarning, field, msg} }
func infof(field, msg string) Finding    { return Finding{LevelInfo, field, msg} }
