package reeval_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/ksnap/ksnap/reeval"
	rjson "github.com/ksnap/ksnap/render/json"
	rtext "github.com/ksnap/ksnap/render/text"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testV2 is v1 with one rule changed: J4 (a Job retrying within its
// backoffLimit) is ERROR instead of WARN. (The built-in v2 differs from v1
// in many rules; this one differs in exactly one.)
func testV2(t *testing.T) rules.RuleSet {
	t.Helper()
	j4, ok := rules.V1().Rule("J4")
	if !ok {
		t.Fatal("v1 has no J4")
	}
	j4.Level = model.LevelError
	rs, err := rules.V1().Derive("test-v2", "ksnap-rules/test-v2", j4)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func fixtureBundles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"scenarios", "realdata"} {
		es, err := bundle.List(filepath.Join("..", "fixtures", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			files = append(files, e.Path)
		}
	}
	return files
}

// TestRuleSetChangeGolden re-evaluates every fixture bundle under test-v2 and
// checks that exactly the verdicts J4 gives change, WARN -> ERROR, with the
// overall verdicts they raise, and nothing else; the output is a golden.
func TestRuleSetChangeGolden(t *testing.T) {
	files := fixtureBundles(t)
	var inputs []reeval.Input
	for _, f := range files {
		inputs = append(inputs, reeval.Input{Path: f})
	}
	v1 := pipeline.DefaultOptions()
	v1.RuleSet = rules.V1()
	newOpts := pipeline.DefaultOptions()
	newOpts.RuleSet = testV2(t)
	opts := reeval.Options{Base: v1, New: newOpts, Workers: 2}
	res, err := reeval.Run(context.Background(), inputs, opts)
	if err != nil {
		t.Fatal(err)
	}

	// The oracle: from the v1 records alone, the Jobs J4 fired on at WARN.
	var want []reeval.Change
	for _, f := range files {
		a, err := pipeline.Analyze(f, v1)
		if err != nil {
			t.Fatal(err)
		}
		r := a.Record
		var jobs []reeval.Change
		overall := r.OverallHealth
		for _, j := range r.Jobs {
			if slices.Contains(j.Rules, "J4") && j.Health == history.LevelWarn {
				jobs = append(jobs, reeval.Change{Bundle: r.Bundle, CapturedAt: r.Timestamp, Job: j.Name, Old: "WARN", New: "ERROR",
					OldRules: j.Rules, NewRules: j.Rules, OldRuleSet: r.Ruleset})
				overall = history.LevelError
			}
		}
		if overall != r.OverallHealth {
			want = append(want, reeval.Change{Bundle: r.Bundle, CapturedAt: r.Timestamp, Old: r.OverallHealth, New: overall,
				OldRules: []string{}, NewRules: []string{}, OldRuleSet: r.Ruleset})
		}
		want = append(want, jobs...)
	}
	if len(want) == 0 {
		t.Fatal("the fixtures hold no retrying Job: the test would prove nothing")
	}
	if !equalChanges(res.Changes, want) {
		t.Fatalf("changes =\n%+v\nwant\n%+v", res.Changes, want)
	}
	if res.Bundles != len(files) || len(res.Failed) != 0 || len(res.Records) != len(files) {
		t.Fatalf("bundles %d, failed %v, records %d; want %d, none, %d", res.Bundles, res.Failed, len(res.Records), len(files), len(files))
	}
	for _, r := range res.Records {
		if r.Ruleset != "ksnap-rules/test-v2" {
			t.Fatalf("new record %s under %q", r.Bundle, r.Ruleset)
		}
	}

	for _, format := range []string{"txt", "json"} {
		var buf bytes.Buffer
		if format == "txt" {
			err = rtext.Reevaluate(&buf, res)
		} else {
			err = rjson.Reevaluate(&buf, res)
		}
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "test-v2-j4-error."+format)
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		w, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), w) {
			t.Errorf("%s differs (go test ./reeval -update rewrites it):\n%s", golden, buf.Bytes())
		}
	}
}

// TestV1ToV2Golden pins what shipping the built-in v2 changes in the
// verdicts v1 gave every fixture bundle.
func TestV1ToV2Golden(t *testing.T) {
	var inputs []reeval.Input
	for _, f := range fixtureBundles(t) {
		inputs = append(inputs, reeval.Input{Path: f})
	}
	v1, v2 := pipeline.DefaultOptions(), pipeline.DefaultOptions()
	v1.RuleSet = rules.V1()
	var err error
	if v2.RuleSet, err = rules.Lookup("v2"); err != nil {
		t.Fatal(err)
	}
	res, err := reeval.Run(context.Background(), inputs, reeval.Options{Base: v1, New: v2})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rtext.Reevaluate(&buf, res); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "v1-to-v2.txt")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), w) {
		t.Errorf("%s differs (go test ./reeval -update rewrites it):\n%s", golden, buf.Bytes())
	}
}

func equalChanges(a, b []reeval.Change) bool {
	return slices.EqualFunc(a, b, func(x, y reeval.Change) bool {
		return x.Bundle == y.Bundle && x.CapturedAt == y.CapturedAt && x.Job == y.Job && x.Old == y.Old && x.New == y.New &&
			slices.Equal(x.OldRules, y.OldRules) && slices.Equal(x.NewRules, y.NewRules) && x.OldRuleSet == y.OldRuleSet
	})
}

// TestFromHistory: the old verdict is each bundle's latest record under
// another rule set, else under the new one; records under the new one mark
// the bundle current; lines of the old tool name no bundle.
func TestFromHistory(t *testing.T) {
	recs := []history.Record{
		{Bundle: "a.tar.zst", Ruleset: "ksnap-rules/1", OverallHealth: "OK"},
		{Bundle: ""},
		{Bundle: "b.tar.zst", Ruleset: "ksnap-rules/1", OverallHealth: "WARN"},
		{Bundle: "a.tar.zst", Ruleset: "ksnap-rules/1", OverallHealth: "ERROR"},
		{Bundle: "b.tar.zst", Ruleset: "ksnap-rules/2"},
		{Bundle: "c.tar.zst", Ruleset: "ksnap-rules/2", OverallHealth: "OK"},
	}
	p := reeval.FromHistory(recs, "bundles", "ksnap-rules/2")
	if len(p.Inputs) != 3 || p.Inputs[0].Path != filepath.Join("bundles", "a.tar.zst") || p.Inputs[0].Old.OverallHealth != "ERROR" ||
		p.Inputs[1].Path != filepath.Join("bundles", "b.tar.zst") || p.Inputs[1].Old.OverallHealth != "WARN" ||
		p.Inputs[2].Path != filepath.Join("bundles", "c.tar.zst") || p.Inputs[2].Old.Ruleset != "ksnap-rules/2" {
		t.Fatalf("inputs = %+v", p.Inputs)
	}
	if p.NoBundle != 1 || !p.Current["b.tar.zst"] || !p.Current["c.tar.zst"] || p.Current["a.tar.zst"] {
		t.Fatalf("NoBundle %d, Current %v", p.NoBundle, p.Current)
	}
}
