package history

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
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
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// goldenHistory is a mixed history: two lines of the old tool, ksnap
// records with jobs (a CronJob failing then recovering, a bare job failing
// three times in a row), and one corrupt line.
func goldenHistory(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(seedLineOK + "\n")
	b.WriteString(`{"timestamp": "2025-11-16T10:05:00.250000", "namespace": "trading-bots", "selector": "app=x", "overall_health": "WARN", "jobs_ok": 1, "jobs_warn": 1, "jobs_error": 0, "raw_snapshot": null}` + "\n")
	b.WriteString("not json\n")
	recs := []Record{
		sampleRecord(tAt(2), "ERROR", job("nightly-29000000", "nightly", "FAILED", "ERROR"), job("migrate", "", "FAILED", "ERROR")),
		sampleRecord(tAt(3), "ERROR", job("nightly-29000000", "nightly", "FAILED", "ERROR"), job("migrate", "", "FAILED", "ERROR")),
		sampleRecord(tAt(4), "ERROR", job("nightly-29000000", "nightly", "FAILED", "ERROR"), job("nightly-29000060", "nightly", "SUCCEEDED", "OK"), job("migrate", "", "FAILED", "ERROR")),
	}
	recs[0].Jobs[0].Rules = []string{"J1"}
	for _, r := range recs {
		b.WriteString(lineOf(r))
	}
	return b.String()
}

func TestGoldenOutputs(t *testing.T) {
	t.Parallel()
	path := writeFile(t, goldenHistory(t))
	l, err := loadRecent(path, 20)
	if err != nil {
		t.Fatal(err)
	}
	s, err := summarizeFile(path, SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := summarizeFile(path+".missing", SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	outputs := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"show.txt", func(b *bytes.Buffer) error { return WriteTable(b, l.Records) }},
		{"show-empty.txt", func(b *bytes.Buffer) error { return WriteTable(b, nil) }},
		{"show.json", func(b *bytes.Buffer) error { return WriteRecordsJSON(b, l.Records, l.Corrupt.Count) }},
		{"summary.txt", func(b *bytes.Buffer) error { return WriteSummaryText(b, s, 10) }},
		{"summary-empty.txt", func(b *bytes.Buffer) error { return WriteSummaryText(b, empty, 10) }},
		{"summary.json", func(b *bytes.Buffer) error { return WriteSummaryJSON(b, s) }},
		{"record.txt", func(b *bytes.Buffer) error {
			return WriteRecordSummary(b, RecordSummary{Record: &l.Records[len(l.Records)-1], BundlePath: "bundles/" + l.Records[len(l.Records)-1].Bundle, HistoryPath: "outputs/k8s_health_history.jsonl"})
		}},
		{"compact.txt", func(b *bytes.Buffer) error {
			for i := range l.Records {
				if err := WriteCompactLine(b, &l.Records[i]); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, o := range outputs {
		// Twice: the output must be byte-identical from run to run.
		var first []byte
		for run := range 2 {
			var b bytes.Buffer
			if err := o.write(&b); err != nil {
				t.Fatal(err)
			}
			if run == 0 {
				first = b.Bytes()
			} else if !bytes.Equal(first, b.Bytes()) {
				t.Fatalf("%s: output differs between runs", o.name)
			}
		}
		golden(t, o.name, first)
	}
}
