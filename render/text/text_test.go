package text

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/history"
)

func TestLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		indent int
		name   string
		want   string
	}{
		{0, "Bundle", "Bundle:" + strings.Repeat(" ", 18)},
		{2, "OK", "  OK:" + strings.Repeat(" ", 20)},
		{4, "Completion Time", "    Completion Time:     "},
		{0, "Exactly twenty-four ch", "Exactly twenty-four ch:  "},
		{0, "A label far too long for the column", "A label far too long for the column: "},
	}
	for _, tt := range tests {
		if got := label(tt.indent, tt.name); got != tt.want {
			t.Errorf("label(%d, %q) = %q, want %q", tt.indent, tt.name, got, tt.want)
		}
	}
}

func TestSummaryLine(t *testing.T) {
	t.Parallel()
	rep := &analyze.Report{Verdict: model.LevelWarn, Bundle: analyze.Bundle{File: "b.tar.zst"},
		Counts: analyze.Counts{Jobs: 3, JobsOK: 1, JobsWarn: 2, BarePods: 4}}
	if got, want := SummaryLine(rep), "WARN    b.tar.zst jobs=3 ok=1 warn=2 error=0 bare_pods=4"; got != want {
		t.Errorf("SummaryLine = %q, want %q", got, want)
	}
}

func TestCaptureLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    analyze.CaptureFailure
		want string
	}{
		{"stderr's last line", analyze.CaptureFailure{Kind: "pods", Member: "pods.json", Status: "failed", ExitCode: 1, Stderr: "I1116 klog noise\nError from server (Forbidden): pods is forbidden\n"},
			"pods (pods.json): failed, exit 1: Error from server (Forbidden): pods is forbidden"},
		{"error wins over stderr", analyze.CaptureFailure{Kind: "logs", Pod: "p", Container: "c", Status: "timed_out", ExitCode: -1, Error: "context deadline exceeded", Stderr: "x"},
			"logs p/c: timed out: context deadline exceeded"},
		{"nothing more", analyze.CaptureFailure{Kind: "events", Status: "not_captured", ExitCode: -1}, "events: not captured"},
	}
	for _, tt := range tests {
		if got := captureLine(tt.f); got != tt.want {
			t.Errorf("%s: captureLine = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestEventLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 150) // 300 bytes: kept whole (the cause may be at the end)
	tests := []struct {
		e    analyze.EventResult
		want string
	}{
		{analyze.EventResult{Reason: "BackOff", Kind: "Pod", Name: "p", Count: 3, Message: "line one\n  line two"},
			"- BackOff Pod/p x3: line one line two"},
		{analyze.EventResult{Last: "2025-11-16T10:00:00Z", Reason: "X", Kind: "Job", Name: "j", Count: 1},
			"2025-11-16T10:00:00Z X Job/j x1"},
		{analyze.EventResult{Reason: "L", Kind: "Pod", Name: "p", Count: 1, Message: long},
			"- L Pod/p x1: " + long},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		tw := &textWriter{w: bufio.NewWriter(&buf)}
		tw.eventLine("> ", &tt.e)
		if err := tw.w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got, want := buf.String(), "> "+tt.want+"\n"; got != want {
			t.Errorf("eventLine(%+v) = %q, want %q", tt.e, got, want)
		}
	}
}

// errWriter fails every write.
type errWriter struct{}

var errWrite = errors.New("disk full")

func (errWriter) Write([]byte) (int, error) { return 0, errWrite }

// TestWriteErrors: every renderer returns the writer's error.
func TestWriteErrors(t *testing.T) {
	t.Parallel()
	rec := &history.Record{Time: time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC), OverallHealth: "OK"}
	for name, err := range map[string]error{
		"Report":         Report(errWriter{}, &analyze.Report{}),
		"HistoryTable":   HistoryTable(errWriter{}, []history.Record{*rec}),
		"HistorySummary": HistorySummary(errWriter{}, &history.Summary{}, 0),
		"RecordBlock":    RecordBlock(errWriter{}, RecordSummary{Record: rec}),
		"CompactLine":    CompactLine(errWriter{}, rec),
	} {
		if !errors.Is(err, errWrite) {
			t.Errorf("%s: error %v, want %v", name, err, errWrite)
		}
	}
}

// TestHostileNamesStayInTheirField renders a report and history views
// whose names hold control characters and a forged line: each output has
// exactly the lines it would have with plain names, and no control byte.
func TestHostileNamesStayInTheirField(t *testing.T) {
	t.Parallel()
	forged := "x\x1b[2J\x07\nOverall Health:          OK\r\u009b\u202e"
	rep := &analyze.Report{Bundle: analyze.Bundle{File: forged}, Namespace: forged, Selector: forged, Verdict: model.LevelError,
		Jobs: []analyze.JobResult{{Name: forged, Namespace: forged, Health: model.LevelError,
			Cause:    &analyze.Cause{Rule: "J1", Level: model.LevelError, Message: forged},
			Findings: []model.Finding{{Rule: "J1", Level: model.LevelError, Message: forged}},
			Labels:   []analyze.Label{{Key: forged, Value: forged}},
			Pods: []analyze.PodResult{{Name: forged, Health: model.LevelError, Findings: []model.Finding{{Rule: "P8", Level: model.LevelError, Message: forged}},
				Events:   []analyze.EventResult{{Reason: forged, Kind: "Pod", Name: forged, Message: "other"}},
				LogTails: []analyze.LogTail{{Container: forged, Member: forged, Status: "ok", Captured: 1, Lines: []string{forged}}}}}}}}
	rec := history.Record{Time: time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC), OverallHealth: forged, Namespace: forged, Selector: forged, Bundle: forged}
	var report, table, block, compact strings.Builder
	if err := Report(&report, rep); err != nil {
		t.Fatal(err)
	}
	if err := HistoryTable(&table, []history.Record{rec}); err != nil {
		t.Fatal(err)
	}
	if err := RecordBlock(&block, RecordSummary{Record: &rec, BundlePath: forged, HistoryPath: forged}); err != nil {
		t.Fatal(err)
	}
	if err := CompactLine(&compact, &rec); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"Report": report.String(), "HistoryTable": table.String(), "RecordBlock": block.String(), "CompactLine": compact.String()} {
		if n := strings.Count(out, "\nOverall Health:"); n > 0 && name != "RecordBlock" {
			t.Errorf("%s: a name started %d line(s) \"Overall Health:\":\n%s", name, n, out)
		}
		for _, r := range out {
			if (r < ' ' && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x202e {
				t.Errorf("%s: control character %U in the output:\n%q", name, r, out)
				break
			}
		}
	}
	if !strings.HasPrefix(report.String(), "Overall Health:          ERROR\n") {
		t.Errorf("Report does not start with the verdict:\n%s", report.String())
	}
	if n := strings.Count(block.String(), "\nOverall Health:"); n != 1 {
		t.Errorf("RecordBlock has %d \"Overall Health:\" lines, want 1", n)
	}
}

