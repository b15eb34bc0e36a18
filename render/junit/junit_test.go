package junit_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/render/junit"
	"github.com/ksnap/ksnap/render/junit/junittest"
)

func finding(rule string, l model.Level, msg string) model.Finding {
	return model.Finding{Rule: rule, Level: l, Message: msg}
}

// testReport is one small report with a failing, a warning and an OK Job,
// a failing bare pod and a bundle-level UNKNOWN.
func testReport() *analyze.Report {
	return &analyze.Report{
		RuleSet: "v1", Bundle: analyze.Bundle{File: "b.tar.zst", SHA256: "ab"}, CapturedAt: "2025-11-16T10:00:00Z",
		Namespace: "ns", Selector: "app=x", Verdict: model.LevelUnknown,
		Findings: []model.Finding{finding("O1", model.LevelUnknown, "pods not captured"), finding("O2", model.LevelOK, "fine")},
		Jobs: []analyze.JobResult{
			{Name: "bad", Namespace: "ns", Owner: "CronJob/nightly", Health: model.LevelError, Phase: model.PhaseFailed,
				StartTime: "2025-11-16T09:00:00Z",
				Cause:     &analyze.Cause{Rule: "P8", Level: model.LevelError, Message: "pod p container c terminated Error (exit 1)", Detail: "no such file", Since: "2025-11-16T09:01:30Z", Age: "58m30s"},
				Findings:  []model.Finding{finding("J1", model.LevelError, "bad failed <&>")},
				Pods: []analyze.PodResult{{Name: "p", Findings: []model.Finding{finding("P8", model.LevelError, "pod p container c terminated Error (exit 1)")},
					LogTails: []analyze.LogTail{
						{Container: "c", Member: "logs/p/c.log", Status: "ok", Captured: 30, Lines: []string{"boom ]]> \x1b[31m"}},
						{Container: "c", Previous: true, Member: "logs/p/c.previous.log", Status: "failed", Note: "exit 1"},
					}}}},
			{Name: "slow", Namespace: "ns", Health: model.LevelWarn, StartTime: "2025-11-16T09:59:00Z",
				Findings: []model.Finding{finding("J6", model.LevelWarn, "slow")}},
			{Name: "good", Namespace: "ns", Health: model.LevelOK, StartTime: "2025-11-16T09:00:00Z", CompletionTime: "2025-11-16T09:00:12Z"},
		},
		BarePods: []analyze.PodResult{{Name: "lone", Namespace: "ns", Owner: "ReplicaSet/rs", Health: model.LevelError, StartTime: "2025-11-16T09:59:58Z",
			Findings: []model.Finding{finding("P3", model.LevelError, "crash")}}},
	}
}

