package analyze

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/cputime"
	"github.com/ksnap/ksnap/internal/gen"
)

func genSource(b *testing.B, pods int) (*MapSource, int64) {
	b.Helper()
	g := gen.Generate(gen.Options{Pods: pods})
	members := map[string][]byte{}
	for _, m := range g.Members {
		members[m.Name] = m.Data
	}
	return &MapSource{File: "gen.tar.zst", Sum: strings.Repeat("0", 64), Man: g.Manifest, Members: members}, g.Size()
}

// BenchmarkAnalyze evaluates a generated 10,000-pod bundle (about 5,000
// Jobs and 55,000 events, with managedFields) from memory: parsing,
// correlation and rules. SetBytes is the members' total size.
func BenchmarkAnalyze(b *testing.B) {
	src, size := genSource(b, 10000)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Evaluate(src, rules.Default(), DefaultOptions())
		if err != nil || rep.Counts.Pods != 10000 {
			b.Fatalf("pods=%d err=%v", rep.Counts.Pods, err)
		}
	}
}

// BenchmarkAnalyzeBundle adds bundle decoding (zstd, tar, sha256 checks) to
// BenchmarkAnalyze: the cost of `ksnap analyze FILE` without output.
func BenchmarkAnalyzeBundle(b *testing.B) {
	g := gen.Generate(gen.Options{Pods: 10000})
	var buf bytes.Buffer
	if _, err := bundle.Encode(&buf, g.Manifest, g.Members); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(g.Size())
	b.ReportAllocs()
	start := cputime.Now()
	for b.Loop() {
		bd, err := bundle.Decode("gen.tar.zst", data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Evaluate(FromBundle(bd), rules.Default(), DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
	cputime.Report(b, start, 0)
}
