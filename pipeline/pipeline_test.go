package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/memstore"
	"github.com/ksnap/ksnap/pipeline"
)

// scenarioFiles lists the scenario fixtures in capture order, through the
// one listing rule.
func scenarioFiles(t *testing.T) []string {
	t.Helper()
	ents, err := bundle.List("../fixtures/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range ents {
		files = append(files, e.Path)
	}
	if len(files) < 10 {
		t.Fatalf("only %d scenario bundles", len(files))
	}
	return files
}

func lines(t *testing.T, st history.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := st.Scan(context.Background(), history.Filter{}, func(r *history.Record) error {
		b.Write(history.AppendJSON(nil, r))
		b.WriteByte('\n')
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Rebuild appends, in input order, exactly the records Analyze gives one
// bundle at a time (what record appends), whatever the number of workers;
// an unreadable bundle is skipped and reported, the rest still written.
func TestRebuildEqualsAnalyze(t *testing.T) {
	files := scenarioFiles(t)
	broken := filepath.Join(t.TempDir(), "broken.tar.zst")
	if err := os.WriteFile(broken, []byte("not a bundle"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := append(append([]string{}, files[:3]...), append([]string{broken}, files[3:]...)...)

	var want bytes.Buffer
	for _, f := range files {
		a, err := pipeline.Analyze(f, pipeline.DefaultOptions())
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want.Write(history.AppendJSON(nil, &a.Record))
		want.WriteByte('\n')
	}
	for _, workers := range []int{1, 2, 8} {
		st := memstore.New("mem", nil)
		var failed []string
		res, err := pipeline.Rebuild(context.Background(), in, st, pipeline.DefaultOptions(), pipeline.BatchOptions{Workers: workers},
			func(it pipeline.Item) { failed = append(failed, it.Path) })
		if err != nil {
			t.Fatal(err)
		}
		if res.Bundles != len(in) || res.Written != len(files) || len(res.Failed) != 1 || len(failed) != 1 || failed[0] != broken {
			t.Fatalf("workers %d: %+v, failed %v", workers, res, failed)
		}
		if got := lines(t, st); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("workers %d: rebuilt history differs from the records Analyze gives:\n%s\nwant\n%s", workers, got, want.Bytes())
		}
	}
}

// AnalyzeAll hands items back in input order with Prepare's value, and an
// unreadable bundle as an item with Err, never a stop.
func TestAnalyzeAllOrderAndPrepare(t *testing.T) {
	files := scenarioFiles(t)
	in := append([]string{"missing.tar.zst"}, files...)
	var got []string
	err := pipeline.AnalyzeAll(context.Background(), in, pipeline.DefaultOptions(), pipeline.BatchOptions{
		Workers: 2,
		Prepare: func(a *pipeline.Analyzed) (any, error) { return a.Name, nil },
	}, func(it pipeline.Item) error {
		switch {
		case it.Err != nil:
			got = append(got, "error:"+it.Err.Error())
		default:
			got = append(got, it.Prepared.(string))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) || got[0] != "error:missing.tar.zst: no such file" {
		t.Fatalf("items %v", got)
	}
	for i, f := range files {
		if got[i+1] != filepath.Base(f) {
			t.Errorf("item %d = %q, want %q", i+1, got[i+1], filepath.Base(f))
		}
	}
}

// KeepBundle hands back the bundle read (its members in memory, the same
// file); without it Analyzed.Bundle is nil, and the report is the same.
func TestAnalyzeKeepBundle(t *testing.T) {
	f := scenarioFiles(t)[0]
	plain, err := pipeline.Analyze(f, pipeline.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if plain.Bundle != nil {
		t.Error("Analyzed.Bundle set without KeepBundle")
	}
	o := pipeline.DefaultOptions()
	o.KeepBundle = true
	kept, err := pipeline.Analyze(f, o)
	if err != nil {
		t.Fatal(err)
	}
	if kept.Bundle == nil || kept.Bundle.SHA256 != plain.SHA256 {
		t.Fatalf("KeepBundle: bundle %v", kept.Bundle)
	}
	c, ok := kept.Bundle.Manifest.Command(bundle.KindPods)
	if !ok || c.Member == "" {
		t.Fatalf("no pods member in %s", f)
	}
	if d, err := kept.Bundle.Member(c.Member); err != nil || len(d) == 0 {
		t.Errorf("member %s: %d bytes, %v", c.Member, len(d), err)
	}
	if !bytes.Equal(history.AppendJSON(nil, &kept.Record), history.AppendJSON(nil, &plain.Record)) {
		t.Error("KeepBundle changed the record")
	}
}
