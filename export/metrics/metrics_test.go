package metrics

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/memstore"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"
)

var update = flag.Bool("update", false, "rewrite golden files")

func render(t *testing.T, s history.Store, o Options, f Format) []byte {
	t.Helper()
	fams, err := Build(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, fams, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", path, got)
	}
}

func cronHistory() history.Store {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	r := func(min int, health string, capErrs int, jobs ...history.Job) history.Record {
		return history.Record{Time: t0.Add(time.Duration(min) * time.Minute), Namespace: "batch", Selector: "team=data",
			OverallHealth: health, Bundle: "b", CaptureErrors: capErrs, Jobs: jobs}
	}
	s := memstore.New("cron", nil)
	_, err := s.Append(context.Background(), []history.Record{
		r(0, "OK", 0, history.Job{Name: "etl-1", Owner: "etl", Health: "OK"}, history.Job{Name: "report-1", Owner: "report", Health: "OK"}),
		r(10, "ERROR", 0, history.Job{Name: "etl-2", Owner: "etl", Health: "ERROR", Rules: []string{"J1"}}, history.Job{Name: "report-1", Owner: "report", Health: "OK"}),
		r(20, "ERROR", 2, history.Job{Name: "etl-3", Owner: "etl", Health: "ERROR", Rules: []string{"J2", "J1"}}, history.Job{Name: "bare", Health: "WARN", Rules: []string{`evil"label\` + "\n"}},
			history.Job{Name: "q\"uo\\te\nd-1", Owner: "q\"uo\\te\nd", Health: "ERROR", Rules: []string{"P3"}}),
	}...)
	if err != nil {
		panic(err)
	}
	return s
}

func TestGolden(t *testing.T) {
	scen := scenariosStore(t)
	tests := []struct {
		name   string
		store  history.Store
		opts   Options
		format Format
	}{
		{"scenarios.prom", scen, Options{}, Text},
		{"cron.prom", cronHistory(), Options{}, Text},
		{"cron-per-job.prom", cronHistory(), Options{PerJob: true}, Text},
		{"cron.openmetrics", cronHistory(), Options{}, OpenMetrics},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.store, tt.opts, tt.format)
			loc := time.Local
			time.Local = time.FixedZone("X", 5*3600+1800)
			again := render(t, tt.store, tt.opts, tt.format)
			time.Local = loc
			if !bytes.Equal(got, again) {
				t.Fatal("two renderings differ")
			}
			golden(t, tt.name, got)
			if tt.format == Text {
				parseBack(t, got)
			}
		})
	}
}

// parseBack reads the output with the parser node_exporter's textfile
// collector uses, and checks what it must hold.
func parseBack(t *testing.T, text []byte) {
	t.Helper()
	p := expfmt.NewTextParser(pmodel.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("expfmt cannot parse the output: %v", err)
	}
	for _, name := range []string{"ksnap_capture_timestamp_seconds", "ksnap_capture_partial", "ksnap_verdict_level"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	for name, f := range fams {
		for _, m := range f.Metric {
			if m.TimestampMs != nil {
				t.Errorf("%s has a timestamp", name)
			}
			for _, l := range m.Label {
				if l.GetName() == "reason" && len(l.GetValue()) > 16 {
					t.Errorf("%s: unbounded reason %q", name, l.GetValue())
				}
			}
		}
	}
}

// scenariosStore is the history rebuilt from fixtures/scenarios.
func scenariosStore(t *testing.T) history.Store {
	t.Helper()
	s, err := jsonl.Open("../../fixtures/history/scenarios.jsonl", jsonl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJobMemory: with PerJob, a Job whose newest record carries pod metrics
// (history memory_peak_bytes / memory_limit_bytes) gets the two gauges; one
// without gets neither.
func TestJobMemory(t *testing.T) {
	s := memstore.New("m", nil)
	_, err := s.Append(context.Background(), []history.Record{{Time: time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC), Namespace: "ns", Selector: "s",
		OverallHealth: "WARN", Bundle: "b", Jobs: []history.Job{
			{Name: "hot", Health: "WARN", MemoryPeak: 120 << 20, MemoryLimit: 128 << 20},
			{Name: "free", Health: "OK", MemoryPeak: 20 << 20},
			{Name: "none", Health: "OK"}}}}...)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(string(render(t, s, Options{PerJob: true}, Text)), "\n") {
		if strings.HasPrefix(l, "ksnap_job_memory_") {
			got = append(got, l)
		}
	}
	want := []string{
		`ksnap_job_memory_limit_bytes{namespace="ns",selector="s",job_name="hot",owner_kind="<none>",owner_name="<none>"} 1.34217728e+08`,
		`ksnap_job_memory_peak_bytes{namespace="ns",selector="s",job_name="free",owner_kind="<none>",owner_name="<none>"} 2.097152e+07`,
		`ksnap_job_memory_peak_bytes{namespace="ns",selector="s",job_name="hot",owner_kind="<none>",owner_name="<none>"} 1.2582912e+08`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
