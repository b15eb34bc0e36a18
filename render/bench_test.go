package render_test

import (
	"io"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/internal/gen"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/junit"
	"github.com/ksnap/ksnap/render/markdown"
	"github.com/ksnap/ksnap/render/text"
)

// BenchmarkRender renders the report of a generated 10,000-pod bundle in
// each format.
func BenchmarkRender(b *testing.B) {
	g := gen.Generate(gen.Options{Pods: 10000})
	members := map[string][]byte{}
	for _, m := range g.Members {
		members[m.Name] = m.Data
	}
	src := &analyze.MapSource{File: "gen.tar.zst", Sum: strings.Repeat("0", 64), Man: g.Manifest, Members: members}
	rep, err := analyze.Evaluate(src, rules.Default(), analyze.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range []struct {
		name string
		w    func(io.Writer, *analyze.Report) error
	}{{"text", text.Report}, {"text-all", func(w io.Writer, r *analyze.Report) error { return text.Write(w, r, text.Options{All: true}) }},
		{"json", json.Report}, {"junit", func(w io.Writer, r *analyze.Report) error { return junit.Reports(w, r) }}, {"markdown", markdown.Report}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := f.w(io.Discard, rep); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
