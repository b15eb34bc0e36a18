//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
)

// Exit codes of ksnap (cmd/ksnap/exit.go).
const (
	exitOK      = 0
	exitError   = 2
	exitUnknown = 3
	exitPartial = 4
)

// wantLog is what kubectl logs prints for every container: the CRI log file
// written by scripts/cluster/up, without the CRI prefixes.
const wantLog = "ksnap-e2e: container started\nksnap-e2e: working\nksnap-e2e: last line before exit\n"

// capture runs ksnap capture with kubeconfig and extra flags into a new
// directory and returns the result and the bundle path it printed.
func capture(t *testing.T, kubeconfig string, extra ...string) (result, string) {
	t.Helper()
	out := t.TempDir()
	args := append([]string{"capture", "-n", env.namespace, "--kubeconfig", kubeconfig, "--bundle-dir", out, "--timeout", "20s"}, extra...)
	r := ksnap(t, args...)
	path := strings.TrimSpace(string(r.stdout))
	if path == "" || strings.Contains(path, "\n") {
		t.Fatalf("capture printed %q on stdout, want one bundle path\n%s", path, r)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(out, filepath.Base(path))
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("bundle not written: %v\n%s", err, r)
	}
	return r, path
}

func openBundle(t *testing.T, path string) *bundle.Bundle {
	t.Helper()
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verify asserts that ksnap bundle verify accepts path.
func verify(t *testing.T, path string) {
	t.Helper()
	if r := ksnap(t, "bundle", "verify", path); r.code != exitOK {
		t.Errorf("bundle verify: %s", r)
	}
}

// clusterVersions returns the resourceVersion of every Job and Pod.
func clusterVersions(t *testing.T) map[string]string {
	t.Helper()
	s, err := look(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return versions(s)
}

// assertUnchanged fails t when a Job or Pod changed since before.
func assertUnchanged(t *testing.T, before map[string]string) {
	t.Helper()
	after := clusterVersions(t)
	if !equalMaps(before, after) {
		t.Errorf("cluster changed during the capture:\nbefore %v\nafter  %v", before, after)
	}
}

// analyzeJSON runs ksnap analyze -o json on path.
type analyzeReport struct {
	Verdict  string `json:"verdict"`
	Findings []struct {
		Rule    string `json:"rule"`
		Level   string `json:"level"`
		Message string `json:"message"`
	} `json:"findings"`
	Jobs []struct {
		Name        string `json:"name"`
		Phase       string `json:"phase"`
		PhaseReason string `json:"phase_reason"`
		Health      string `json:"health"`
		Findings    []struct {
			Rule  string `json:"rule"`
			Level string `json:"level"`
		} `json:"findings"`
		Pods []struct {
			Name       string `json:"name"`
			Phase      string `json:"phase"`
			Health     string `json:"health"`
			Containers []struct {
				Name     string `json:"name"`
				State    string `json:"state"`
				Reason   string `json:"reason"`
				ExitCode *int   `json:"exit_code"`
			} `json:"containers"`
			Findings []struct {
				Rule  string `json:"rule"`
				Level string `json:"level"`
			} `json:"findings"`
		} `json:"pods"`
	} `json:"jobs"`
}

func analyze(t *testing.T, path string) (result, analyzeReport) {
	t.Helper()
	r := ksnap(t, "analyze", "-o", "json", path)
	var rep analyzeReport
	if err := json.Unmarshal(r.stdout, &rep); err != nil {
		t.Fatalf("analyze -o json: %v\n%s", err, r)
	}
	return r, rep
}

// rerun runs the argv a manifest recorded, as it was recorded (ksnap's
// kubectl allowlist made it read-only), and returns stdout.
func rerun(t *testing.T, argv []string) []byte {
	t.Helper()
	r, err := runProg(t.Context(), 30*time.Second, argv)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 0 {
		t.Fatalf("re-running the recorded command: %s", r)
	}
	return r.stdout
}

// itemKeys returns "name uid resourceVersion" of each item of a kubectl list.
func itemKeys(t *testing.T, member string, b []byte) []string {
	t.Helper()
	var l list
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatalf("%s: %v", member, err)
	}
	var keys []string
	for _, o := range l.Items {
		keys = append(keys, o.Metadata.Name+" "+o.Metadata.UID+" "+o.Metadata.ResourceVersion)
	}
	return keys
}

// TestCaptureReadOnly is the happy path: the read-only identity captures the
// namespace, the bundle holds exactly what kubectl prints, and analysis
// gives each scenario's verdict.
func TestCaptureReadOnly(t *testing.T) {
	requireCluster(t)
	before := clusterVersions(t)
	r, path := capture(t, env.roKubeconfig)
	if r.code != exitOK {
		t.Fatalf("capture: %s", r)
	}
	assertUnchanged(t, before)
	verify(t, path)
	b := openBundle(t, path)
	m := b.Manifest

	t.Run("manifest", func(t *testing.T) {
		if m.Namespace != env.namespace || m.Context != "ksnap-readonly@ksnap-e2e" {
			t.Errorf("namespace %q context %q, want %q ksnap-readonly@ksnap-e2e", m.Namespace, m.Context, env.namespace)
		}
		if !strings.HasPrefix(m.Kubectl.Server, "v1.33.") {
			t.Errorf("server version %q, want v1.33.x", m.Kubectl.Server)
		}
		for _, c := range m.Commands {
			if c.Status != bundle.StatusOK {
				t.Errorf("%s %s: status %s: %s", c.Kind, c.Member, c.Status, c.Error)
			}
			if !slices.Contains(c.Argv, env.roKubeconfig) {
				t.Errorf("%s ran without the read-only kubeconfig: %q", c.Kind, c.Argv)
			}
			if i := slices.Index(c.Argv, "--kubeconfig"); i < 0 || c.Argv[i+1] != env.roKubeconfig {
				t.Errorf("%s: argv %q lacks --kubeconfig %s", c.Kind, c.Argv, env.roKubeconfig)
			}
		}
	})

	// Members equal what kubectl prints for the same argv. Jobs and Pods
	// are quiescent (checked above), so byte for byte; Events may gain
	// count updates, so by name, uid and resourceVersion of those present.
	t.Run("members equal kubectl", func(t *testing.T) {
		for _, c := range m.Commands {
			got, err := b.Member(c.Member)
			if err != nil {
				t.Errorf("%s: %v", c.Member, err)
				continue
			}
			want := rerun(t, c.Argv)
			switch c.Kind {
			case bundle.KindEvents:
				if g, w := itemKeys(t, c.Member, got), itemKeys(t, c.Member, want); !slices.Equal(g, w) {
					t.Logf("%s: events changed since the capture (allowed only for new events):\n got %q\nwant %q", c.Member, g, w)
					for _, k := range g {
						if !slices.Contains(w, k) {
							t.Errorf("%s: captured event %q is not what kubectl prints now", c.Member, k)
						}
					}
				}
			default:
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from `%s` (%d vs %d bytes)", c.Member, strings.Join(c.Argv, " "), len(got), len(want))
				}
			}
		}
		// And the jobs member is what the user would see with plain kubectl.
		got, _ := b.Member(bundle.JobsMember)
		want, err := kubectl(t.Context(), env.roKubeconfig, "get", "jobs", "-o", "json", "-n", env.namespace)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("jobs.json differs from kubectl get jobs -o json -n %s", env.namespace)
		}
	})

	t.Run("logs", func(t *testing.T) {
		var pods []string
		for _, c := range m.Commands {
			if c.Kind != bundle.KindLog {
				continue
			}
			pods = append(pods, c.Pod)
			got, err := b.Member(c.Member)
			if err != nil {
				t.Error(err)
				continue
			}
			if string(got) != wantLog {
				t.Errorf("%s = %q, want %q", c.Member, got, wantLog)
			}
		}
		// Every pod whose container started has its tail; the Pending pod
		// has none and the deadline Job's pod is gone.
		var jobs []string
		for _, p := range pods {
			jobs = append(jobs, regexp.MustCompile(`-[a-z0-9]{5}$`).ReplaceAllString(p, ""))
		}
		slices.Sort(jobs)
		want := []string{"e2e-backoff", "e2e-exitcode", "e2e-oom", "e2e-succeed"}
		if !slices.Equal(jobs, want) {
			t.Errorf("log tails for the pods of %q, want %q", jobs, want)
		}
	})

	t.Run("analyze", func(t *testing.T) {
		r, rep := analyze(t, path)
		if r.code != exitError || rep.Verdict != "ERROR" {
			t.Errorf("analyze: exit %d verdict %s, want %d ERROR", r.code, rep.Verdict, exitError)
		}
		type jobWant struct{ phase, reason, health, podRule string }
		want := map[string]jobWant{
			"e2e-succeed":  {"SUCCEEDED", "CompletionsReached", "OK", ""},
			"e2e-backoff":  {"FAILED", "BackoffLimitExceeded", "ERROR", "P8"},
			"e2e-exitcode": {"FAILED", "BackoffLimitExceeded", "ERROR", "P8"},
			"e2e-oom":      {"FAILED", "BackoffLimitExceeded", "ERROR", "P7"},
			"e2e-deadline": {"FAILED", "DeadlineExceeded", "ERROR", ""},
			"e2e-pending":  {"RUNNING", "", "WARN", "P11"},
		}
		got := map[string]jobWant{}
		for _, j := range rep.Jobs {
			w := jobWant{j.Phase, j.PhaseReason, j.Health, ""}
			if wj, ok := want[j.Name]; ok && wj.podRule != "" {
				for _, p := range j.Pods {
					for _, f := range p.Findings {
						if f.Rule == wj.podRule {
							w.podRule = f.Rule
						}
					}
				}
			}
			got[j.Name] = w
		}
		for _, name := range sortedKeys(want) {
			if got[name] != want[name] {
				t.Errorf("job %s: got %+v, want %+v", name, got[name], want[name])
			}
		}
		if len(got) != len(want) {
			t.Errorf("analyzed jobs %v, want %v", sortedKeys(got), sortedKeys(want))
		}
		// The container details behind the verdicts.
		wantTerm := map[string]string{"e2e-backoff": "Error 1", "e2e-exitcode": "Error 2", "e2e-oom": "OOMKilled 137"}
		for _, j := range rep.Jobs {
			w, ok := wantTerm[j.Name]
			if !ok {
				continue
			}
			if len(j.Pods) != 1 || len(j.Pods[0].Containers) != 1 || j.Pods[0].Containers[0].ExitCode == nil {
				t.Errorf("job %s: want one pod with one terminated container, got %+v", j.Name, j.Pods)
				continue
			}
			c := j.Pods[0].Containers[0]
			if g := c.Reason + " " + strconv.Itoa(*c.ExitCode); g != w {
				t.Errorf("job %s container: %q, want %q", j.Name, g, w)
			}
		}
	})
}

