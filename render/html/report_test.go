package html

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
)

func analyzeFixture(t *testing.T, name string) *analyze.Report {
	t.Helper()
	b, err := bundle.Open(filepath.Join("../../fixtures/scenarios", name))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := analyze.Evaluate(analyze.FromBundle(b), rules.Default(), analyze.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestReportGolden renders recorded scenario bundles: one alone, and three
// in one page (with the verdict table).
func TestReportGolden(t *testing.T) {
	tests := []struct {
		golden  string
		bundles []string
	}{
		{"report-crashloop.html", []string{"crashloop.tar.zst"}},
		{"report-several.html", []string{"events-forbidden.tar.zst", "oom.tar.zst", "unknown-context.tar.zst"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var reps []*analyze.Report
			for _, b := range tt.bundles {
				reps = append(reps, analyzeFixture(t, b))
			}
			var buf, again bytes.Buffer
			if err := WriteReport(&buf, reps...); err != nil {
				t.Fatal(err)
			}
			if err := WriteReport(&again, reps...); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Fatal("two renderings differ")
			}
			golden(t, tt.golden, buf.Bytes())
			assertOffline(t, buf.Bytes())
			assertTags(t, buf.Bytes())
		})
	}
}
