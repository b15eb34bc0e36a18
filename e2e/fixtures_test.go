//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	recordFixtures = flag.String("record-fixtures", "", "write scenario bundles into this directory (scripts/record-fixtures); the test is skipped without it")
	recordOnly     = flag.String("record-only", "", "with -record-fixtures: record only these bundles (comma-separated names); the other scenarios of fixtureScenarios are not set up")
)

// fixtureScenarios are the Jobs only scripts/record-fixtures needs, beyond the
// e2e scenarios (cluster_test.go). Their pods are driven by the kwok Stages
// pod-fail-first, pod-crashloop and pod-imagepull of scripts/cluster, and
// they hold still once ready, like the e2e ones.
var fixtureScenarios = []fixtureScenario{
	{file: "retrying.yaml", job: "e2e-retrying", ready: retrying},
	{file: "crashloop.yaml", job: "e2e-crashloop", ready: podWaiting("CrashLoopBackOff", "BackOff")},
	{file: "imagepull.yaml", job: "e2e-imagepull", ready: podWaiting("ImagePullBackOff", "Failed")},
	{file: "suspended.yaml", job: "e2e-suspended", ready: suspended},
	// The scenarios of issue 17 (rule set v2). Their pods start with outcome
	// run and drive relabels them, one step per look.
	{file: "cronjob-superseded.yaml", cronJob: "e2e-cron-superseded", ready: cronRuns("fail", "succeed"), drive: driveCronRuns("fail", "succeed")},
	{file: "cronjob-failing.yaml", cronJob: "e2e-cron-failing", ready: cronRuns("succeed", "fail"), drive: driveCronRuns("succeed", "fail")},
	{file: "indexed-doomed.yaml", job: "e2e-indexed-doomed", ready: indexDoomed, drive: driveIndexDoomed},
	{file: "quota-stuck.yaml", job: "e2e-quota-stuck", ready: quotaStuck},
	{file: "managedby.yaml", job: "e2e-managedby", ready: untouched},
	// Issue 15: two Jobs with sampled usage; recorded as "metrics" (with the
	// metrics API) and "metrics-absent" (KSNAP_CLUSTER_METRICS=0).
	{file: "metrics.yaml", ready: metricsReady, also: []string{"metrics-absent"}},
	{file: "bare-pod.yaml", job: "e2e-bare-pod-job", ready: barePod},
}

type fixtureScenario struct {
	file, job string
	// cronJob is the CronJob whose runs the scenario makes (job is then "":
	// the bundle holds several Jobs).
	cronJob string
	ready   func(s *fixtureState, job string) bool
	// drive, when set, is called on each look until ready: it takes the next
	// step towards the state (relabel a pod, create a run) and returns.
	drive func(ctx context.Context, s *fixtureState, sc *fixtureScenario) error
	// also names bundles recorded from this scenario besides name().
	also []string
}

// name is the scenario's bundle name (its file without .yaml).
func (sc *fixtureScenario) name() string { return strings.TrimSuffix(sc.file, ".yaml") }

// selected says whether -record-only (if given) names the bundle.
func selected(name string) bool {
	return *recordOnly == "" || slices.Contains(strings.Split(*recordOnly, ","), name)
}