// TestRecord: ksnap record captures with the read-only identity, writes the
// bundle and appends one history line per run.
func TestRecord(t *testing.T) {
	requireCluster(t)
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	bundles := filepath.Join(dir, "bundles")
	before := clusterVersions(t)
	for i := 1; i <= 2; i++ {
		r := ksnap(t, "record", "-n", env.namespace, "--kubeconfig", env.roKubeconfig,
			"--history-file", hist, "--bundle-dir", bundles, "--timeout", "20s")
		if r.code != exitError {
			t.Fatalf("record #%d: want exit %d (verdict ERROR)\n%s", i, exitError, r)
		}
		data, err := os.ReadFile(hist)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(lines) != i || !strings.HasSuffix(string(data), "\n") {
			t.Fatalf("after record #%d the history has %d lines, want %d:\n%s", i, len(lines), i, data)
		}
		var rec struct {
			Namespace     string `json:"namespace"`
			OverallHealth string `json:"overall_health"`
			Bundle        string `json:"bundle"`
			CaptureErrors int    `json:"capture_errors"`
			JobsOK        int    `json:"jobs_ok"`
			JobsWarn      int    `json:"jobs_warn"`
			JobsError     int    `json:"jobs_error"`
		}
		if err := json.Unmarshal([]byte(lines[i-1]), &rec); err != nil {
			t.Fatalf("history line %d: %v", i, err)
		}
		if rec.Namespace != env.namespace || rec.OverallHealth != "ERROR" || rec.CaptureErrors != 0 ||
			rec.JobsOK != 1 || rec.JobsWarn != 1 || rec.JobsError != 4 {
			t.Errorf("history line %d: %+v, want namespace %s, ERROR, 0 capture errors, jobs 1/1/4", i, rec, env.namespace)
		}
		if _, err := os.Stat(filepath.Join(bundles, rec.Bundle)); err != nil {
			t.Errorf("history line %d names bundle %q: %v", i, rec.Bundle, err)
		} else {
			verify(t, filepath.Join(bundles, rec.Bundle))
		}
	}
	assertUnchanged(t, before)
}

