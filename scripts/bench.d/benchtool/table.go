package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

// benchStats holds every run's value of each unit of one benchmark.
type benchStats map[string][]float64

// readBench parses `go test -bench` output. Benchmarks are keyed by the
// package path after the module ("history", "analyze/parse", ...) and the
// full name with its -N GOMAXPROCS suffix ("BenchmarkPods",
// "BenchmarkAnalyzeBundle-2").
func readBench(path string) (map[string]benchStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]benchStats{}
	pkg := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(strings.TrimPrefix(p, "github.com/ksnap/ksnap"), "/")
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue
		}
		key := pkg + " " + fields[0]
		st := out[key]
		if st == nil {
			st = benchStats{}
			out[key] = st
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			st[fields[i+1]] = append(st[fields[i+1]], v)
		}
	}
	return out, sc.Err()
}

// readKV reads lines of space-separated key=value pairs; the value of
// "name" keys the line. Lines without a name are merged under "".
func readKV(path string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		kv := map[string]string{}
		for _, f := range strings.Fields(line) {
			if k, v, ok := strings.Cut(f, "="); ok {
				kv[k] = v
			}
		}
		name := kv["name"]
		if out[name] == nil {
			out[name] = map[string]string{}
		}
		for k, v := range kv {
			out[name][k] = v
		}
	}
	return out, nil
}

// row is one line of the table.
type row struct {
	section, figure, value, rss, target, result string
}

func table(args []string) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	benchPath := fs.String("bench", "", "go test -bench output")
	procsPath := fs.String("procs", "", "benchtool time results")
	metaPath := fs.String("meta", "", "key=value facts about the run (sizes, load averages)")
	mdPath := fs.String("md", "", "also write the table as Markdown here")
	if err := parse(fs, args); err != nil {
		return err
	}
	bench, err := readBench(*benchPath)
	if err != nil {
		return err
	}
	procs, err := readKV(*procsPath)
	if err != nil {
		return err
	}
	metaAll, err := readKV(*metaPath)
	if err != nil {
		return err
	}
	meta := metaAll[""]
	t := &tab{bench: bench, procs: procs}
	rows := t.rows(meta)
	pass, fail, missing := 0, 0, 0
	for _, r := range rows {
		switch {
		case strings.HasPrefix(r.result, "PASS"):
			pass++
		case strings.HasPrefix(r.result, "FAIL"):
			fail++
		case r.result == "n/a":
			missing++
		}
	}
	summary := fmt.Sprintf("targets: %d PASS, %d FAIL, %d not measured", pass, fail, missing)
	writeText(os.Stdout, rows)
	fmt.Println(summary)
	if *mdPath != "" {
		f, err := os.Create(*mdPath)
		if err != nil {
			return err
		}
		writeMarkdown(f, rows)
		fmt.Fprintf(f, "\n%s\n", summary)
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

type tab struct {
	bench map[string]benchStats
	procs map[string]map[string]string
}

// med returns the median of a benchmark's unit, or false.
func (t *tab) med(key, unit string) (float64, bool) {
	st, ok := t.bench[key]
	if !ok || len(st[unit]) == 0 {
		return 0, false
	}
	return median(st[unit]), true
}

// pairRate is the median over samples i of one[i] ÷ two[i] for a unit of
// two benchmarks whose samples were taken in interleaved pairs
// (scripts/bench's gobench_pairs: sample i of each ran back to back), so
// that drift on the host between pairs cancels out of each ratio. It
// pairs as many samples as both have.
func (t *tab) pairRate(one, two, unit string) (float64, bool) {
	a, b := t.bench[one][unit], t.bench[two][unit]
	var r []float64
	for i := range min(len(a), len(b)) {
		if b[i] > 0 {
			r = append(r, a[i]/b[i])
		}
	}
	if len(r) == 0 {
		return 0, false
	}
	return median(r), true
}

func (t *tab) runs(key string) int {
	st := t.bench[key]
	return len(st["ns/op"])
}

// cpu returns a whole-process timing's median CPU seconds as " (CPU x)".
func (t *tab) cpu(name string) string {
	v, err := strconv.ParseFloat(t.procs[name]["cpu_s"], 64)
	if err != nil {
		return ""
	}
	return " (CPU " + fmtDur(v) + ")"
}

// proc returns a whole-process timing's median seconds and peak RSS (bytes).
func (t *tab) proc(name string) (sec float64, rss float64, ok bool) {
	p, found := t.procs[name]
	if !found {
		return 0, 0, false
	}
	s, err1 := strconv.ParseFloat(p["median_s"], 64)
	r, err2 := strconv.ParseFloat(p["rss_kib"], 64)
	return s, r * 1024, err1 == nil && err2 == nil
}

func verdict(ok bool, why string) string {
	if ok {
		return "PASS" + why
	}
	return "FAIL" + why
}

func fmtDur(sec float64) string {
	switch {
	case sec >= 1:
		return fmt.Sprintf("%.2f s", sec)
	case sec >= 1e-3:
		return fmt.Sprintf("%.1f ms", sec*1e3)
	default:
		return fmt.Sprintf("%.1f µs", sec*1e6)
	}
}

func fmtBytes(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", b/(1<<20))
	default:
		return fmt.Sprintf("%.0f KiB", b/(1<<10))
	}
}

