package pipeline

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/history"
)

func TestSettingsRoundTrip(t *testing.T) {
	t.Parallel()
	v1, err := rules.Lookup("v1")
	if err != nil {
		t.Fatal(err)
	}
	loaded := 0
	load := func(path string, base rules.RuleSet) (rules.RuleSet, error) {
		loaded++
		if path != "r.yaml" || base.Name() != "v1" {
			t.Errorf("load(%q, %s)", path, base.Name())
		}
		return base, nil
	}
	tests := []struct {
		name string
		edit func(*Options)
		want []history.Option
	}{
		{name: "defaults", edit: func(*Options) {}},
		{name: "report shape only", edit: func(o *Options) { o.Analyze.LogLines = 0 }},
		{name: "every setting", edit: func(o *Options) {
			a := &o.Analyze
			a.AllowEmpty, a.Expect, a.IncludeBarePods, a.MaxRuntime, a.PendingAfter = true, []string{"a", "b"}, true, 2*time.Hour, time.Minute
			a.RestartWarn, a.TreatUnknownAsError, a.WarnOnPending = 3, false, false
			o.RuleSet, o.BaseRuleSet, o.RulesFile = v1, "v1", "r.yaml"
		}, want: []history.Option{{Key: "allow_empty", Value: "true"}, {Key: "expect", Value: "a,b"}, {Key: "include_bare_pods", Value: "true"}, {Key: "max_runtime", Value: "2h0m0s"},
			{Key: "pending_after", Value: "1m0s"}, {Key: "restart_warn", Value: "3"}, {Key: "rules", Value: "r.yaml"}, {Key: "ruleset", Value: "v1"}, {Key: "treat_unknown_as_error", Value: "false"}, {Key: "warn_on_pending", Value: "false"}}},
		{name: "the rule set by itself", edit: func(o *Options) { o.RuleSet = v1 }, want: []history.Option{{Key: "ruleset", Value: "v1"}}},
	}
	for _, tc := range tests {
		o := DefaultOptions()
		tc.edit(&o)
		got := o.Settings()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Settings = %v, want %v", tc.name, got, tc.want)
			continue
		}
		back, err := ApplySettings(SettingsMap(got), load)
		if err != nil {
			t.Errorf("%s: ApplySettings: %v", tc.name, err)
			continue
		}
		if again := back.Settings(); !reflect.DeepEqual(again, got) {
			t.Errorf("%s: round trip = %v, want %v", tc.name, again, got)
		}
		if back.RuleSet.Version() != o.ruleSet().Version() {
			t.Errorf("%s: rule set %s, want %s", tc.name, back.RuleSet.Version(), o.ruleSet().Version())
		}
	}
	if loaded != 1 {
		t.Errorf("rules file loaded %d times, want 1", loaded)
	}
}

func TestApplySettingsErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []map[string]string{
		{"nope": "1"},
		{"max_runtime": "2 hours"},
		{"max_runtime": "0s"},
		{"restart_warn": "x"},
		{"allow_empty": "yes please"},
		{"ruleset": "v0"},
		{"rules": "r.yaml"}, // no loader
		{"expect": "a,,b"},
	} {
		if _, err := ApplySettings(s, nil); !errors.Is(err, ErrSetting) {
			t.Errorf("ApplySettings(%v) = %v, want an ErrSetting", s, err)
		}
	}
}