// TestCaptureFailures: what cannot be captured is recorded, the bundle is
// still written, the exit status says partial, and analysis is not OK.
func TestCaptureFailures(t *testing.T) {
	requireCluster(t)
	closed := closedPortKubeconfig(t)
	tests := []struct {
		name       string
		kubeconfig string
		extra      []string
		// failed: the command kinds that must fail; the others must be ok.
		failed      []string
		stderr      *regexp.Regexp // in the stderr of each failed command
		wantVerdict string
		wantExit    int
	}{
		{
			name:        "unknown context",
			kubeconfig:  env.roKubeconfig,
			extra:       []string{"--context", "no-such-context"},
			failed:      []string{bundle.KindVersion, bundle.KindJobs, bundle.KindPods, bundle.KindEvents},
			stderr:      regexp.MustCompile(`context "no-such-context" does not exist`),
			wantVerdict: "UNKNOWN",
			wantExit:    exitUnknown,
		},
		{
			name:        "api server port closed",
			kubeconfig:  closed,
			failed:      []string{bundle.KindVersion, bundle.KindJobs, bundle.KindPods, bundle.KindEvents},
			stderr:      regexp.MustCompile(`connection to the server 127\.0\.0\.1:\d+ was refused`),
			wantVerdict: "UNKNOWN",
			wantExit:    exitUnknown,
		},
		{
			name:        "events forbidden",
			kubeconfig:  env.noEventsKubeconfig,
			failed:      []string{bundle.KindEvents},
			stderr:      regexp.MustCompile(`(?s)Error from server \(Forbidden\): events is forbidden: User "system:serviceaccount:ksnap-e2e:ksnap-noevents" cannot list resource "events"`),
			wantVerdict: "ERROR", // the failed Jobs still count; the missing events add O2
			wantExit:    exitError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := clusterVersions(t)
			r, path := capture(t, tt.kubeconfig, tt.extra...)
			if r.code != exitPartial {
				t.Errorf("capture: exit %d, want %d (partial)\n%s", r.code, exitPartial, r)
			}
			assertUnchanged(t, before)
			verify(t, path)
			m := openBundle(t, path).Manifest
			for _, c := range m.Commands {
				if c.Kind == bundle.KindLog || c.Kind == bundle.KindPreviousLog {
					if slices.Contains(tt.failed, bundle.KindPods) {
						t.Errorf("log command %s ran although pods failed", c.Member)
					}
					continue
				}
				wantFail := slices.Contains(tt.failed, c.Kind)
				switch {
				case wantFail && c.Status != bundle.StatusFailed:
					t.Errorf("%s: status %s, want failed", c.Kind, c.Status)
				case wantFail && !tt.stderr.MatchString(c.Stderr):
					t.Errorf("%s: stderr %q does not match %q", c.Kind, c.Stderr, tt.stderr)
				case wantFail && (c.ExitCode == 0 || c.Error == ""):
					t.Errorf("%s: exit code %d, error %q; want the failure recorded", c.Kind, c.ExitCode, c.Error)
				case !wantFail && c.Status != bundle.StatusOK:
					t.Errorf("%s: status %s (%s), want ok", c.Kind, c.Status, c.Error)
				}
			}
			// ksnap said what failed on stderr, one line per failed command.
			lines := strings.Split(strings.TrimSpace(string(r.stderr)), "\n")
			if len(lines) != len(tt.failed) {
				t.Errorf("ksnap stderr has %d lines, want one per failed command %q:\n%s", len(lines), tt.failed, r.stderr)
			}
			for _, c := range m.Commands {
				if !slices.Contains(tt.failed, c.Kind) {
					continue
				}
				if !slices.ContainsFunc(lines, func(l string) bool {
					return strings.Contains(l, " "+c.Member+": ") && tt.stderr.MatchString(l)
				}) {
					t.Errorf("ksnap stderr has no line for %s matching %q:\n%s", c.Member, tt.stderr, r.stderr)
				}
			}
			ar, rep := analyze(t, path)
			if rep.Verdict != tt.wantVerdict || ar.code != tt.wantExit {
				t.Errorf("analyze: verdict %s exit %d, want %s exit %d\n%s", rep.Verdict, ar.code, tt.wantVerdict, tt.wantExit, ar.stdout)
			}
			var o2 []string
			for _, f := range rep.Findings {
				if f.Rule == "O2" {
					o2 = append(o2, f.Message)
				}
			}
			if len(o2) != len(tt.failed) {
				t.Errorf("analyze: %d O2 findings (%q), want one per failed command %q", len(o2), o2, tt.failed)
			}
		})
	}
}

// closedPortKubeconfig writes a copy of the read-only kubeconfig whose server
// is a 127.0.0.1 port nothing listens on.
func closedPortKubeconfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(env.roKubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	port := closedPort(t)
	re := regexp.MustCompile(`(?m)^(\s*server:\s*)https://127\.0\.0\.1:\d+\s*$`)
	if !re.Match(data) {
		t.Fatalf("no server line in %s", env.roKubeconfig)
	}
	out := re.ReplaceAll(data, []byte("${1}https://127.0.0.1:"+port))
	path := filepath.Join(t.TempDir(), "closed.kubeconfig")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// closedPort returns a 127.0.0.1 port that was free a moment ago.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}
