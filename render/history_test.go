package render_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/text"
)

// goldenHistory reads testdata/history/input.jsonl, a mixed history: two
// lines of the old tool, one corrupt line, and ksnap records with jobs (a
// CronJob failing then recovering, a bare job failing three times in a
// row with its causes, the last record with analysis options) in two
// targets (selectors app=x and app=arbitrage-tuning). It returns the records and the number of corrupt lines.
func goldenHistory(t *testing.T) ([]history.Record, int) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "history", "input.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []history.Record
	corrupt := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		r, err := history.ParseLine(sc.Bytes())
		if err != nil {
			corrupt++
			continue
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs, corrupt
}

// TestHistoryGolden renders the golden history in every history view and
// compares with testdata/history; each view is rendered twice and the two
// outputs must be identical bytes.
func TestHistoryGolden(t *testing.T) {
	t.Parallel()
	recs, corrupt := goldenHistory(t)
	s := history.SummarizeRecords(recs, 0)
	s.Corrupt.Count = corrupt
	empty := history.SummarizeRecords(nil, 0)
	last := &recs[len(recs)-1]
	outputs := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"show.txt", func(b *bytes.Buffer) error { return text.HistoryTable(b, recs) }},
		{"show-empty.txt", func(b *bytes.Buffer) error { return text.HistoryTable(b, nil) }},
		{"show.json", func(b *bytes.Buffer) error { return json.HistoryRecords(b, recs, corrupt) }},
		{"summary.txt", func(b *bytes.Buffer) error { return text.HistorySummary(b, s, 10) }},
		{"summary-empty.txt", func(b *bytes.Buffer) error { return text.HistorySummary(b, empty, 10) }},
		{"summary.json", func(b *bytes.Buffer) error { return json.HistorySummary(b, s) }},
		{"record.txt", func(b *bytes.Buffer) error {
			return text.RecordBlock(b, text.RecordSummary{Record: last, BundlePath: "bundles/" + last.Bundle, HistoryPath: "outputs/k8s_health_history.jsonl"})
		}},
		{"compact.txt", func(b *bytes.Buffer) error {
			for i := range recs {
				if err := text.CompactLine(b, &recs[i]); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, o := range outputs {
		var runs [2][]byte
		for i := range runs {
			var b bytes.Buffer
			if err := o.write(&b); err != nil {
				t.Fatalf("%s: %v", o.name, err)
			}
			runs[i] = b.Bytes()
		}
		if !bytes.Equal(runs[0], runs[1]) {
			t.Errorf("%s: output differs between runs", o.name)
		}
		golden(t, filepath.Join("history", o.name), runs[0])
	}
}
