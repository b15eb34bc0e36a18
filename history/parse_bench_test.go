package history

import (
	"fmt"
	"testing"
	"time"
)

// benchRecord is a realistic record: three jobs, one owned by a CronJob
// whose job names rotate every 12 records (an hourly CronJob captured every
// 5 minutes).
func benchRecord(i int) Record {
	lv := []string{"OK", "OK", "OK", "WARN", "ERROR"}[i%5]
	return NewRecord(Input{
		CapturedAt: t0.Add(time.Duration(i) * 5 * time.Minute), Namespace: "trading-bots", Selector: "app=arbitrage-tuning",
		OverallHealth: lv, Bundle: fmt.Sprintf("20251116T100000Z-trading-bots-%08x.tar.zst", i), BundleSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Ruleset: "1", Jobs: []Job{
			{Name: fmt.Sprintf("nightly-%d", 29000000+i/12*60), Phase: "SUCCEEDED", Health: "OK", Owner: "nightly"},
			{Name: "arb-tuning-worker-1", Phase: "RUNNING", Health: "OK"},
			{Name: "arb-tuning-worker-2", Phase: "FAILED", Health: lv, Rules: []string{"J1"}},
		},
	})
}

// BenchRecord is benchRecord for the store benchmarks (package history_test).
var BenchRecord = benchRecord

// BenchmarkParseLine decodes one realistic line as the summary's workers
// do (fast path, arena); general is the gjson path every other line takes.
func BenchmarkParseLine(b *testing.B) {
	r := benchRecord(4)
	line := AppendJSON(nil, &r)
	b.Run("canonical", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		var p Parser
		var rec Record
		for b.Loop() {
			p.Reset()
			if err := p.Parse(&rec, line, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		var rec Record
		for b.Loop() {
			rec.Jobs = nil
			if err := parseGeneral(&rec, line, string(line)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
