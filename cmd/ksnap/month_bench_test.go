package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ksnap/ksnap/internal/cputime"
	"github.com/ksnap/ksnap/internal/gen"
)

// monthBundles is a month of 5-minute cron captures (issue 16);
// KSNAP_BENCH_MONTH_BUNDLES overrides it, KSNAP_BENCH_MONTH_PODS the pods
// per bundle (40: about 20 Jobs and 200 events).
const (
	monthBundles = 8640
	monthPods    = 40
)

// zstdFloor decompresses every file with the zstd CLI to /dev/null, in
// chunks of 500 arguments, and returns the wall and CPU time it took.
func zstdFloor(b *testing.B, files []string) (wall, cpu time.Duration) {
	start := time.Now()
	for i := 0; i < len(files); i += 500 {
		cmd := exec.Command("zstd", append([]string{"-dcq"}, files[i:min(i+500, len(files))]...)...)
		var errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &errb
		if err := cmd.Run(); err != nil {
			b.Fatalf("zstd -dc: %v %s", err, errb.String())
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return time.Since(start), cpu
}

// monthBundleDir returns the n generated bundles of the month and their
// directory: $KSNAP_BENCH_MONTH_DIR when set (generated there when it holds
// no bundle, reused when it holds exactly n, so that scripts/bench's
// samples, one test process each, generate the month once), else a temp
// dir. The bundles are deterministic: a reused directory holds the same bytes.
func monthBundleDir(b *testing.B, n, pods int) ([]string, string) {
	dir := os.Getenv("KSNAP_BENCH_MONTH_DIR")
	if dir == "" {
		dir = b.TempDir()
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.tar.zst"))
	if err != nil {
		b.Fatal(err)
	}
	if len(files) == 0 {
		at := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
		for i := range n {
			g := gen.Generate(gen.Options{Pods: pods, CapturedAt: at.Add(time.Duration(i) * 5 * time.Minute)})
			if _, err := g.Write(dir); err != nil {
				b.Fatal(err)
			}
		}
		if files, err = filepath.Glob(filepath.Join(dir, "*.tar.zst")); err != nil {
			b.Fatal(err)
		}
	}
	if len(files) != n {
		b.Fatalf("%s: %d bundles, want %d (empty it or set KSNAP_BENCH_MONTH_BUNDLES)", dir, len(files), n)
	}
	return files, dir
}

// BenchmarkMonthBatch runs analyze DIR, bundle verify and history rebuild
// in-process on a month of small generated bundles, and the zstd -dc floor
// on the same files in the same run (the median of three). Each ksnap
// sub-benchmark reports cpu-ms/op, bundles/s and its wall and CPU time as
// a multiple of the floor's (x-floor, cpu-x-floor; the target:
// x-floor ≤ 3). Run it with -benchtime 1x once with GOMAXPROCS=1 -cpu 1
// and once with GOMAXPROCS=2 -cpu 2 (scripts/bench does, in pairs): the
// 2-core ÷ 1-core bundles/s is the target ≥ 1.7×. Needs the zstd CLI.
func BenchmarkMonthBatch(b *testing.B) {
	if _, err := exec.LookPath("zstd"); err != nil {
		b.Skip("the zstd CLI is needed for the floor (apt-get install zstd)")
	}
	n := envInt("KSNAP_BENCH_MONTH_BUNDLES", monthBundles)
	pods := envInt("KSNAP_BENCH_MONTH_PODS", monthPods)
	files, dir := monthBundleDir(b, n, pods)
	sort.Strings(files)
	var walls, cpus []time.Duration
	for range 3 {
		w, c := zstdFloor(b, files)
		walls, cpus = append(walls, w), append(cpus, c)
	}
	slices := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	floorWall, floorCPU := slices(walls), slices(cpus)
	b.Run("zstd-floor", func(b *testing.B) {
		var cpu time.Duration
		for b.Loop() {
			_, c := zstdFloor(b, files)
			cpu += c
		}
		b.ReportMetric(float64(cpu.Nanoseconds())/1e6/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "bundles/s")
	})
	out := b.TempDir()
	k := 0
	for _, tc := range []struct {
		name string
		code int
		args func() []string
	}{
		// The generated bundles hold failed Jobs: analyze's verdict is ERROR.
		{"analyze", exitError, func() []string { return []string{"analyze", dir, "-o", "json"} }},
		{"verify", 0, func() []string { return append([]string{"bundle", "verify"}, files...) }},
		{"rebuild", 0, func() []string {
			k++
			return []string{"history", "rebuild", "--from", dir, "-o", filepath.Join(out, fmt.Sprintf("h%d.jsonl", k))}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var errb bytes.Buffer
			e := &env{
				stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errb,
				getenv: func(string) string { return "" },
				now:    time.Now,
			}
			b.ReportAllocs()
			start := cputime.Now()
			for b.Loop() {
				if code := run(context.Background(), tc.args(), e); code != tc.code {
					b.Fatalf("exit %d, want %d; stderr %q", code, tc.code, errb.String())
				}
			}
			cpu := cputime.Now() - start
			b.ReportMetric(float64(cpu.Nanoseconds())/1e6/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "bundles/s")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/floorWall.Seconds(), "x-floor")
			b.ReportMetric(cpu.Seconds()/float64(b.N)/floorCPU.Seconds(), "cpu-x-floor")
		})
	}
	os.RemoveAll(out)
}