func (t *tab) rows(meta map[string]string) []row {
	var rows []row
	add := func(r row) { rows = append(rows, r) }
	na := func(section, figure, target string) {
		add(row{section, figure, "not measured", "", target, "n/a"})
	}
	uncompressed, _ := strconv.ParseFloat(meta["uncompressed_bytes"], 64)
	pods := meta["pods"]
	// The Go benchmarks always use internal/gen's 10,000-pod bundle; pods
	// (meta) sizes the whole-process rows, smaller with --quick.
	const goPods = "10000"

	// Go benchmarks, in-process.
	const sGo = "go"
	perOp := func(key string) (float64, bool) {
		ns, ok := t.med(key, "ns/op")
		return ns / 1e9, ok
	}
	if v, ok := t.med("analyze/parse BenchmarkPods", "MB/s"); ok {
		add(row{sGo, "parse pods.json, " + goPods + " pods, 1 core", fmt.Sprintf("%.0f MB/s", v), "", "≥ 550 MB/s", verdict(v >= 550, "")})
	} else {
		na(sGo, "parse pods.json, 1 core", "≥ 550 MB/s")
	}
	for _, k := range []struct{ name, label string }{{"BenchmarkJobs", "jobs.json"}, {"BenchmarkEvents", "events.json"}} {
		if v, ok := t.med("analyze/parse "+k.name, "MB/s"); ok {
			add(row{sGo, "parse " + k.label + ", 1 core", fmt.Sprintf("%.0f MB/s", v), "", "", ""})
		}
	}
	for _, cpu := range []struct {
		suffix, label string
	}{{"", "1 core"}, {"-2", "2 cores"}} {
		if v, ok := perOp("analyze BenchmarkAnalyze" + cpu.suffix); ok {
			add(row{sGo, "analyze from memory (parse, correlate, rules), " + cpu.label, fmtDur(v), "", "", ""})
		}
	}
	one, ok1 := perOp("analyze BenchmarkAnalyzeBundle")
	two, ok2 := perOp("analyze BenchmarkAnalyzeBundle-2")
	if ok1 {
		add(row{sGo, "whole bundle (zstd, verify, analyze), 1 core", fmtDur(one), "", "≤ 0.8 s", verdict(one <= 0.8, "")})
	} else {
		na(sGo, "whole bundle, 1 core", "≤ 0.8 s")
	}
	if ok2 {
		add(row{sGo, "whole bundle (zstd, verify, analyze), 2 cores", fmtDur(two), "", "≤ 0.5 s", verdict(two <= 0.5, "")})
	} else {
		na(sGo, "whole bundle, 2 cores", "≤ 0.5 s")
	}
	b1, okb1 := perOp("cmd/ksnap BenchmarkAnalyzeDir")
	b2, okb2 := perOp("cmd/ksnap BenchmarkAnalyzeDir-2")
	if okb1 && okb2 {
		n := meta["batch_bundles"]
		add(row{sGo, "batch: analyze DIR of " + n + " bundles, 1 core", fmtDur(b1), "", "", ""})
		add(row{sGo, "batch: analyze DIR of " + n + " bundles, 2 cores", fmtDur(b2), "", "", ""})
		r, _ := t.pairRate("cmd/ksnap BenchmarkAnalyzeDir", "cmd/ksnap BenchmarkAnalyzeDir-2", "ns/op")
		add(row{sGo, "batch rate, 2 cores ÷ 1 core (median of pairs)", fmt.Sprintf("%.2f×", r), "", "≥ 1.7×", verdict(r >= 1.7, "")})
	} else {
		na(sGo, "batch rate, 2 cores ÷ 1 core", "≥ 1.7×")
	}
	for _, k := range []struct{ name, label string }{
		{"BenchmarkEncode", "bundle encode (tar + zstd)"},
		{"BenchmarkWrite", "bundle write, durable (encode, fsync, link)"},
		{"BenchmarkDecode", "bundle verify (zstd, tar, sha256) from memory"},
		{"BenchmarkOpen", "bundle open (read file + verify)"},
	} {
		if v, ok := perOp("capture/bundle " + k.name); ok {
			mb, _ := t.med("capture/bundle "+k.name, "MB/s")
			add(row{sGo, k.label + ", " + goPods + " pods, 1 core", fmt.Sprintf("%s (%.0f MB/s)", fmtDur(v), mb), "", "", ""})
		}
	}
	if v, ok := perOp("history BenchmarkAppend/fsync-2"); ok {
		add(row{sGo, "history append, one record per call, fsync", fmtDur(v) + " a line", "", "", ""})
	}
	if v, ok := perOp("history BenchmarkAppend/nosync-2"); ok {
		add(row{sGo, "history append, one record per call, no fsync", fmtDur(v) + " a line", "", "", ""})
	}
	if v, ok := perOp("history BenchmarkAppendBatch-2"); ok {
		rate := 1 / v
		add(row{sGo, "history append, batch of 1000, no fsync", fmt.Sprintf("%.0fk lines/s", rate/1e3), "", "≥ 100k lines/s", verdict(rate >= 100e3, "")})
	} else {
		na(sGo, "history append, batch", "≥ 100k lines/s")
	}
	if v, ok := perOp("history BenchmarkLoadRecent50-2"); ok {
		add(row{sGo, "history last 50 of 1M lines, warm", fmtDur(v), "", "≤ 1 ms", verdict(v <= 1e-3, "")})
	} else {
		na(sGo, "history last 50 of 1M lines", "≤ 1 ms")
	}
	if v, ok := perOp("history BenchmarkSummarize1M-2"); ok {
		mb, _ := t.med("history BenchmarkSummarize1M-2", "MB/s")
		add(row{sGo, "history summary of 1M lines, 2 cores", fmt.Sprintf("%s (%.0f MB/s)", fmtDur(v), mb), "", "≤ 0.5 s", verdict(v <= 0.5, "")})
	} else {
		na(sGo, "history summary of 1M lines", "≤ 0.5 s")
	}

	t.scaleRows(meta, add, na)

	// Whole processes on the same files.
	const sProc = "process"
	k1, r1, okk1 := t.proc("ksnap-analyze-1cpu")
	k2, r2, okk2 := t.proc("ksnap-analyze")
	if okk1 {
		add(row{sProc, "ksnap analyze BUNDLE (" + pods + " pods, verified before: verify cache), GOMAXPROCS=1", fmtDur(k1) + t.cpu("ksnap-analyze-1cpu"), fmtBytes(r1), "", ""})
	}
	if okk2 {
		add(row{sProc, "ksnap analyze BUNDLE (verified before), 2 cores", fmtDur(k2) + t.cpu("ksnap-analyze"), fmtBytes(r2), "", ""})
	}
	kf, rf, okf := t.proc("ksnap-analyze-first")
	if okf {
		add(row{sProc, "ksnap analyze BUNDLE, first read (every member hashed), 2 cores", fmtDur(kf) + t.cpu("ksnap-analyze-first"), fmtBytes(rf), "", ""})
	}
	if okk2 {
		if uncompressed > 0 {
			rr := max(r2, rf) // the higher of the two reads
			add(row{sProc, fmt.Sprintf("ksnap peak RSS ÷ uncompressed bundle (%s)", fmtBytes(uncompressed)), fmt.Sprintf("%.2f×", rr/uncompressed), fmtBytes(rr), "≤ 2×", verdict(rr <= 2*uncompressed, "")})
		}
	} else {
		na(sProc, "ksnap analyze BUNDLE", "")
	}
	if py, rpy, ok := t.proc("python3"); ok {
		add(row{sProc, "python3 classify.py (json module) on the raw JSON", fmtDur(py) + t.cpu("python3"), fmtBytes(rpy), "", ""})
		if okk2 {
			add(row{sProc, "python3 ÷ ksnap, whole process", fmt.Sprintf("%.1f× (ksnap/python3 %.3f)", py/k2, k2/py), "", "ksnap ≥ 5× faster", verdict(py/k2 >= 5, "")})
			t.cpuRatio(add, "python3", 5)
			t.firstReadRatio(add, "python3")
		}
	} else {
		na(sProc, "python3 ÷ ksnap", "ksnap ≥ 5× faster")
	}
	if jq, rjq, ok := t.proc("jq"); ok {
		add(row{sProc, "jq classify.jq on the raw JSON", fmtDur(jq) + t.cpu("jq"), fmtBytes(rjq), "", ""})
		if okk2 {
			add(row{sProc, "jq ÷ ksnap, whole process", fmt.Sprintf("%.1f× (ksnap/jq %.3f)", jq/k2, k2/jq), "", "ksnap ≥ 10× faster", verdict(jq/k2 >= 10, "")})
			t.cpuRatio(add, "jq", 10)
			t.firstReadRatio(add, "jq")
		}
	} else {
		na(sProc, "jq ÷ ksnap", "ksnap ≥ 10× faster")
	}
	d1, _, okd1 := t.proc("ksnap-batch-1cpu")
	d2, rd2, okd2 := t.proc("ksnap-batch")
	if okd1 && okd2 {
		add(row{sProc, "ksnap analyze DIR (" + meta["batch_bundles"] + " bundles), GOMAXPROCS=1", fmtDur(d1) + t.cpu("ksnap-batch-1cpu"), "", "", ""})
		add(row{sProc, "ksnap analyze DIR, 2 cores", fmtDur(d2) + t.cpu("ksnap-batch"), fmtBytes(rd2), "", ""})
		add(row{sProc, "batch rate, whole process, 2 cores ÷ 1 core", fmt.Sprintf("%.2f×", d1/d2), "", "(≥ 1.7×, judged above)", ""})
	}
	if c, rc, ok := t.proc("capture"); ok {
		slow, _ := strconv.ParseFloat(meta["kubectl_sleep_s"], 64)
		if slow == 0 {
			slow = 1
		}
		add(row{sProc, fmt.Sprintf("capture, fake kubectl: 4 list calls of %.0f s each", slow), fmtDur(c), fmtBytes(rc), fmt.Sprintf("≈ %.0f s (≤ %.1f s)", slow, 1.5*slow), verdict(c <= 1.5*slow, "")})
	} else {
		na(sProc, "capture, fake kubectl", "≈ slowest call")
	}
	if c, rc, ok := t.proc("capture-big"); ok {
		add(row{sProc, "capture, same fake kubectl, " + pods + "-pod outputs (adds JSON checks, tar, zstd, fsync)", fmtDur(c), fmtBytes(rc), "", ""})
	}
	t.captureRows(meta, add, na)
	if v, r, ok := t.proc("history-show"); ok {
		add(row{sProc, "ksnap history show --limit 50, 1M lines", fmtDur(v), fmtBytes(r), "", ""})
	}
	if v, r, ok := t.proc("history-summary"); ok {
		add(row{sProc, "ksnap history summary, 1M lines", fmtDur(v) + t.cpu("history-summary"), fmtBytes(r), "", ""})
	}
	return rows
}

