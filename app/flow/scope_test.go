package flow

import (
	"strings"
	"testing"
)

func TestParseScopeRules(t *testing.T) {
	tests := []struct {
		scope    string
		levels   string // the findings' levels, in order
		contains string // a phrase of the first finding
		echo     string
		granted  int
	}{
		{"debt.unsecured.presentation", "", "", "debt.unsecured.presentation", 0},
		{"debt.unsecured.processing openid", "", "", "debt.unsecured.processing openid", 0},
		{"debt.unsecured.presentation.100 openid", "", "", "debt.unsecured.presentation openid", 100},
		{"debt.unsecured.presentation.365", "", "", "debt.unsecured.presentation", 365},
		{"debt.unsecured.presentation.400", "warning", "clamps it to 365 days", "debt.unsecured.presentation", 365},
		{"debt.unsecured.processing.29", "warning", "clamps it to 28 days", "debt.unsecured.processing", 28},
		{"openid debt.unsecured.presentation", "error", "openid must be the last scope", "debt.unsecured.presentation openid", 0},
		{"debt.unsecured.presentation debt.unsecured.processing", "error", "2 debt scopes", "", 0},
		{"openid", "error", "No debt scope", "", 0},
		{"", "error", "The scope is empty", "", 0},
		{"debt.unsecured.presentation.0", "error", "not a positive whole number", "debt.unsecured.presentation", 0},
		{"debt.unsecured.presentation.-5", "error", "not a positive whole number", "debt.unsecured.presentation", 0},
		{"debt.unsecured.presentation.1.5", "error", "not a positive whole number", "debt.unsecured.presentation", 0},
		{"debt.unsecured.presentation.007", "error", "not a positive whole number", "debt.unsecured.presentation", 0},
		{"debt.unsecured.presentation.ten", "error", "not a positive whole number", "debt.unsecured.presentation", 0},
		{"debt.unsecured.presentation profile", "error", "not one of NGI's authorize scopes", "debt.unsecured.presentation", 0},
		{"debt.unsecured.presentation openid openid", "error,error", "openid must be the last", "debt.unsecured.presentation openid", 0},
		{"debt.unsecured.presentation  openid", "warning", "exactly one space", "debt.unsecured.presentation openid", 0},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			s := ParseScope(tt.scope)
			var levels []string
			for _, f := range s.Findings {
				levels = append(levels, string(f.Level))
			}
			if got := strings.Join(levels, ","); got != tt.levels {
				t.Fatalf("levels = %q, want %q (%v)", got, tt.levels, s.Findings)
			}
			if tt.contains != "" && !strings.Contains(s.Findings[0].Message, tt.contains) {
				t.Errorf("finding %q lacks %q", s.Findings[0].Message, tt.contains)
			}
			if s.Echo() != tt.echo || s.Granted != tt.granted {
				t.Errorf("echo %q granted %d, want %q %d", s.Echo(), s.Granted, tt.echo, tt.granted)
			}
		})
	}
}

func TestBuildScopePutsOpenIDLast(t *testing.T) {
	if got := BuildScope("debt.unsecured.processing", " 14 ", true); got != "debt.unsecured.processing.14 openid" {
		t.Fatalf("BuildScope = %q", got)
	}
	if got := BuildScope("debt.unsecured.presentation", "", false); got != "debt.unsecured.presentation" {
		t.Fatalf("BuildScope = %q", got)
	}
}

func TestCompareScopeKnowsNGIDropsDays(t *testing.T) {
	tests := []struct {
		asked, echoed string
		level         Level
		contains      string
	}{
		{"debt.unsecured.presentation.100", "debt.unsecured.presentation", LevelInfo, "drops the day count"},
		{"debt.unsecured.presentation openid", "debt.unsecured.presentation openid", LevelInfo, "as asked"},
		{"debt.unsecured.presentation openid", "debt.unsecured.presentation", LevelWarning, "expected"},
		{"debt.unsecured.processing", "", LevelWarning, "No scope came back"},
		{"openid", "openid", LevelInfo, "not valid"},
		{"", "debt.unsecured.presentation", LevelInfo, "not known"},
	}
	for _, tt := range tests {
		f := CompareScope(tt.asked, tt.echoed)
		if f.Level != tt.level || !strings.Contains(f.Message, tt.contains) {
			t.Errorf("CompareScope(%q, %q) = %v", tt.asked, tt.echoed, f)
		}
	}
}
