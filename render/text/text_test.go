package text

import (
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
		if got := eventLine(tt.e); got != tt.want {
			t.Errorf("eventLine(%+v) = %q, want %q", tt.e, got, tt.want)
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
