package analyze

import (
	"io/fs"
	"reflect"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/fixtures"
)

// TestSecondRuleSet proves the registry is what Evaluate judges by: a
// test-only v2 that differs from v1 in one rule (J4, retrying, at ERROR
// instead of WARN) changes exactly that finding, and what follows from it
// (the Job's health, the counts, the verdict), on a recorded retrying Job.
func TestSecondRuleSet(t *testing.T) {
	j4, ok := rules.V1().Rule("J4")
	if !ok {
		t.Fatal("v1 has no J4")
	}
	j4.Level = model.LevelError
	v2, err := rules.V1().Derive("v2", "ksnap-rules/2-test", j4)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := rules.NewRegistry(rules.V1(), v2)
	if err != nil {
		t.Fatal(err)
	}
	data, err := fs.ReadFile(fixtures.FS, "scenarios/retrying.tar.zst")
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Decode("retrying.tar.zst", data)
	if err != nil {
		t.Fatal(err)
	}
	eval := func(name string) *Report {
		t.Helper()
		rs, err := reg.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Evaluate(FromBundle(b), rs, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	want := eval("v1")
	got := eval("v2")

	// v1 judges the Job WARN through J4 alone; v2 must differ only there.
	if len(want.Jobs) != 1 || !reflect.DeepEqual(ruleLevels(want.Jobs[0].Findings), []rl{{"J4", model.LevelWarn}}) {
		t.Fatalf("fixture changed: v1 job findings %v", ruleLevels(want.Jobs[0].Findings))
	}
	want.RuleSet = "ksnap-rules/2-test"
	want.Jobs[0].Findings[0].Level = model.LevelError
	want.Jobs[0].Health = model.LevelError
	// The cause follows the level: J4 is now the only ERROR finding.
	want.Jobs[0].Cause = &Cause{Rule: "J4", Level: model.LevelError, Message: want.Jobs[0].Findings[0].Message, Since: "2026-11-23T09:25:44Z", Age: "28s"}
	want.Counts.JobsWarn, want.Counts.JobsError = 0, 1
	want.Verdict = model.LevelError
	if !reflect.DeepEqual(got, want) {
		t.Errorf("v2 report differs from v1 beyond J4:\n got %+v\nwant %+v", got, want)
	}
}

func TestEvaluateNoRuleSet(t *testing.T) {
	_, err := Evaluate(src(t, nil), rules.RuleSet{}, DefaultOptions())
	if err == nil || err.Error() != "no rule set given" {
		t.Errorf("err = %v, want %q", err, "no rule set given")
	}
}
