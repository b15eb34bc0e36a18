package html

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/dashboard"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/memstore"
	"github.com/ksnap/ksnap/internal/genstore"
)

var update = flag.Bool("update", false, "rewrite golden files")

// scenarios is the history rebuilt from fixtures/scenarios.
const scenarios = "../../fixtures/history/scenarios.jsonl"

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
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d (run with -update to accept):\n got %q\nwant %q", path, i+1, g, w)
			}
		}
	}
}

func renderDashboard(t *testing.T, s history.Store, o dashboard.Options) []byte {
	t.Helper()
	d, err := dashboard.Build(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteDashboard(&buf, d, DashboardOptions{Source: filepath.Base(s.String())}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDashboardGolden renders the history rebuilt from fixtures/scenarios
// (go run ./cmd/ksnap history rebuild --from fixtures/scenarios -o
// fixtures/history/scenarios.jsonl) twice, in two time zones.
func TestDashboardGolden(t *testing.T) {
	s, err := jsonl.Open(scenarios, jsonl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := renderDashboard(t, s, dashboard.Options{})
	loc := time.Local
	time.Local = time.FixedZone("X", -7*3600)
	second := renderDashboard(t, s, dashboard.Options{})
	time.Local = loc
	if !bytes.Equal(first, second) {
		t.Fatal("two renderings differ")
	}
	golden(t, "scenarios.html", first)
	assertOffline(t, first)
	assertTags(t, first)
}

var netRef = regexp.MustCompile(`(?i)(https?:|//[a-z0-9]|\bsrc=|\bhref="[^#]|<script|<link|@import|url\((?:[^#]))`)

// assertOffline fails on anything that could make the page load something.
func assertOffline(t *testing.T, page []byte) {
	t.Helper()
	if m := netRef.Find(page); m != nil {
		t.Errorf("page has a reference outside itself: %q", m)
	}
	if !bytes.Contains(page, []byte(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-`)) {
		t.Error("page has no default-src 'none' CSP")
	}
}

func TestHostileNamesEscaped(t *testing.T) {
	evil := `<script>alert(1)</script><img src=https://evil.example/x>"'&`
	recs := []history.Record{{
		Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Namespace: evil, Selector: evil,
		OverallHealth: "ERROR", Bundle: evil, BundleSHA256: evil,
		Jobs: []history.Job{{Name: evil, Health: "ERROR", Rules: []string{evil}}, {Name: "j", Owner: evil, Health: "WARN", Rules: []string{"J4"}}},
	}}
	s := memstore.New(evil, nil)
	if _, err := s.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	page := renderDashboard(t, s, dashboard.Options{})
	for _, bad := range []string{"<script", "<img", "evil.example/x>"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
	if !bytes.Contains(page, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("the hostile name is not shown escaped")
	}
	assertTags(t, page)
}

var tagName = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)`)

// assertTags fails on an element that the templates do not write: a name
// that escaped its escaping would open one.
func assertTags(t *testing.T, page []byte) {
	t.Helper()
	allowed := map[string]bool{}
	for _, n := range strings.Fields("html head meta title style body header h1 h2 h3 h4 p b br nav a svg rect text section main table tr th td code span div footer pre") {
		allowed[n] = true
	}
	for _, m := range tagName.FindAllSubmatch(page, -1) {
		if !allowed[strings.ToLower(string(m[1]))] {
			t.Errorf("page has a <%s> element", m[1])
		}
	}
}

// TestSizeBound: 10,000 captures x 200 owners (a CronJob each, every
// capture a new Job of each, some failing) stay under MaxBytes, in one
// target and spread over ten.
func TestSizeBound(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 2,000,000 job verdicts")
	}
	for _, targets := range []int{1, 10} {
		t.Run(fmt.Sprint(targets, " targets"), func(t *testing.T) {
			page := renderDashboard(t, generated(10000, 200, targets), dashboard.Options{})
			t.Logf("%d bytes", len(page))
			if len(page) > MaxBytes {
				t.Errorf("page is %d bytes, over the documented %d", len(page), MaxBytes)
			}
			if n := bytes.Count(page, []byte(`class="cell `)); n > dashboard.DefaultMaxCells {
				t.Errorf("%d cells, over %d", n, dashboard.DefaultMaxCells)
			}
		})
	}
}

// generated is a store of captures every 5 minutes, owners spread evenly
// over targets.
func generated(captures, owners, targets int) *genstore.Store {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	perTarget := owners / targets
	return &genstore.Store{Name: "generated", Gen: func(yield func(*history.Record) bool) {
		r := history.Record{Namespace: "prod", Ruleset: "ksnap-rules/1"}
		for i := range captures {
			tg := i % targets
			r.Selector = fmt.Sprintf("team=t%02d", tg)
			r.Time = t0.Add(time.Duration(i) * 5 * time.Minute)
			r.Bundle = fmt.Sprintf("ksnap-prod-%s.tar.zst", r.Time.Format("20060102T150405Z"))
			r.BundleSHA256 = fmt.Sprintf("%064x", i)
			r.OverallHealth = "OK"
			r.CaptureErrors = 0
			if i%97 == 0 {
				r.CaptureErrors = 1
			}
			r.Jobs = r.Jobs[:0]
			for o := range perTarget {
				h, rules := "OK", []string(nil)
				if (i/targets+o)%23 == 0 {
					h, rules, r.OverallHealth = "ERROR", []string{"J1"}, "ERROR"
				}
				owner := fmt.Sprintf("cronjob-%s-%03d", r.Selector[5:], o)
				r.Jobs = append(r.Jobs, history.Job{Name: fmt.Sprintf("%s-%d", owner, 29000000+i), Owner: owner, Phase: "SUCCEEDED", Health: h, Rules: rules})
			}
			if !yield(&r) {
				return
			}
		}
	}}
}

// TestDashboardAggregatedGolden: 200 captures every 5 minutes in a page of
// at most 24 columns aggregate by hour.
func TestDashboardAggregatedGolden(t *testing.T) {
	page := renderDashboard(t, generated(200, 3, 1), dashboard.Options{MaxColumns: 24})
	if !bytes.Contains(page, []byte("Aggregated: one column per hour (UTC), 17 columns.")) {
		t.Error("the page does not say it aggregates by hour")
	}
	golden(t, "aggregated.html", page)
	assertOffline(t, page)
	assertTags(t, page)
}

// BenchmarkDashboard folds and renders 10,000 captures x 200 owners.
func BenchmarkDashboard(b *testing.B) {
	s := generated(10000, 200, 1)
	b.ReportAllocs()
	for b.Loop() {
		d, err := dashboard.Build(context.Background(), s, dashboard.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteDashboard(&buf, d, DashboardOptions{}); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
	}
}