// fixtureObject is the part of a Job, Pod or Event the readiness checks of
// fixtureScenarios look at (object of cluster_test.go lacks counts).
type fixtureObject struct {
	Metadata struct {
		Name              string `json:"name"`
		CreationTimestamp string `json:"creationTimestamp"`
		OwnerReferences   []struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"ownerReferences"`
		ResourceVersion   string            `json:"resourceVersion"`
		Labels            map[string]string `json:"labels"`
		Annotations       map[string]string `json:"annotations"`
		Finalizers        []string          `json:"finalizers"`
		DeletionTimestamp string            `json:"deletionTimestamp"`
	} `json:"metadata"`
	InvolvedObject struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"involvedObject"`
	Reason string `json:"reason"`
	Type   string `json:"type"`
	Status struct {
		Phase          string `json:"phase"`
		Active         int    `json:"active"`
		Failed         int    `json:"failed"`
		StartTime      string `json:"startTime"`
		FailedIndexes  string `json:"failedIndexes"`
		CompletionTime string `json:"completionTime"`
		Conditions     []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"conditions"`
		ContainerStatuses []struct {
			RestartCount int `json:"restartCount"`
			State        struct {
				Waiting *struct {
					Reason string `json:"reason"`
				} `json:"waiting"`
				Running *struct{} `json:"running"`
			} `json:"state"`
		} `json:"containerStatuses"`
	} `json:"status"`
}

func (o *fixtureObject) condition(typ string) string {
	for _, c := range o.Status.Conditions {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}

type fixtureState struct {
	jobs, pods, events []fixtureObject
}

func (s *fixtureState) job(name string) *fixtureObject {
	for i := range s.jobs {
		if s.jobs[i].Metadata.Name == name {
			return &s.jobs[i]
		}
	}
	return nil
}

// podsOf returns the pods of job; ok is false while one of them is still
// being accounted for by the Job controller (finalizer or deletion pending).
func (s *fixtureState) podsOf(job string) (pods []fixtureObject, ok bool) {
	ok = true
	for _, p := range s.pods {
		if p.Metadata.Labels["batch.kubernetes.io/job-name"] != job {
			continue
		}
		pods = append(pods, p)
		if p.Metadata.DeletionTimestamp != "" || p.Status.Phase == "Failed" && slices.Contains(p.Metadata.Finalizers, "batch.kubernetes.io/job-tracking") {
			ok = false
		}
	}
	return pods, ok
}

func (s *fixtureState) hasEvent(kind, name, typ, reason string) bool {
	for _, e := range s.events {
		if e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name && e.Type == typ && e.Reason == reason {
			return true
		}
	}
	return false
}

// retrying: the first attempt failed and was counted, its replacement (the
// second attempt) is Running: failed=1, active=1.
func retrying(s *fixtureState, name string) bool {
	j := s.job(name)
	pods, settled := s.podsOf(name)
	if j == nil || !settled || j.Status.Failed != 1 || j.Status.Active != 1 || len(pods) != 2 {
		return false
	}
	for _, p := range pods {
		if p.Metadata.Annotations["batch.kubernetes.io/job-index-failure-count"] == "1" && p.Status.Phase == "Running" && p.condition("Ready") == "True" {
			return true
		}
	}
	return false
}

// podWaiting: the Job's one pod has every container waiting for reason and
// the kubelet's Warning event.
func podWaiting(reason, event string) func(*fixtureState, string) bool {
	return func(s *fixtureState, name string) bool {
		pods, _ := s.podsOf(name)
		if len(pods) != 1 || len(pods[0].Status.ContainerStatuses) == 0 {
			return false
		}
		for _, c := range pods[0].Status.ContainerStatuses {
			if c.State.Waiting == nil || c.State.Waiting.Reason != reason {
				return false
			}
		}
		return s.hasEvent("Pod", pods[0].Metadata.Name, "Warning", event)
	}
}

// suspended: the Job controller set Suspended=True and made no pod.
func suspended(s *fixtureState, name string) bool {
	j := s.job(name)
	pods, _ := s.podsOf(name)
	return j != nil && j.condition("Suspended") == "True" && len(pods) == 0 && s.hasEvent("Job", name, "Normal", "Suspended")
}

func lookFixtures(ctx context.Context) (*fixtureState, error) {
	var s fixtureState
	for _, r := range []struct {
		resource string
		into     *[]fixtureObject
	}{{"jobs", &s.jobs}, {"pods", &s.pods}, {"events", &s.events}} {
		out, err := admin(ctx, "get", r.resource, "-o", "json")
		if err != nil {
			return nil, err
		}
		var l struct {
			Items []fixtureObject `json:"items"`
		}
		if err := json.Unmarshal(out, &l); err != nil {
			return nil, fmt.Errorf("get %s: %w", r.resource, err)
		}
		*r.into = l.Items
	}
	return &s, nil
}

// setupFixtureScenarios creates the fixtureScenarios whose bundle names want
// accepts (selected, for scripts/record-fixtures) and whose objects do not
// exist yet (scripts/record-fixtures creates them before the e2e setup,
// so both settle at the same time), drives those that need it and waits until
// each is ready and nothing in the namespace changes any more.
func setupFixtureScenarios(ctx context.Context, jobsDir string, want func(name string) bool) error {
	var chosen []*fixtureScenario
	for i := range fixtureScenarios {
		if sc := &fixtureScenarios[i]; want(sc.name()) || slices.ContainsFunc(sc.also, want) {
			chosen = append(chosen, sc)
		}
	}
	var missing []string
	for _, sc := range chosen {
		file := filepath.Join(jobsDir, sc.file)
		if _, err := admin(ctx, "get", "-f", file, "-o", "name"); err != nil {
			if !strings.Contains(err.Error(), "NotFound") {
				return err
			}
			missing = append(missing, "-f", file)
		}
	}
	if len(missing) > 0 {
		if _, err := admin(ctx, append([]string{"create"}, missing...)...); err != nil {
			return err
		}
	}
	var notReady []string
	for {
		s, err := lookFixtures(ctx)
		if err == nil {
			notReady = notReady[:0]
			for _, sc := range chosen {
				if sc.ready(s, sc.target()) {
					continue
				}
				notReady = append(notReady, sc.target())
				if sc.drive != nil {
					if err = sc.drive(ctx, s, sc); err != nil {
						break
					}
				}
			}
			if err == nil && len(notReady) == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not in their states: %s (last error: %v)", strings.Join(notReady, ", "), err)
		case <-time.After(time.Second):
		}
	}
	// Quiescent: two looks 2 s apart agree on every Job and Pod.
	last, err := look(ctx)
	if err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return errors.New("jobs and pods kept changing")
		case <-time.After(2 * time.Second):
		}
		now, err := look(ctx)
		if err != nil {
			return err
		}
		if equalMaps(versions(last), versions(now)) {
			return nil
		}
		last = now
	}
}

// target is what ready looks at: the Job, or the CronJob whose runs it made.
func (sc *fixtureScenario) target() string {
	if sc.cronJob != "" {
		return sc.cronJob
	}
	return sc.job
}

// finished returns the Job's True Complete or Failed condition type, or "".
func (o *fixtureObject) finished() string {
	for _, typ := range []string{"Complete", "Failed"} {
		if o.condition(typ) == "True" {
			return typ
		}
	}
	return ""
}

// wantCondition is the finished condition a pod outcome leads to.
func wantCondition(outcome string) string {
	if outcome == "fail" {
		return "Failed"
	}
	return "Complete"
}

// runName is the name of run i (0, 1) of a CronJob, as the CronJob
// controller names its runs (the scheduled time in minutes since the epoch).
func runName(cron string, i int) string { return fmt.Sprintf("%s-%d", cron, 29411520+60*i) }

// relabel sets the outcome label of the Job's Running, Ready pods that still
// carry outcome run, and of those only the one with completion index index
// ("" for any).
func relabel(ctx context.Context, s *fixtureState, job, index, outcome string) error {
	pods, _ := s.podsOf(job)
	for _, p := range pods {
		if p.Metadata.Labels["ktest.kwok.io/outcome"] != "run" || p.Status.Phase != "Running" || p.condition("Ready") != "True" {
			continue
		}
		if index != "" && p.Metadata.Annotations["batch.kubernetes.io/job-completion-index"] != index {
			continue
		}
		if _, err := admin(ctx, "label", "pod", p.Metadata.Name, "ktest.kwok.io/outcome="+outcome, "--overwrite"); err != nil {
			return err
		}
	}
	return nil
}

// cronRuns: both runs of the CronJob finished with the conditions their pod
// outcomes lead to, every pod accounted for.
func cronRuns(first, second string) func(*fixtureState, string) bool {
	return func(s *fixtureState, cron string) bool {
		for i, outcome := range []string{first, second} {
			j := s.job(runName(cron, i))
			if _, settled := s.podsOf(runName(cron, i)); j == nil || !settled || j.finished() != wantCondition(outcome) {
				return false
			}
		}
		return true
	}
}

// driveCronRuns creates run 0 from the CronJob, relabels its pod to first;
// once run 0 finished, does the same for run 1 with second, so run 1 is
// created (and finishes) after run 0.
func driveCronRuns(first, second string) func(context.Context, *fixtureState, *fixtureScenario) error {
	return func(ctx context.Context, s *fixtureState, sc *fixtureScenario) error {
		for i, outcome := range []string{first, second} {
			name := runName(sc.cronJob, i)
			j := s.job(name)
			if j == nil {
				_, err := admin(ctx, "create", "job", name, "--from=cronjob/"+sc.cronJob)
				return err
			}
			if j.finished() == "" {
				return relabel(ctx, s, name, "", outcome)
			}
		}
		return nil
	}
}

// indexDoomed: index 0 failed for good (status.failedIndexes "0"), indexes
// 1 and 2 still run, and the Job has not failed yet.
func indexDoomed(s *fixtureState, name string) bool {
	j := s.job(name)
	_, settled := s.podsOf(name)
	return j != nil && settled && j.Status.FailedIndexes == "0" && j.Status.Active == 2 && j.finished() == "" && j.condition("FailureTarget") == ""
}

func driveIndexDoomed(ctx context.Context, s *fixtureState, sc *fixtureScenario) error {
	return relabel(ctx, s, sc.job, "0", "fail")
}

// quotaStuck: started, nothing active, no pod, and the Job controller's
// Warning FailedCreate event.
func quotaStuck(s *fixtureState, name string) bool {
	j := s.job(name)
	pods, _ := s.podsOf(name)
	return j != nil && j.Status.StartTime != "" && j.Status.Active == 0 && len(pods) == 0 && s.hasEvent("Job", name, "Warning", "FailedCreate")
}

// untouched: the Job exists and the built-in Job controller did not start it.
func untouched(s *fixtureState, name string) bool {
	j := s.job(name)
	pods, _ := s.podsOf(name)
	return j != nil && j.Status.StartTime == "" && len(pods) == 0
}

// barePod: the scenario's Job is Complete and its bare pod Failed.
func barePod(s *fixtureState, name string) bool {
	j := s.job(name)
	_, settled := s.podsOf(name)
	if j == nil || !settled || j.finished() != "Complete" {
		return false
	}
	for _, p := range s.pods {
		if p.Metadata.Name == "e2e-bare-pod" {
			return p.Status.Phase == "Failed"
		}
	}
	return false
}

// fixture is one bundle scripts/record-fixtures writes.
type fixture struct {
	name       string // DIR/<name>.tar.zst
	job        string // the one Job the bundle must hold, "" for any
	selector   string // -l; "" captures the whole namespace
	kubeconfig string
	extra      []string
	wantExit   int
	jobFile    string // testdata/jobs file copied to DIR/jobs/<name>.yaml, "" for none
}

// recordKubectlGet writes what the real kubectl prints for `kubectl get
// jobs,pods` in the fixture's namespace and selector, with its identity,
// right after its capture, to DIR/kubectl/<name>.txt: the reference
// `ksnap serve` of the bundle is compared with (fixtures/SOURCES.md).
func recordKubectlGet(t *testing.T, dir string, f fixture) {
	t.Helper()
	args := []string{env.kubectl, "get", "jobs,pods", "-n", env.namespace}
	if f.selector != "" {
		args = append(args, "-l", f.selector)
	}
	r, err := runProg(t.Context(), 30*time.Second, args, "KUBECONFIG="+f.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 0 {
		t.Fatalf("kubectl get jobs,pods: %s", r)
	}
	if err := os.MkdirAll(filepath.Join(dir, "kubectl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kubectl", f.name+".txt"), r.stdout, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRecordFixtures captures each scenario with the read-only identities
// into DIR/<name>.tar.zst (fixed names: `ksnap analyze DIR` reads DIR/*.tar.zst
// and the goldens are named after them), copies the Job definitions to
// DIR/jobs/<name>.yaml and writes what the real kubectl get jobs,pods printed
// right after each capture to DIR/kubectl/<name>.txt. KUBECONFIG is passed
// through the environment rather than --kubeconfig so that the argv recorded
// in the manifests holds no temporary paths.
func TestRecordFixtures(t *testing.T) {
	if *recordFixtures == "" {
		t.Skip("only with -record-fixtures DIR (scripts/record-fixtures)")
	}
	requireCluster(t)
	dir, err := filepath.Abs(*recordFixtures)
	if err != nil {
		t.Fatal(err)
	}
	_, file, _, _ := runtime.Caller(0)
	jobsDir := filepath.Join(filepath.Dir(file), "testdata", "jobs")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	if err := setupFixtureScenarios(ctx, jobsDir, selected); err != nil {
		dumpState()
		t.Fatalf("fixture scenarios: %v", err)
	}
	t.Logf("fixture scenarios ready in %s", time.Since(start).Round(time.Millisecond))

	var fixtures []fixture
	add := func(file, job string) {
		name := strings.TrimSuffix(file, ".yaml")
		fixtures = append(fixtures, fixture{
			name: name, job: job, selector: "ktest.ksnap.io/scenario=" + name,
			kubeconfig: env.roKubeconfig, jobFile: file,
		})
	}
	for _, sc := range scenarios {
		add(sc.file, sc.job)
	}
	for _, sc := range fixtureScenarios {
		add(sc.file, sc.job)
	}
	fixtures = append(fixtures,
		fixture{name: "namespace", kubeconfig: env.roKubeconfig},
		fixture{name: "events-forbidden", kubeconfig: env.noEventsKubeconfig, wantExit: exitPartial},
		fixture{name: "unknown-context", kubeconfig: env.roKubeconfig, extra: []string{"--context", "no-such-context"}, wantExit: exitPartial},
	)
	// Pod metrics: "metrics" needs a cluster with the metrics API,
	// "metrics-absent" one without (KSNAP_CLUSTER_METRICS=0); a run records
	// the one its cluster can, and fails on the other only when asked for it.
	fixtures = append(fixtures, fixture{name: "metrics-absent", selector: metricsSelector, kubeconfig: env.roKubeconfig, jobFile: "metrics.yaml"})
	for i := range fixtures {
		if strings.HasPrefix(fixtures[i].name, "metrics") {
			fixtures[i].extra = append(fixtures[i].extra, "--metrics")
		}
	}
	unfit := "metrics-absent"
	if !env.metrics {
		unfit = "metrics"
	}
	if *recordOnly != "" && selected(unfit) {
		t.Fatalf("-record-only %s: this cluster has KSNAP_E2E_METRICS=%v; record it with scripts/cluster/up's KSNAP_CLUSTER_METRICS=%d", unfit, env.metrics, map[bool]int{true: 0, false: 1}[env.metrics])
	}
	fixtures = slices.DeleteFunc(fixtures, func(f fixture) bool { return f.name == unfit })
	if *recordOnly != "" {
		for _, n := range strings.Split(*recordOnly, ",") {
			if !slices.ContainsFunc(fixtures, func(f fixture) bool { return f.name == n }) {
				t.Fatalf("-record-only: no bundle %q", n)
			}
		}
	}
	fixtures = slices.DeleteFunc(fixtures, func(f fixture) bool { return !selected(f.name) })
	if err := os.MkdirAll(filepath.Join(dir, "jobs"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := clusterVersions(t)
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			tmp := t.TempDir()
			args := []string{env.ksnap, "capture", "-n", env.namespace, "--logs", "all", "--bundle-dir", tmp}
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
			out := filepath.Join(dir, f.name+".tar.zst")
			if err := os.WriteFile(out, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if f.jobFile != "" {
				job, err := os.ReadFile(filepath.Join(jobsDir, f.jobFile))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "jobs", f.name+".yaml"), job, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Contains(f.extra, "--context") {
				recordKubectlGet(t, dir, f)
			}
			verify(t, out)
			b := openBundle(t, out)
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
			t.Logf("wrote %s (%d bytes)", out, len(data))
		})
	}
	// The scenarios held still while they were recorded, so the bundles
	// agree with each other.
	assertUnchanged(t, before)
}
