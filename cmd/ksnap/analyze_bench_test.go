package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/internal/cputime"
	"github.com/ksnap/ksnap/internal/gen"
)

// benchJSONEnv discards the output: these benchmarks measure the whole
// command (read, zstd, sha256, parse, rules, JSON rendering), not a terminal.
func benchJSONEnv() *env {
	return &env{
		stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard,
		getenv:  func(string) string { return "" },
		now:     func() time.Time { return time.Time{} },
		kubectl: func(kubectl.Exec) kubectl.Runner { return nil },
	}
}

// benchAnalyzeJSON writes n generated bundles of the given size into a
// directory and runs `ksnap analyze -o json DIR` on it. SetBytes is the
// members' total (uncompressed) size; cpu-ms/op and cpu-MB/s are the
// process CPU time, steadier than wall time on a shared machine.
func benchAnalyzeJSON(b *testing.B, bundles, pods int) {
	dir := b.TempDir()
	var size int64
	for i := 0; i < bundles; i++ {
		g := gen.Generate(gen.Options{Pods: pods, CapturedAt: time.Date(2025, 11, 16, 10, i, 0, 0, time.UTC)})
		if _, err := g.Write(dir); err != nil {
			b.Fatal(err)
		}
		size += g.Size()
	}
	e := benchJSONEnv()
	b.SetBytes(size)
	b.ReportAllocs()
	defer cputime.Report(b, cputime.Now(), size)
	for b.Loop() {
		if code := run(context.Background(), []string{"analyze", "-o", "json", dir}, e); code != exitError {
			b.Fatalf("exit = %d", code)
		}
	}
}

// BenchmarkAnalyzeJSON10k is `ksnap analyze -o json` of one 10,000-pod
// bundle (issue 6: at most 0.8 s on one core, 0.5 s on two). Run it with
// -cpu 1,2.
func BenchmarkAnalyzeJSON10k(b *testing.B) { benchAnalyzeJSON(b, 1, 10000) }

// BenchmarkAnalyzeJSONBatch is `ksnap analyze -o json DIR` over 8 bundles
// of 2,500 pods: with -cpu 2 it should run at least 1.7 times the -cpu 1
// rate (issue 6). BenchmarkAnalyzeDir is the same with text output.
func BenchmarkAnalyzeJSONBatch(b *testing.B) { benchAnalyzeJSON(b, 8, 2500) }
