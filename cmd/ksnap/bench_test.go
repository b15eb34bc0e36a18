package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/internal/gen"
)

// batchBundles and batchPods shape BenchmarkAnalyzeDir's directory; the
// environment variables KSNAP_BENCH_BATCH_BUNDLES and KSNAP_BENCH_BATCH_PODS
// override them (scripts/bench --quick uses fewer).
const (
	batchBundles = 20
	batchPods    = 1000
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkAnalyzeDir runs `ksnap analyze DIR` in-process on a directory of
// generated bundles (1,000 pods each, a minute apart), text output
// discarded: the batch mode users run on months of cron bundles. Run it
// with -cpu 1,2: issue 6 wants two cores to analyze at least 1.7 times as
// many bundles a second as one. SetBytes is the bundles' uncompressed size;
// bundles/s is reported too.
func BenchmarkAnalyzeDir(b *testing.B) {
	n := envInt("KSNAP_BENCH_BATCH_BUNDLES", batchBundles)
	pods := envInt("KSNAP_BENCH_BATCH_PODS", batchPods)
	dir := b.TempDir()
	var size int64
	at := time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)
	for i := range n {
		g := gen.Generate(gen.Options{Pods: pods, CapturedAt: at.Add(time.Duration(i) * time.Minute)})
		if _, err := g.Write(dir); err != nil {
			b.Fatal(err)
		}
		size += g.Size()
	}
	var errb bytes.Buffer
	e := &env{
		stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errb,
		getenv: func(string) string { return "" },
		now:    func() time.Time { b.Fatal("analyze read the clock"); return time.Time{} },
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		// The generated bundles hold failed Jobs: the verdict is ERROR (2).
		if code := run(context.Background(), []string{"analyze", dir}, e); code != exitError || errb.Len() > 0 {
			b.Fatalf("exit %d, stderr %q", code, errb.String())
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "bundles/s")
}
