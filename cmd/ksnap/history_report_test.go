package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
)

const scenariosHistory = "../../fixtures/history/scenarios.jsonl"

// TestScenariosHistoryCurrent: the history the HTML and metrics goldens read
// is what history rebuild makes of the recorded scenarios today.
func TestScenariosHistoryCurrent(t *testing.T) {
	e, _, stderr := testEnv(t)
	out := filepath.Join(t.TempDir(), "h.jsonl")
	if code := run(context.Background(), []string{"history", "rebuild", "--bundle-dir", "../../fixtures/scenarios", "--history-file", out}, e); code != 0 {
		t.Fatalf("rebuild: exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(scenariosHistory)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: go run ./cmd/ksnap history rebuild --from fixtures/scenarios -o %s", scenariosHistory, scenariosHistory)
	}
}

// TestDashboardAndMetricsAnyTZ: the page and the metrics are the same bytes
// in two time zones (and never read the clock: testEnv fails if they do).
func TestDashboardAndMetricsAnyTZ(t *testing.T) {
	for _, args := range [][]string{
		{"history", "report", "--history-file", scenariosHistory, "--html", "-"},
		{"export", "metrics", "--history-file", scenariosHistory},
		{"export", "metrics", "--history-file", scenariosHistory, "-o", "openmetrics", "--per-job"},
	} {
		var outs [][]byte
		for _, tz := range []*time.Location{time.UTC, time.FixedZone("X", -9*3600-1800)} {
			loc := time.Local
			time.Local = tz
			e, stdout, stderr := testEnv(t)
			code := run(context.Background(), args, e)
			time.Local = loc
			if code != 0 || stderr.Len() > 0 {
				t.Fatalf("%v: exit %d: %s", args, code, stderr)
			}
			outs = append(outs, stdout.Bytes())
		}
		if len(outs[0]) == 0 || !bytes.Equal(outs[0], outs[1]) {
			t.Errorf("%v: output differs between time zones (or is empty)", args)
		}
	}
}

func TestNewHistoryReportAndExportCmds(t *testing.T) {
	since := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	e, _, _ := testEnv(t)
	var gotR *historyReportOptions
	cmd := newHistoryReportCmd(e, func(o *historyReportOptions) error { gotR = o; return nil })
	cmd.SetArgs([]string{"--history-file", "h.jsonl", "-n", "ns", "--since", "2025-11-01T00:00:00Z", "--html", "d.html"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if gotR.Path != "h.jsonl" || gotR.HTML != "d.html" || !reflect.DeepEqual(gotR.Filter, history.Filter{Namespace: "ns", Since: since}) {
		t.Errorf("report options: %+v", gotR)
	}
	var gotM *exportMetricsOptions
	cmd = newExportMetricsCmd(e, func(o *exportMetricsOptions) error { gotM = o; return nil })
	cmd.SetArgs([]string{"--history-file", "h.jsonl", "-l", "app=x", "--textfile", "dir", "--per-job"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if gotM.Path != "h.jsonl" || gotM.Textfile != "dir" || !gotM.PerJob || gotM.Output != formatPrometheus || !reflect.DeepEqual(gotM.Filter, history.Filter{Selector: "app=x"}) {
		t.Errorf("export options: %+v", gotM)
	}
}
