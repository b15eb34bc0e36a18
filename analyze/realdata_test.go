package analyze

import (
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/fixtures"
)

// TestRealdata analyzes every public capture of fixtures/realdata (see
// fixtures/realdata/PROVENANCE.md) and checks the verdict, each Job's phase
// and health, and the bare pods, as a reader of that JSON would judge them.
// Bundles that hold only pods or events have no jobs list, hence UNKNOWN
// unless a pod is clearly failing (ERROR outranks UNKNOWN) under v1; under
// v2 bare pods do not count in the verdict (v2Verdict lists where that
// changes it).
func TestRealdata(t *testing.T) {
	v2Verdict := map[string]model.Level{
		"gitops-pod-imagepullbackoff-2019":          model.LevelUnknown,
		"insights-pod-cronjob-job-failed":           model.LevelUnknown,
		"insights-pod-init-crashloop-7527-restarts": model.LevelUnknown,
		"nri-k8s1.20-kubelet-podlist-failjob":       model.LevelUnknown,
		"nri-k8s1.34-pods-all-namespaces":           model.LevelUnknown,
		"ts-image-pull":                             model.LevelUnknown,
		"ts-init-crashloop":                         model.LevelUnknown,
		"ts-pod-crashloop":                          model.LevelUnknown,
		"ts-pod-oomkilled-job":                      model.LevelUnknown,
	}
	tests := []struct {
		bundle       string
		verdict      model.Level
		jobs         string // name=PHASE/HEALTH, sorted by name
		barePods     int
		worstBarePod model.Level
		problems     int
	}{
		{"gitops-job-failed-backofflimit-2018", model.LevelError, "fail=FAILED/ERROR", 0, model.LevelOK, 0},
		{"gitops-job-suspended-semisynthetic", model.LevelWarn, "succeed=SUSPENDED/WARN", 0, model.LevelOK, 0},
		{"gitops-pod-imagepullbackoff-2019", model.LevelError, "", 1, model.LevelError, 0},
		{"harvester-events-core-v1", model.LevelUnknown, "", 0, model.LevelOK, 0},
		{"harvester-events-events.k8s.io-v1", model.LevelUnknown, "", 0, model.LevelOK, 0},
		{"harvester-kube-system", model.LevelOK, "helm-install-rke2-canal=SUCCEEDED/OK helm-install-rke2-coredns=SUCCEEDED/OK helm-install-rke2-ingress-nginx=SUCCEEDED/OK helm-install-rke2-metrics-server=SUCCEEDED/OK helm-install-rke2-multus=SUCCEEDED/OK", 14, model.LevelOK, 0},
		{"insights-pod-cronjob-job-failed", model.LevelError, "", 1, model.LevelError, 0},
		{"insights-pod-init-crashloop-7527-restarts", model.LevelError, "", 1, model.LevelError, 0},
		{"k8sopenapi-events.k8s.io-v1-event", model.LevelUnknown, "", 0, model.LevelOK, 0},
		{"k8sopenapi-k8s1.11-failed-job-and-pods", model.LevelError, "k8s-openapi-tests-create-job=FAILED/ERROR", 2, model.LevelOK, 0},
		{"k8sopenapi-k8s1.35-job-failuretarget-backofflimit", model.LevelError, "k8s-openapi-tests-create-job=FAILED/ERROR", 0, model.LevelOK, 0},
		{"k9s-job-cronjob-owned-2019", model.LevelOK, "hello-1567179180=SUCCEEDED/OK", 0, model.LevelOK, 0},
		{"nri-k8s1.20-kubelet-podlist-failjob", model.LevelError, "", 27, model.LevelError, 0},
		{"nri-k8s1.34-pods-all-namespaces", model.LevelError, "", 24, model.LevelError, 0},
		{"sbctl-kurl-events-velero-backoff", model.LevelUnknown, "", 0, model.LevelOK, 0},
		{"sbctl-kurl-pods-longhorn-large", model.LevelUnknown, "", 28, model.LevelOK, 0},
		{"sonobuoy-2017-events-kube-system", model.LevelUnknown, "", 0, model.LevelOK, 0},
		{"sonobuoy-2017-pods-evicted", model.LevelUnknown, "", 1, model.LevelWarn, 0},
		{"synthetic-k8s-api-fuzz-events.k8s.io-v1-Event", model.LevelUnknown, "", 0, model.LevelOK, 0},
		{"ts-events-failedmount-failedscheduling", model.LevelUnknown, "", 0, model.LevelOK, 0},
		{"ts-image-pull", model.LevelError, "", 1, model.LevelError, 0},
		{"ts-init-crashloop", model.LevelError, "", 1, model.LevelError, 0},
		{"ts-jobs-backofflimit-and-complete", model.LevelError, "post-install-job=FAILED/ERROR pre-install-job=SUCCEEDED/OK", 0, model.LevelOK, 0},
		{"ts-jobs-complete-with-failed-pod", model.LevelOK, "contour-certgen-v1.19.1=SUCCEEDED/OK", 0, model.LevelOK, 0},
		{"ts-k3s2022-pods-kube-system-restarts", model.LevelUnknown, "", 7, model.LevelWarn, 0},
		{"ts-k3s2025-joblist-items-null", model.LevelWarn, "", 0, model.LevelOK, 0},
		{"ts-k3s2025-jobs", model.LevelOK, "helm-install-traefik=SUCCEEDED/OK helm-install-traefik-crd=SUCCEEDED/OK", 0, model.LevelOK, 0},
		{"ts-pod-crashloop", model.LevelError, "", 1, model.LevelError, 0},
		{"ts-pod-oomkilled-job", model.LevelError, "", 1, model.LevelError, 0},
		{"ts-pod-pending-unschedulable", model.LevelUnknown, "", 1, model.LevelWarn, 0},
		{"tsmcp-k3s2025-events-kube-system", model.LevelUnknown, "", 0, model.LevelOK, 0},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.bundle] = true
		t.Run(tt.bundle, func(t *testing.T) {
			data, err := fixtures.FS.ReadFile("realdata/" + tt.bundle + bundle.Extension)
			if err != nil {
				t.Fatal(err)
			}
			b, err := bundle.Decode(tt.bundle+bundle.Extension, data)
			if err != nil {
				t.Fatal(err)
			}
			rep := mustEval(t, FromBundle(b), DefaultOptions())
			if rep.Verdict != tt.verdict {
				t.Errorf("verdict = %s, want %s", rep.Verdict, tt.verdict)
			}
			var jobs []string
			for _, j := range rep.Jobs {
				jobs = append(jobs, j.Name+"="+j.Phase.String()+"/"+j.Health.String())
			}
			if got := strings.Join(jobs, " "); got != tt.jobs {
				t.Errorf("jobs = %q, want %q", got, tt.jobs)
			}
			w := model.LevelOK
			for _, p := range rep.BarePods {
				w = w.Worst(p.Health)
			}
			if len(rep.BarePods) != tt.barePods || w != tt.worstBarePod {
				t.Errorf("bare pods = %d (worst %s), want %d (worst %s)", len(rep.BarePods), w, tt.barePods, tt.worstBarePod)
			}
			if len(rep.InputProblems) != tt.problems {
				t.Errorf("input problems = %v, want %d", rep.InputProblems, tt.problems)
			}
			// v2: the same Jobs and bare pods; bare pods no longer set the verdict.
			want, ok := v2Verdict[tt.bundle]
			if !ok {
				want = tt.verdict
			}
			if got := evalWith(t, rules.V2(), FromBundle(b), DefaultOptions()).Verdict; got != want {
				t.Errorf("v2 verdict = %s, want %s", got, want)
			}
		})
	}
	// Every realdata bundle must be in the table.
	files, _ := fs.Glob(fixtures.FS, "realdata/*"+bundle.Extension)
	for _, f := range files {
		if n := strings.TrimSuffix(path.Base(f), bundle.Extension); !seen[n] {
			t.Errorf("%s has no expectation in TestRealdata", n)
		}
	}
}
