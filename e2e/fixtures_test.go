//go:build e2e

package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var recordFixtures = flag.String("record-fixtures", "", "write scenario bundles into this directory (scripts/record-fixtures); the test is skipped without it")

// fixture is one bundle scripts/record-fixtures writes.
type fixture struct {
	name       string // directory under the fixtures dir
	job        string // the one Job the bundle must hold, "" for any
	selector   string // -l; "" captures the whole namespace
	kubeconfig string
	extra      []string
	wantExit   int
	jobFile    string // testdata/jobs file copied next to the bundle, "" for none
}

// TestRecordFixtures captures each scenario with the read-only identities
// into DIR/<name>/bundle.tar.zst (next to the Job definition it came from).
// KUBECONFIG is passed through the environment rather than --kubeconfig so
// that the argv recorded in the manifests holds no temporary paths.
func TestRecordFixtures(t *testing.T) {
	if *recordFixtures == "" {
		t.Skip("only with -record-fixtures DIR (scripts/record-fixtures)")
	}
	requireCluster(t)
	dir, err := filepath.Abs(*recordFixtures)
	if err != nil {
		t.Fatal(err)
	}
	var fixtures []fixture
	for _, sc := range scenarios {
		name := strings.TrimSuffix(sc.file, ".yaml")
		fixtures = append(fixtures, fixture{
			name: name, job: sc.job, selector: "ktest.ksnap.io/scenario=" + name,
			kubeconfig: env.roKubeconfig, jobFile: sc.file,
		})
	}
	fixtures = append(fixtures,
		fixture{name: "namespace", kubeconfig: env.roKubeconfig},
		fixture{name: "events-forbidden", kubeconfig: env.noEventsKubeconfig, wantExit: exitPartial},
		fixture{name: "unknown-context", kubeconfig: env.roKubeconfig, extra: []string{"--context", "no-such-context"}, wantExit: exitPartial},
	)
	_, file, _, _ := runtime.Caller(0)
	jobsDir := filepath.Join(filepath.Dir(file), "testdata", "jobs")
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			tmp := t.TempDir()
			args := []string{env.ksnap, "capture", "-n", env.namespace, "--out", tmp}
			if f.selector != "" {
				args = append(args, "-l", f.selector)
			}
			args = append(args, f.extra...)
			r, err := runProg(t.Context(), 2*time.Minute, args, "KUBECONFIG="+f.kubeconfig)
			if err != nil {
				t.Fatal(err)
			}
			if r.code != f.wantExit {
				t.Fatalf("want exit %d: %s", f.wantExit, r)
			}
			src := strings.TrimSpace(string(r.stdout))
			if !filepath.IsAbs(src) {
				src = filepath.Join(tmp, filepath.Base(src))
			}
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, f.name)
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, "bundle.tar.zst"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			if f.jobFile != "" {
				job, err := os.ReadFile(filepath.Join(jobsDir, f.jobFile))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(out, "job.yaml"), job, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if r := ksnap(t, "bundle", "verify", filepath.Join(out, "bundle.tar.zst")); r.code != exitOK {
				t.Errorf("verify: %s", r)
			}
			b := openBundle(t, filepath.Join(out, "bundle.tar.zst"))
			if f.job != "" {
				jobs, err := b.Member("jobs.json")
				if err != nil {
					t.Fatal(err)
				}
				if keys := itemKeys(t, "jobs.json", jobs); len(keys) != 1 || !strings.HasPrefix(keys[0], f.job+" ") {
					t.Errorf("jobs.json holds %q, want just %s", keys, f.job)
				}
			}
			for _, c := range b.Manifest.Commands {
				if env.dataDir != "" && strings.Contains(strings.Join(c.Argv, " "), env.dataDir) {
					t.Errorf("%s: recorded argv %q names the temporary cluster dir", c.Member, c.Argv)
				}
			}
			t.Logf("wrote %s (%d bytes)", filepath.Join(out, "bundle.tar.zst"), len(data))
		})
	}
}
