package render_test

import (
	"bytes"
	stdjson "encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/fixtures"
	"github.com/ksnap/ksnap/internal/gen"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/junit"
	"github.com/ksnap/ksnap/render/junit/junittest"
	"github.com/ksnap/ksnap/render/markdown"
	"github.com/ksnap/ksnap/render/text"
)

var update = flag.Bool("update", false, "rewrite golden files")

type goldenCase struct {
	name string // golden file stem
	src  analyze.Source
}

// goldenCases are every fixture bundle (fixtures/realdata, fixtures/scenarios)
// and a small generated bundle that covers every scenario of internal/gen.
func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	var cases []goldenCase
	err := fs.WalkDir(fixtures.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, bundle.Extension) {
			return err
		}
		data, err := fixtures.FS.ReadFile(p)
		if err != nil {
			return err
		}
		b, err := bundle.Decode(path.Base(p), data)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		stem := strings.ReplaceAll(strings.TrimSuffix(p, bundle.Extension), "/", "__")
		cases = append(cases, goldenCase{stem, analyze.FromBundle(b)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	g := gen.Generate(gen.Options{Pods: 24})
	members := map[string][]byte{}
	for _, m := range g.Members {
		members[m.Name] = m.Data
	}
	cases = append(cases, goldenCase{"gen__24-pods", &analyze.MapSource{File: "gen-24-pods.tar.zst", Sum: strings.Repeat("ab", 32), Man: g.Manifest, Members: members}})
	return cases
}

// goldenSets are the rule sets every golden bundle is judged under, each
// into its own directory: testdata/golden holds v1's reports (exact replay
// of old verdicts: their bytes never change), testdata/golden-v2 v2's.
var goldenSets = []struct {
	dir string
	rs  rules.RuleSet
}{
	{"golden", rules.V1()},
	{"golden-v2", rules.V2()},
}

func evaluate(t *testing.T, rs rules.RuleSet, src analyze.Source) *analyze.Report {
	t.Helper()
	rep, err := analyze.Evaluate(src, rs, analyze.DefaultOptions())
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return rep
}

func render(t *testing.T, rs rules.RuleSet, src analyze.Source) map[string][]byte {
	t.Helper()
	rep := evaluate(t, rs, src)
	out := map[string][]byte{}
	for ext, w := range map[string]func(*bytes.Buffer) error{
		".txt":  func(b *bytes.Buffer) error { return text.Report(b, rep) },
		".json": func(b *bytes.Buffer) error { return json.Report(b, rep) },
		".xml":  func(b *bytes.Buffer) error { return junit.Reports(b, rep) },
		".md":   func(b *bytes.Buffer) error { return markdown.Report(b, rep) },
	} {
		var buf bytes.Buffer
		if err := w(&buf); err != nil {
			t.Fatalf("render %s: %v", ext, err)
		}
		out[ext] = buf.Bytes()
	}
	return out
}

// TestGolden renders every fixture bundle as text, JSON and JUnit under
// each rule set of goldenSets and compares with testdata/golden and
// testdata/golden-v2 (rewrite with -update). Each bundle is rendered twice
// and the two outputs must be identical bytes.
func TestGolden(t *testing.T) {
	for _, set := range goldenSets {
		for _, c := range goldenCases(t) {
			t.Run(set.rs.Name()+"/"+c.name, func(t *testing.T) {
				first, second := render(t, set.rs, c.src), render(t, set.rs, c.src)
				for ext, got := range first {
					if !bytes.Equal(got, second[ext]) {
						t.Errorf("%s: two renders of the same bundle differ", ext)
					}
					golden(t, filepath.Join(set.dir, c.name+ext), got)
				}
			})
		}
	}
}

// TestJUnitSchema checks the JUnit of every golden bundle, hostile names
// included, with and without Strict and next to an unreadable bundle,
// against the JUnit schema (junittest.Check: strict XML 1.0 decoding, the
// schema's elements and attributes, consistent counts).
func TestJUnitSchema(t *testing.T) {
	var all []junit.Entry
	for _, c := range goldenCases(t) {
		all = append(all, junit.Entry{Path: c.name, Report: evaluate(t, rules.Default(), c.src)})
	}
	all = append(all, junit.Entry{Path: "broken\x1b.tar.zst", Err: fmt.Errorf("broken.tar.zst: member jobs.json: sha256 mismatch </testcase>\x00")})
	for _, strict := range []bool{false, true} {
		for _, e := range all {
			var buf bytes.Buffer
			if err := junit.Write(&buf, []junit.Entry{e}, junit.Options{Strict: strict}); err != nil {
				t.Fatal(err)
			}
			if err := junittest.Check(buf.Bytes()); err != nil {
				t.Errorf("%s (strict %v): %v", e.Path, strict, err)
			}
		}
		var buf bytes.Buffer
		if err := junit.Write(&buf, all, junit.Options{Strict: strict}); err != nil {
			t.Fatal(err)
		}
		if err := junittest.Check(buf.Bytes()); err != nil {
			t.Errorf("every bundle in one document (strict %v): %v", strict, err)
		}
	}
}

// TestTextOptions renders the incident bundle (scenarios/namespace) with
// --brief and --all: brief is the first block of the full report, and all
// adds the OK Job's block.
func TestTextOptions(t *testing.T) {
	var src analyze.Source
	for _, c := range goldenCases(t) {
		if c.name == "scenarios__namespace" {
			src = c.src
		}
	}
	rep := evaluate(t, rules.V1(), src)
	for _, tt := range []struct {
		ext string
		o   text.Options
	}{{".brief.txt", text.Options{Brief: true}}, {".all.txt", text.Options{All: true}}} {
		var buf bytes.Buffer
		if err := text.Write(&buf, rep, tt.o); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("golden", "scenarios__namespace"+tt.ext), buf.Bytes())
	}
}

// TestGoldenOtherTZ reruns TestGolden in a child process with TZ=Asia/Seoul
// and a Korean locale: output must not depend on either.
func TestGoldenOtherTZ(t *testing.T) {
	if os.Getenv("KSNAP_GOLDEN_CHILD") != "" || *update {
		t.Skip("child process, or rewriting goldens")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGolden$", "-test.count=1")
	cmd.Env = append(os.Environ(), "KSNAP_GOLDEN_CHILD=1", "TZ=Asia/Seoul", "LANG=ko_KR.UTF-8", "LC_ALL=ko_KR.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("TestGolden under TZ=Asia/Seoul: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("PASS")) {
		t.Fatalf("child did not pass:\n%s", out)
	}
}

// TestReportJSONMatchesEncodingJSON checks json.Report against
// encoding/json over the tagged report structs on every golden bundle (the
// json package's own test covers strings that need escaping and nil lists).
func TestReportJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range goldenCases(t) {
		rep := evaluate(t, rules.Default(), c.src)
		var want, got bytes.Buffer
		enc := stdjson.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			t.Fatal(err)
		}
		if err := json.Report(&got, rep); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s differs from encoding/json:\n%s", c.name, diff(want.String(), got.String()))
		}
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n%s", path, diff(string(want), string(got)))
	}
}

// diff shows the first differing line of two texts with its neighbours.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, wl, gl)
		}
	}
	return "(same lines; different line endings?)"
}