// TestWrite checks the whole document for the level mapping (ERROR a
// failure with the cause as message, UNKNOWN an error, WARN passing with
// its findings on system-out, OK findings left out), classnames from
// namespace and owner, times, log tails on system-out, and an unreadable
// bundle as an error testcase; with Strict, WARN is a failure.
func TestWrite(t *testing.T) {
	t.Parallel()
	entries := []junit.Entry{{Path: "b.tar.zst", Report: testReport()}, {Path: "dir/broken.tar.zst", Err: errors.New("dir/broken.tar.zst: member jobs.json: sha256 mismatch")}}
	head := `<?xml version="1.0" encoding="UTF-8"?>
`
	suite := `    <properties>
      <property name="namespace" value="ns"></property>
      <property name="selector" value="app=x"></property>
      <property name="sha256" value="ab"></property>
      <property name="rule_set" value="v1"></property>
      <property name="verdict" value="UNKNOWN"></property>
    </properties>
    <testcase classname="bundle" name="b.tar.zst" time="0.000">
      <error type="UNKNOWN" message="O1 pods not captured"><![CDATA[UNKNOWN O1 pods not captured]]></error>
    </testcase>
    <testcase classname="ns/CronJob/nightly" name="Job/bad" time="90.000">
      <failure type="ERROR" message="P8 pod p container c terminated Error (exit 1): no such file (58m30s before capture)"><![CDATA[ERROR J1 bad failed <&>
ERROR P8 pod p container c terminated Error (exit 1)]]></failure>
      <system-out><![CDATA[log of pod p container c: last 1 of 30 lines (all: ksnap bundle cat b.tar.zst logs/p/c.log)
| boom ]]]]><![CDATA[> \x1b[31m
previous log of pod p container c: not captured (failed: exit 1)]]></system-out>
    </testcase>
`
	unreadable := `  <testsuite name="dir/broken.tar.zst" tests="1" failures="0" errors="1" time="0.000">
    <properties></properties>
    <testcase classname="bundle" name="dir/broken.tar.zst" time="0.000">
      <error type="UNREADABLE" message="dir/broken.tar.zst: member jobs.json: sha256 mismatch"><![CDATA[dir/broken.tar.zst: member jobs.json: sha256 mismatch]]></error>
    </testcase>
  </testsuite>
</testsuites>
`
	rest := `    <testcase classname="ns" name="Job/good" time="12.000"></testcase>
    <testcase classname="ns/ReplicaSet/rs" name="Pod/lone" time="2.000">
      <failure type="ERROR" message="P3 crash"><![CDATA[ERROR P3 crash]]></failure>
    </testcase>
  </testsuite>
` + unreadable
	tests := []struct {
		name string
		o    junit.Options
		want string
	}{
		{"default", junit.Options{}, head + `<testsuites name="ksnap analyze" tests="6" failures="2" errors="2" time="164.000">
  <testsuite name="b.tar.zst" tests="5" failures="2" errors="1" time="164.000" timestamp="2025-11-16T10:00:00Z">
` + suite + `    <testcase classname="ns" name="Job/slow" time="60.000">
      <system-out><![CDATA[WARN J6 slow]]></system-out>
    </testcase>
` + rest},
		{"strict", junit.Options{Strict: true}, head + `<testsuites name="ksnap analyze" tests="6" failures="3" errors="2" time="164.000">
  <testsuite name="b.tar.zst" tests="5" failures="3" errors="1" time="164.000" timestamp="2025-11-16T10:00:00Z">
` + suite + `    <testcase classname="ns" name="Job/slow" time="60.000">
      <failure type="WARN" message="J6 slow"><![CDATA[WARN J6 slow]]></failure>
    </testcase>
` + rest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := junit.Write(&got, entries, tt.o); err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got.String(), tt.want)
			}
			if err := junittest.Check(got.Bytes()); err != nil {
				t.Errorf("schema: %v", err)
			}
		})
	}
}

// TestWriteEscapes checks that names and messages with control characters
// stay on one line and give well-formed XML.
func TestWriteEscapes(t *testing.T) {
	t.Parallel()
	rep := &analyze.Report{Bundle: analyze.Bundle{File: "b\x1b.tar.zst"}, CapturedAt: "2025-11-16T10:00:00Z", Namespace: "n\x00s",
		Jobs: []analyze.JobResult{{Name: "j\nOverall Health: OK", Namespace: "n\x00s", Health: model.LevelError,
			Findings: []model.Finding{finding("J1", model.LevelError, "x\x07</testcase>]]>\xff")}}}}
	var got bytes.Buffer
	if err := junit.Reports(&got, rep); err != nil {
		t.Fatal(err)
	}
	if err := junittest.Check(got.Bytes()); err != nil {
		t.Fatalf("schema: %v\n%s", err, got.String())
	}
	for _, want := range []string{`name="Job/j\nOverall Health: OK"`, `classname="n\x00s"`, `message="J1 x\x07&lt;/testcase&gt;]]&gt;\xff"`} {
		if !bytes.Contains(got.Bytes(), []byte(want)) {
			t.Errorf("missing %s in:\n%s", want, got.String())
		}
	}
}
