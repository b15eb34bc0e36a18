package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The summary memory row, from canned go test -bench output.
func TestTableSummaryRSSRow(t *testing.T) {
	t.Parallel()
	const head = "goos: linux\ngoarch: amd64\npkg: github.com/ksnap/ksnap/history\n"
	tests := []struct {
		name  string
		bench string
		want  row
	}{
		{
			name: "flat",
			bench: head +
				"BenchmarkSummaryRSS10M-2   	       1	5937409094 ns/op	        18.38 peak-MiB	        18.38 small-peak-MiB	         1.000 x-small\n" +
				"BenchmarkSummaryRSS10M-2   	       1	5840692557 ns/op	        18.17 peak-MiB	        21.25 small-peak-MiB	         0.8550 x-small\n" +
				"BenchmarkSummaryRSS10M-2   	       1	6987099892 ns/op	        20.13 peak-MiB	        20.00 small-peak-MiB	         1.006 x-small\n",
			want: row{"go", "history summary peak RSS, 10000000 lines ÷ their first tenth (child processes)", "1.00× (18 ÷ 20 MiB)", "18 MiB", "≤ 1.25×", "PASS"},
		},
		{
			name: "growing with the records",
			bench: head +
				"BenchmarkSummaryRSS10M-2   	       1	12656478958 ns/op	       336.8 peak-MiB	        44.95 small-peak-MiB	         7.492 x-small\n",
			want: row{"go", "history summary peak RSS, 10000000 lines ÷ their first tenth (child processes)", "7.49× (337 ÷ 45 MiB)", "337 MiB", "≤ 1.25×", "FAIL"},
		},
		{
			name:  "not run",
			bench: head,
			want:  row{"go", "history summary peak RSS, 10000000 lines ÷ their first tenth", "not measured", "", "≤ 1.25×", "n/a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkRows(t, tt.bench, map[string]string{"big_history_lines": "10000000"}, "history summary peak RSS", tt.want)
		})
	}
}

// The 2-core rates are the median of the pairs' ratios, not the ratio of
// the medians: drift between pairs must not count.
func TestTablePairRate(t *testing.T) {
	t.Parallel()
	const head = "goos: linux\ngoarch: amd64\npkg: github.com/ksnap/ksnap/cmd/ksnap\n"
	pair := func(one, two string) string {
		return head +
			"BenchmarkMonthBatch/verify     \t1\t" + one + " ns/op\n" +
			"BenchmarkMonthBatch/verify-2   \t1\t" + two + " ns/op\n"
	}
	tests := []struct {
		name  string
		bench string
		want  row
	}{
		{
			// The host is twice as slow for pairs 2 and 3, and busy during
			// the last 2-core sample: the ratio of the medians would be
			// 10 ÷ 10 = 1.00×; four of five pairs say 2×.
			name:  "drift cancels",
			bench: pair("10", "5") + pair("20", "10") + pair("20", "10") + pair("10", "5") + pair("10", "10"),
			want:  row{"go", "month batch: bundle verify, 2 cores ÷ 1 core (rate, median of pairs)", "2.00×", "", "≥ 1.7×", "PASS"},
		},
		{
			name:  "one good pair among bad ones",
			bench: pair("10", "8") + pair("10", "4") + pair("10", "8"),
			want:  row{"go", "month batch: bundle verify, 2 cores ÷ 1 core (rate, median of pairs)", "1.25×", "", "≥ 1.7×", "FAIL"},
		},
		{
			// An unpaired trailing sample is ignored.
			name:  "unpaired",
			bench: pair("10", "5") + head + "BenchmarkMonthBatch/verify     \t1\t100 ns/op\n",
			want:  row{"go", "month batch: bundle verify, 2 cores ÷ 1 core (rate, median of pairs)", "2.00×", "", "≥ 1.7×", "PASS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkRows(t, tt.bench, map[string]string{"month_bundles": "8640"}, "month batch: bundle verify, 2 cores ÷ 1 core", tt.want)
		})
	}
}

// checkRows builds the table from canned go test -bench output and meta,
// and checks that the one row whose figure starts with prefix is want.
func checkRows(t *testing.T, benchOut string, meta map[string]string, prefix string, want row) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bench.txt")
	if err := os.WriteFile(path, []byte(benchOut), 0o644); err != nil {
		t.Fatal(err)
	}
	bench, err := readBench(path)
	if err != nil {
		t.Fatal(err)
	}
	tb := &tab{bench: bench, procs: map[string]map[string]string{}}
	var got []row
	for _, r := range tb.rows(meta) {
		if strings.HasPrefix(r.figure, prefix) {
			got = append(got, r)
		}
	}
	if !reflect.DeepEqual(got, []row{want}) {
		t.Errorf("rows %q\nwant %q", got, []row{want})
	}
}