func writeText(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHERE\tFIGURE\tMEDIAN\tPEAK RSS\tTARGET\tRESULT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.section, r.figure, r.value, r.rss, r.target, r.result)
	}
	tw.Flush()
}

func writeMarkdown(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| where | figure | median | peak RSS | target | result |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.section, r.figure, r.value, r.rss, r.target, r.result)
	}
}

// scaleRows are issue 16's figures: a month of cron bundles against the
// zstd -dc floor of the same run, and the 10M-line history.
func (t *tab) scaleRows(meta map[string]string, add func(row), na func(section, figure, target string)) {
	const sGo = "go"
	const month = "cmd/ksnap BenchmarkMonthBatch/"
	n := meta["month_bundles"]
	cpuOf := func(key string) string {
		if v, ok := t.med(key, "cpu-ms/op"); ok {
			return " (CPU " + fmtDur(v/1e3) + ")"
		}
		return ""
	}
	if v, ok := t.med(month+"zstd-floor", "ns/op"); ok {
		add(row{sGo, "month batch: zstd -dc floor, " + n + " bundles", fmtDur(v/1e9) + cpuOf(month+"zstd-floor"), "", "", ""})
	} else {
		na(sGo, "month batch: zstd -dc floor", "")
	}
	for _, c := range []struct{ name, label string }{
		{"analyze", "analyze DIR -o json"}, {"verify", "bundle verify"}, {"rebuild", "history rebuild"},
	} {
		one, ok1 := t.med(month+c.name, "ns/op")
		two, ok2 := t.med(month+c.name+"-2", "ns/op")
		if !ok1 || !ok2 {
			na(sGo, "month batch: "+c.label, "≤ 3× floor, ≥ 1.7× on 2 cores")
			continue
		}
		x2, _ := t.med(month+c.name+"-2", "x-floor")
		cx2, _ := t.med(month+c.name+"-2", "cpu-x-floor")
		add(row{sGo, "month batch: " + c.label + ", 1 core", fmtDur(one/1e9) + cpuOf(month+c.name), "", "", ""})
		add(row{sGo, "month batch: " + c.label + ", 2 cores ÷ zstd floor", fmt.Sprintf("%s, %.2f× (CPU %.2f×)", fmtDur(two/1e9), x2, cx2), "", "≤ 3×", verdict(x2 <= 3, "")})
		r, _ := t.pairRate(month+c.name, month+c.name+"-2", "ns/op")
		add(row{sGo, "month batch: " + c.label + ", 2 cores ÷ 1 core (rate, median of pairs)", fmt.Sprintf("%.2f×", r), "", "≥ 1.7×", verdict(r >= 1.7, "")})
	}

	lines := meta["big_history_lines"]
	if v, ok := t.med("history BenchmarkPrune10M-2", "peak-MiB"); ok {
		cpu, _ := t.med("history BenchmarkPrune10M-2", "cpu-ms/op")
		wall, _ := t.med("history BenchmarkPrune10M-2", "ns/op")
		add(row{sGo, "history prune of " + lines + " lines (child process)", fmt.Sprintf("%s (CPU %s)", fmtDur(wall/1e9), fmtDur(cpu/1e3)), fmt.Sprintf("%.0f MiB", v), "< 100 MiB RSS", verdict(v < 100, "")})
	} else {
		na(sGo, "history prune of "+lines+" lines", "< 100 MiB RSS")
	}
	full, okf := t.med("history BenchmarkSummary10M/full-2", "ns/op")
	since, oks := t.med("history BenchmarkSummary10M/since-last-1pct-2", "ns/op")
	if okf && oks {
		cf, _ := t.med("history BenchmarkSummary10M/full-2", "cpu-ms/op")
		cs, _ := t.med("history BenchmarkSummary10M/since-last-1pct-2", "cpu-ms/op")
		add(row{sGo, "history summary, " + lines + " lines, 2 cores", fmt.Sprintf("%s (CPU %s)", fmtDur(full/1e9), fmtDur(cf/1e3)), "", "", ""})
		r := since / full
		add(row{sGo, "history summary --since the last 1% ÷ full", fmt.Sprintf("%s, %.1f%% (CPU %.1f%%)", fmtDur(since/1e9), 100*r, 100*cs/cf), "", "≤ 5%", verdict(r <= 0.05, "")})
	} else {
		na(sGo, "history summary --since the last 1% ÷ full", "≤ 5%")
	}
	const rss = "history BenchmarkSummaryRSS10M-2"
	if x, ok := t.med(rss, "x-small"); ok {
		big, _ := t.med(rss, "peak-MiB")
		small, _ := t.med(rss, "small-peak-MiB")
		add(row{sGo, "history summary peak RSS, " + lines + " lines ÷ their first tenth (child processes)", fmt.Sprintf("%.2f× (%.0f ÷ %.0f MiB)", x, big, small), fmt.Sprintf("%.0f MiB", big), "≤ 1.25×", verdict(x <= 1.25, "")})
	} else {
		na(sGo, "history summary peak RSS, "+lines+" lines ÷ their first tenth", "≤ 1.25×")
	}
	if v, ok := t.med("history BenchmarkShowUntil10M-2", "ns/op"); ok {
		add(row{sGo, "history show --until (middle) --limit 50, " + lines + " lines", fmtDur(v/1e9) + cpuOf("history BenchmarkShowUntil10M-2"), "", "", ""})
	}
}

