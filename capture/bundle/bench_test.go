package bundle_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/cputime"
	"github.com/ksnap/ksnap/internal/gen"
)

// benchPods is the size of the generated bundle (issue 6: 10,000 pods with
// managedFields, about 5,000 Jobs and 55,000 events; about 170 MB of JSON).
const benchPods = 10000

var benchBundle = sync.OnceValues(func() (*gen.Bundle, []byte) {
	g := gen.Generate(gen.Options{Pods: benchPods})
	var buf bytes.Buffer
	if _, err := bundle.Encode(&buf, g.Manifest, g.Members); err != nil {
		panic(err)
	}
	return g, buf.Bytes()
})

// BenchmarkEncode builds the tar and compresses it (the CPU part of a
// write). SetBytes is the members' uncompressed size.
func BenchmarkEncode(b *testing.B) {
	g, _ := benchBundle()
	b.SetBytes(g.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bundle.Encode(io.Discard, g.Manifest, g.Members); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite is a durable bundle.Write: encode, temp file, fsync, link,
// directory fsync. Each iteration writes a new bundle (its finish time
// differs, so its name does) and removes it afterwards.
func BenchmarkWrite(b *testing.B) {
	g, _ := benchBundle()
	dir := b.TempDir()
	m := *g.Manifest
	finished, err := bundle.ParseTime(m.FinishedAt)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(g.Size())
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		m.FinishedAt = bundle.FormatTime(finished.Add(time.Duration(i) * time.Millisecond))
		path, err := bundle.Write(dir, &m, g.Members)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode verifies a bundle held in memory: zstd frames and
// checksums, tar structure, names, sizes and every member's sha256.
func BenchmarkDecode(b *testing.B) {
	g, data := benchBundle()
	b.SetBytes(g.Size())
	b.ReportAllocs()
	start := cputime.Now()
	for b.Loop() {
		bd, err := bundle.Decode("gen.tar.zst", data)
		if err != nil {
			b.Fatal(err)
		}
		if !bd.Has(bundle.PodsMember) {
			b.Fatal("no pods member")
		}
	}
	cputime.Report(b, start, 0)
}

// BenchmarkOpen is Decode plus reading the file (warm page cache): what
// `ksnap analyze` pays before analysis starts.
func BenchmarkOpen(b *testing.B) {
	g, data := benchBundle()
	path := filepath.Join(b.TempDir(), "gen.tar.zst")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(g.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bundle.Open(path); err != nil {
			b.Fatal(err)
		}
	}
}
