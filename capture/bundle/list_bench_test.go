package bundle_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/gen"
)

// BenchmarkPeekManifest reads only the manifest of the 10,000-pod bundle:
// its cost must not grow with the bundle (compare BenchmarkOpen).
func BenchmarkPeekManifest(b *testing.B) {
	_, data := benchBundle()
	path := filepath.Join(b.TempDir(), "big"+bundle.Extension)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bundle.PeekManifest(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList lists a directory of 200 small bundles with canonical
// names, one per second (no manifest read), and the same bundles renamed
// to non-canonical names (every manifest read).
func BenchmarkList(b *testing.B) {
	for _, canonical := range []bool{true, false} {
		name := "canonical"
		if !canonical {
			name = "renamed"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			g := gen.Generate(gen.Options{Pods: 2})
			t0, err := bundle.ParseTime(g.Manifest.CapturedAt)
			if err != nil {
				b.Fatal(err)
			}
			for i := range 200 {
				m := *g.Manifest
				m.CapturedAt = bundle.FormatTime(t0.Add(time.Duration(i) * time.Second))
				p, err := bundle.Write(dir, &m, g.Members)
				if err != nil {
					b.Fatal(err)
				}
				if !canonical {
					if err := os.Rename(p, filepath.Join(dir, "copy-"+filepath.Base(p)[:16]+bundle.Extension)); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if es, err := bundle.List(dir); err != nil || len(es) != 200 {
					b.Fatal(len(es), err)
				}
			}
		})
	}
}