func TestLogHeading(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lt   analyze.LogTail
		want string
	}{
		{analyze.LogTail{Container: "main", Member: "logs/p/main.log", Status: "ok", Captured: 30, Lines: []string{"a", "b"}},
			"log of main: last 2 of 30 lines (all: ksnap bundle cat b.tar.zst logs/p/main.log)"},
		{analyze.LogTail{Container: "main", Previous: true, Member: "logs/p/main.previous.log", Status: "ok"},
			"previous log of main: empty (logs/p/main.previous.log)"},
		{analyze.LogTail{Container: "main", Status: "not_captured", Note: "pod gone"}, "log of main: not captured (not captured: pod gone)"},
		{analyze.LogTail{Container: "init", Status: "skipped", Note: "container has not started"}, "log of init: not captured (skipped: container has not started)"},
	}
	for _, tt := range tests {
		if got := logHeading("b.tar.zst", tt.lt); got != tt.want {
			t.Errorf("logHeading(%+v) = %q, want %q", tt.lt, got, tt.want)
		}
	}
}

// TestUnstated checks that an event a finding already states is printed
// once: by the finding.
func TestUnstated(t *testing.T) {
	t.Parallel()
	fs := []model.Finding{{Rule: "J1", Message: "job j failed: BackoffLimitExceeded: Job has reached the specified backoff limit"}}
	es := []analyze.EventResult{
		{Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"},
		{Reason: "FailedCreate", Message: "Job has reached the specified backoff limit"},
		{Reason: "BackoffLimitExceeded", Message: "something else"},
	}
	got := unstated(fs, es)
	want := es[1:]
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("unstated = %+v, want %+v", got, want)
	}
}
