package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCaptureRows: the lean-capture rows from canned procs and meta files,
// as scripts/bench writes them.
func TestCaptureRows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	procs := filepath.Join(dir, "procs.txt")
	meta := filepath.Join(dir, "meta.txt")
	os.WriteFile(procs, []byte(strings.Join([]string{
		"name=capture-floor-zstd runs=5 median_s=0.170000 min_s=0.1 max_s=0.2 cpu_s=0.150000 rss_kib=20000 exit=0",
		"name=capture-floor-sha256 runs=5 median_s=0.480000 min_s=0.4 max_s=0.5 cpu_s=0.470000 rss_kib=2000 exit=0",
		"name=capture-lean-1cpu runs=5 median_s=1.100000 min_s=1 max_s=1.2 cpu_s=0.950000 rss_kib=37000 exit=0",
		"name=capture-lean runs=5 median_s=0.900000 min_s=0.8 max_s=1 cpu_s=1.000000 rss_kib=38000 exit=0",
	}, "\n")+"\n"), 0o644)
	os.WriteFile(meta, []byte("pods_bytes=87710592\nquick=0 pods=10000 runs=5\nlargest_member_bytes=87710592\n"), 0o644)
	kv, err := readKV(procs)
	if err != nil {
		t.Fatal(err)
	}
	mk, err := readKV(meta)
	if err != nil {
		t.Fatal(err)
	}
	tb := &tab{procs: kv}
	var rows []row
	tb.captureRows(mk[""], func(r row) { rows = append(rows, r) }, func(s, f, target string) {
		rows = append(rows, row{s, f, "not measured", "", target, "n/a"})
	})
	got := map[string]row{}
	for _, r := range rows {
		got[r.figure] = r
	}
	want := []struct{ figure, value, result string }{
		{"capture floor: zstd -3 -c + sha256sum of the three raw members (CPU)", "620.0 ms (zstd 150.0 ms, sha256sum 470.0 ms)", ""},
		{"capture peak RSS ÷ largest member (84 MiB)", "0.44×", "PASS"},
		{"capture CPU ÷ zstd+sha256 floor (2 cores; 1 core in brackets)", "1.61× (1.53×)", "PASS"},
		{"capture wall, 2 cores ÷ 1 core", "0.82×", "PASS"},
	}
	for _, w := range want {
		r, ok := got[w.figure]
		if !ok {
			t.Errorf("no row %q in %q", w.figure, rows)
			continue
		}
		if r.value != w.value || r.result != w.result {
			t.Errorf("%s: %q %q, want %q %q", w.figure, r.value, r.result, w.value, w.result)
		}
	}
	// Slower on 2 cores, too much memory or CPU: FAIL; missing rows: n/a.
	kv["capture-lean"]["median_s"], kv["capture-lean"]["rss_kib"], kv["capture-lean"]["cpu_s"] = "1.2", "200000", "1.3"
	rows = nil
	tb.captureRows(mk[""], func(r row) { rows = append(rows, r) }, func(s, f, target string) {})
	fails := 0
	for _, r := range rows {
		if r.result == "FAIL" {
			fails++
		}
	}
	if fails != 3 {
		t.Errorf("%d FAIL rows, want 3: %q", fails, rows)
	}
	rows = nil
	(&tab{procs: map[string]map[string]string{}}).captureRows(mk[""], func(r row) { rows = append(rows, r) }, func(s, f, target string) {
		rows = append(rows, row{s, f, "not measured", "", target, "n/a"})
	})
	if len(rows) != 3 {
		t.Errorf("nothing measured: %q, want 3 n/a rows", rows)
	}

	// With openssl measured, the floor is openssl's sha256 (judged) and
	// the coreutils ratio is shown for the record.
	kv["capture-lean"]["cpu_s"] = "1.000000"
	kv["capture-floor-openssl"] = map[string]string{"cpu_s": "0.130000", "median_s": "0.13", "rss_kib": "5000", "exit": "0", "runs": "5"}
	rows = nil
	tb.captureRows(mk[""], func(r row) { rows = append(rows, r) }, func(s, f, target string) {})
	got = map[string]row{}
	for _, r := range rows {
		got[r.figure] = r
	}
	for _, w := range []struct{ figure, value, result string }{
		{"capture floor: zstd -3 -c + openssl sha256 of the three raw members (CPU)", "280.0 ms (zstd 150.0 ms, openssl sha256 130.0 ms)", ""},
		{"capture CPU ÷ zstd+sha256 floor (2 cores; 1 core in brackets)", "3.57× (3.39×)", "FAIL"},
		{"capture CPU ÷ the floor with coreutils sha256sum instead (for the record)", "1.61×", ""},
	} {
		if r := got[w.figure]; r.value != w.value || r.result != w.result {
			t.Errorf("openssl floor: %s: %q %q, want %q %q", w.figure, r.value, r.result, w.value, w.result)
		}
	}
}