// cpuRatio adds the comparator's CPU time over ksnap's (all cores; issue
// 16 judges the ratios by CPU, which does not depend on ksnap getting a
// second core).
func (t *tab) cpuRatio(add func(row), name string, target float64) {
	c, err1 := strconv.ParseFloat(t.procs[name]["cpu_s"], 64)
	k, err2 := strconv.ParseFloat(t.procs["ksnap-analyze"]["cpu_s"], 64)
	if err1 != nil || err2 != nil || k == 0 {
		return
	}
	add(row{"process", name + " ÷ ksnap, CPU time", fmt.Sprintf("%.1f×", c/k), "", fmt.Sprintf("ksnap ≥ %.0f× less CPU", target), verdict(c/k >= target, "")})
}

// firstReadRatio adds the comparator's CPU time over that of ksnap's first
// read of the bundle (verify cache off: every member hashed), for the
// record: the targets are judged on the default path (cpuRatio).
func (t *tab) firstReadRatio(add func(row), name string) {
	c, err1 := strconv.ParseFloat(t.procs[name]["cpu_s"], 64)
	k, err2 := strconv.ParseFloat(t.procs["ksnap-analyze-first"]["cpu_s"], 64)
	if err1 != nil || err2 != nil || k == 0 {
		return
	}
	add(row{"process", name + " ÷ ksnap first read, CPU time", fmt.Sprintf("%.1f×", c/k), "", "", ""})
}
