package userrules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/analyze/userrules"
	"github.com/ksnap/ksnap/pipeline"
)

// TestRuleSetOnScenarios loads a rules file as a rule set over v1 and
// checks, on the real namespace capture, exactly the findings it adds and
// that the report names the file's hash.
func TestRuleSetOnScenarios(t *testing.T) {
	data, err := os.ReadFile("testdata/scenarios.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := userrules.Parse("testdata/scenarios.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := f.RuleSet(rules.V1())
	if err != nil {
		t.Fatal(err)
	}
	if want := "ksnap-rules/1+rules-sha256:" + f.SHA256; rs.Version() != want || rs.Name() != "v1+rules" {
		t.Fatalf("rule set %s %s, want v1+rules %s", rs.Name(), rs.Version(), want)
	}
	opts := pipeline.DefaultOptions()
	opts.RuleSet = rs
	a, err := pipeline.Analyze(filepath.Join("..", "..", "fixtures", "scenarios", "namespace.tar.zst"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if a.Report.RuleSet != rs.Version() || a.Record.Ruleset != rs.Version() {
		t.Fatalf("report names %q, record %q; want %q", a.Report.RuleSet, a.Record.Ruleset, rs.Version())
	}
	var got []string
	add := func(where string, fs []model.Finding) {
		for _, f := range fs {
			if strings.HasPrefix(f.Rule, "U") {
				got = append(got, where+" "+f.Level.String()+" "+f.Rule+" "+f.Message)
			}
		}
	}
	add("bundle", a.Report.Findings)
	for _, j := range a.Report.Jobs {
		add(j.Name, j.Findings)
		for _, p := range j.Pods {
			add(p.Name, p.Findings)
		}
	}
	want := []string{
		"bundle ERROR U5 no run of CronJob/nightly succeeded in the 26h0m0s before the capture (none captured) (scenarios.yaml expect[0])",
		"e2e-crashloop-zcjw6 WARN U3 pod e2e-crashloop-zcjw6 container main restarted 3 times, more than 2 (scenarios.yaml thresholds[0])",
		"e2e-pending-9t228 ERROR U1 pod e2e-pending-9t228: Warning event FailedScheduling (1×), raised by scenarios.yaml events[0]",
		"e2e-retrying ERROR U2 job e2e-retrying has run 32s, longer than 1s (scenarios.yaml thresholds[1])",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("user findings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPendingOnQuotaStuck: U4 on the real capture of a Job that v2 judges
// PENDING (started, no pod: quota exceeded).
func TestPendingOnQuotaStuck(t *testing.T) {
	f, err := userrules.Parse("q.yaml", []byte("version: 1\nthresholds:\n- owner: Job/e2e-quota-stuck\n  pendingAfter: 1s\n  level: ERROR\n"))
	if err != nil {
		t.Fatal(err)
	}
	v2, err := rules.Lookup("v2")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := f.RuleSet(v2)
	if err != nil {
		t.Fatal(err)
	}
	opts := pipeline.DefaultOptions()
	opts.RuleSet = rs
	a, err := pipeline.Analyze(filepath.Join("..", "..", "fixtures", "scenarios", "quota-stuck.tar.zst"), opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range a.Report.Jobs {
		for _, f := range j.Findings {
			if f.Rule == userrules.CodePending {
				got = append(got, j.Phase.String()+" "+f.Level.String()+" "+f.Message)
			}
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "PENDING ERROR job e2e-quota-stuck has been pending ") || !strings.HasSuffix(got[0], ", at least 1s (q.yaml thresholds[0])") {
		t.Fatalf("U4 findings = %q", got)
	}
	if a.Report.Verdict != model.LevelError {
		t.Fatalf("verdict %s, want ERROR", a.Report.Verdict)
	}
}
