package junit

import (
	"bytes"
	"testing"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
)

// TestReports checks the level mapping on one small report: ERROR is a
// failure, UNKNOWN an error, WARN passes with its findings on system-out,
// OK findings are left out, and a job's case carries its pods' findings.
func TestReports(t *testing.T) {
	t.Parallel()
	f := func(rule string, l model.Level, msg string) model.Finding {
		return model.Finding{Rule: rule, Level: l, Message: msg}
	}
	rep := &analyze.Report{
		RuleSet: "v1", Bundle: analyze.Bundle{File: "b.tar.zst", SHA256: "ab"}, CapturedAt: "2025-11-16T10:00:00Z",
		Namespace: "ns", Selector: "app=x", Verdict: model.LevelUnknown,
		Findings: []model.Finding{f("O1", model.LevelUnknown, "pods not captured"), f("O2", model.LevelOK, "fine")},
		Jobs: []analyze.JobResult{
			{Name: "bad", Namespace: "ns", Health: model.LevelError, Findings: []model.Finding{f("J1", model.LevelError, "bad failed <&>")},
				Pods: []analyze.PodResult{{Findings: []model.Finding{f("P8", model.LevelWarn, "restarted")}}}},
			{Name: "slow", Namespace: "ns", Health: model.LevelWarn, Findings: []model.Finding{f("J5", model.LevelWarn, "slow")}},
			{Name: "good", Namespace: "ns", Health: model.LevelOK},
		},
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="ksnap analyze" tests="4" failures="1" errors="1">
  <testsuite name="b.tar.zst" tests="4" failures="1" errors="1" timestamp="2025-11-16T10:00:00Z">
    <properties>
      <property name="namespace" value="ns"></property>
      <property name="selector" value="app=x"></property>
      <property name="sha256" value="ab"></property>
      <property name="rule_set" value="v1"></property>
      <property name="verdict" value="UNKNOWN"></property>
    </properties>
    <testcase classname="bundle" name="b.tar.zst">
      <error type="UNKNOWN" message="O1 pods not captured"><![CDATA[UNKNOWN O1 pods not captured]]></error>
    </testcase>
    <testcase classname="job" name="ns/bad">
      <failure type="ERROR" message="J1 bad failed &lt;&amp;&gt;"><![CDATA[ERROR J1 bad failed <&>
WARN P8 restarted]]></failure>
    </testcase>
    <testcase classname="job" name="ns/slow">
      <system-out><![CDATA[WARN J5 slow]]></system-out>
    </testcase>
    <testcase classname="job" name="ns/good"></testcase>
  </testsuite>
</testsuites>
`
	var got bytes.Buffer
	if err := Reports(&got, rep); err != nil {
		t.Fatal(err)
	}
	if got.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", got.String(), want)
	}
}
