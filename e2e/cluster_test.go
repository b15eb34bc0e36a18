//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// cluster is the environment written by scripts/cluster/up (DATA_DIR/env).
type cluster struct {
	adminKubeconfig    string // for creating test objects only
	roKubeconfig       string // ksnap runs with this (or noEvents)
	noEventsKubeconfig string // read-only without events
	namespace          string
	apiserverPort      string
	logFile            string // the CRI log file kwok serves for every container
	dataDir            string
	kubectl            string // kubectl program
	ksnap              string // the ksnap binary under test
	// metrics says the cluster serves metrics.k8s.io (KSNAP_E2E_METRICS=1,
	// scripts/cluster/up's default).
	metrics bool
}

var (
	env *cluster
	// skipReason is set when there is no cluster to test against.
	skipReason string
	// setupErr is set when the scenarios could not be brought up.
	setupErr error
)

var (
	ksnapFlag  = flag.String("ksnap", "", "ksnap binary to test (default $KSNAP_E2E_KSNAP, else built from ../cmd/ksnap)")
	setupLimit = flag.Duration("setup-timeout", 150*time.Second, "how long the test Jobs may take to reach their states")
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	c, reason := loadCluster()
	if reason != "" {
		skipReason = reason
		return m.Run()
	}
	env = c
	tmp, err := os.MkdirTemp("", "ksnap-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if env.ksnap == "" {
		env.ksnap = filepath.Join(tmp, "ksnap")
		if err := buildKsnap(env.ksnap); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: build ksnap:", err)
			return 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *setupLimit)
	defer cancel()
	start := time.Now()
	if err := setupScenarios(ctx); err != nil {
		setupErr = err
		fmt.Fprintf(os.Stderr, "e2e: scenario setup failed after %s: %v\n", time.Since(start).Round(time.Millisecond), err)
		dumpState()
	} else {
		fmt.Fprintf(os.Stderr, "e2e: scenarios ready in %s\n", time.Since(start).Round(time.Millisecond))
	}
	return m.Run()
}

// loadCluster reads the KSNAP_E2E_* environment; reason is non-empty when
// there is no cluster.
func loadCluster() (c *cluster, reason string) {
	get := os.Getenv
	c = &cluster{
		adminKubeconfig:    get("KSNAP_E2E_ADMIN_KUBECONFIG"),
		roKubeconfig:       get("KSNAP_E2E_RO_KUBECONFIG"),
		noEventsKubeconfig: get("KSNAP_E2E_NOEVENTS_KUBECONFIG"),
		namespace:          get("KSNAP_E2E_NAMESPACE"),
		apiserverPort:      get("KSNAP_E2E_APISERVER_PORT"),
		logFile:            get("KSNAP_E2E_KWOK_LOG_FILE"),
		dataDir:            get("KSNAP_E2E_DATA_DIR"),
		kubectl:            get("KSNAP_E2E_KUBECTL"),
		ksnap:              *ksnapFlag,
		metrics:            get("KSNAP_E2E_METRICS") == "1",
	}
	if c.ksnap == "" {
		c.ksnap = get("KSNAP_E2E_KSNAP")
	}
	if c.kubectl == "" {
		c.kubectl = "kubectl"
	}
	for _, v := range []struct{ name, value string }{
		{"KSNAP_E2E_ADMIN_KUBECONFIG", c.adminKubeconfig},
		{"KSNAP_E2E_RO_KUBECONFIG", c.roKubeconfig},
		{"KSNAP_E2E_NOEVENTS_KUBECONFIG", c.noEventsKubeconfig},
		{"KSNAP_E2E_NAMESPACE", c.namespace},
	} {
		if v.value == "" {
			return nil, v.name + " is not set: start a cluster with scripts/cluster/up DIR and source DIR/env, or run scripts/e2e"
		}
	}
	return c, ""
}

// requireCluster skips t without a cluster and fails it when setup failed.
func requireCluster(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	if setupErr != nil {
		t.Fatalf("scenario setup failed: %v", setupErr)
	}
}

func buildKsnap(out string) error {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	cmd := exec.Command("go", "build", "-o", out, "./cmd/ksnap")
	cmd.Dir = root
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

// result is one finished process.
type result struct {
	argv   []string
	stdout []byte
	stderr []byte
	code   int
}

func (r result) String() string {
	return fmt.Sprintf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.argv, " "), r.code, r.stdout, r.stderr)
}

// runProg runs argv with a bounded time and returns what it did. err is set
// only when the program could not run or was killed at the timeout.
func runProg(ctx context.Context, timeout time.Duration, argv []string, extraEnv ...string) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), extraEnv...)
	err := cmd.Run()
	r := result{argv: argv, stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return r, fmt.Errorf("%s: timed out after %s", strings.Join(argv, " "), timeout)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		return r, err
	}
	return r, nil
}

// kubectl runs kubectl with kubeconfig; it returns stdout and an error that
// includes stderr when kubectl failed.
func kubectl(ctx context.Context, kubeconfig string, args ...string) ([]byte, error) {
	argv := append([]string{env.kubectl, "--kubeconfig", kubeconfig}, args...)
	r, err := runProg(ctx, 30*time.Second, argv)
	if err != nil {
		return nil, err
	}
	if r.code != 0 {
		return r.stdout, fmt.Errorf("%s: exit %d: %s", strings.Join(args, " "), r.code, bytes.TrimSpace(r.stderr))
	}
	return r.stdout, nil
}

// admin runs kubectl as cluster-admin in the test namespace (setup only).
func admin(ctx context.Context, args ...string) ([]byte, error) {
	return kubectl(ctx, env.adminKubeconfig, append([]string{"-n", env.namespace}, args...)...)
}

// ksnap runs the binary under test with a clean ksnap environment (no
// KSNAP_* settings leak in from the caller except the e2e ones).
func ksnap(t *testing.T, args ...string) result {
	t.Helper()
	argv := append([]string{env.ksnap}, args...)
	r, err := runProg(t.Context(), 2*time.Minute, argv)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ksnap %s: exit %d", strings.Join(args, " "), r.code)
	return r
}

// ---------------------------------------------------------------- scenarios

// scenario is one Job of e2e/testdata/jobs and the state it must reach.
type scenario struct {
	file string // under testdata/jobs
	job  string
	// ready reports whether the Job (and its pods and events) reached the
	// state the tests need.
	ready func(s *state, job string) bool
	// wantFailReason is the Job's Failed condition reason, "" if none.
	wantFailReason string
}

var scenarios = []scenario{
	{file: "succeed.yaml", job: "e2e-succeed", ready: jobCondition("Complete", "")},
	{file: "backoff.yaml", job: "e2e-backoff", ready: jobCondition("Failed", "BackoffLimitExceeded"), wantFailReason: "BackoffLimitExceeded"},
	{file: "exitcode.yaml", job: "e2e-exitcode", ready: jobCondition("Failed", "BackoffLimitExceeded"), wantFailReason: "BackoffLimitExceeded"},
	{file: "oom.yaml", job: "e2e-oom", ready: jobCondition("Failed", "BackoffLimitExceeded"), wantFailReason: "BackoffLimitExceeded"},
	{file: "deadline.yaml", job: "e2e-deadline", ready: jobCondition("Failed", "DeadlineExceeded"), wantFailReason: "DeadlineExceeded"},
	{file: "pending.yaml", job: "e2e-pending", ready: pendingUnschedulable},
}

// object is the part of a Kubernetes object the tests look at.
type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name              string            `json:"name"`
		UID               string            `json:"uid"`
		ResourceVersion   string            `json:"resourceVersion"`
		Labels            map[string]string `json:"labels"`
		Finalizers        []string          `json:"finalizers"`
		DeletionTimestamp string            `json:"deletionTimestamp"`
	} `json:"metadata"`
	InvolvedObject struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"involvedObject"`
	Reason string `json:"reason"`
	Status struct {
		Phase      string `json:"phase"`
		Conditions []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Reason string `json:"reason"`
		} `json:"conditions"`
		ContainerStatuses []struct {
			Name  string `json:"name"`
			State struct {
				Terminated *struct {
					ExitCode int    `json:"exitCode"`
					Reason   string `json:"reason"`
					Message  string `json:"message"`
				} `json:"terminated"`
			} `json:"state"`
		} `json:"containerStatuses"`
	} `json:"status"`
}

type list struct {
	Items []object `json:"items"`
}

// state is one look at the namespace.
type state struct {
	jobs, pods, events []object
}

func (s *state) job(name string) *object {
	for i := range s.jobs {
		if s.jobs[i].Metadata.Name == name {
			return &s.jobs[i]
		}
	}
	return nil
}

func (s *state) podsOf(job string) []object {
	var out []object
	for _, p := range s.pods {
		if p.Metadata.Labels["batch.kubernetes.io/job-name"] == job || p.Metadata.Labels["job-name"] == job {
			out = append(out, p)
		}
	}
	return out
}

func (o *object) condition(typ string) (status, reason string) {
	for _, c := range o.Status.Conditions {
		if c.Type == typ {
			return c.Status, c.Reason
		}
	}
	return "", ""
}

func jobCondition(typ, reason string) func(*state, string) bool {
	return func(s *state, name string) bool {
		j := s.job(name)
		if j == nil {
			return false
		}
		st, r := j.condition(typ)
		if st != "True" || (reason != "" && r != reason) {
			return false
		}
		// Settled: the Job controller has accounted for every pod.
		for _, p := range s.podsOf(name) {
			if slices.Contains(p.Metadata.Finalizers, "batch.kubernetes.io/job-tracking") || p.Metadata.DeletionTimestamp != "" {
				return false
			}
		}
		return true
	}
}

func pendingUnschedulable(s *state, name string) bool {
	pods := s.podsOf(name)
	if len(pods) != 1 || pods[0].Status.Phase != "Pending" {
		return false
	}
	if st, r := pods[0].condition("PodScheduled"); st != "False" || r != "Unschedulable" {
		return false
	}
	for _, e := range s.events {
		if e.InvolvedObject.Kind == "Pod" && e.InvolvedObject.Name == pods[0].Metadata.Name && e.Reason == "FailedScheduling" {
			return true
		}
	}
	return false
}

func getList(ctx context.Context, kubeconfig, resource string) ([]object, error) {
	out, err := kubectl(ctx, kubeconfig, "get", resource, "-n", env.namespace, "-o", "json")
	if err != nil {
		return nil, err
	}
	var l list
	if err := json.Unmarshal(out, &l); err != nil {
		return nil, fmt.Errorf("get %s: %w", resource, err)
	}
	return l.Items, nil
}

func look(ctx context.Context) (*state, error) {
	var s state
	var err error
	if s.jobs, err = getList(ctx, env.adminKubeconfig, "jobs"); err != nil {
		return nil, err
	}
	if s.pods, err = getList(ctx, env.adminKubeconfig, "pods"); err != nil {
		return nil, err
	}
	if s.events, err = getList(ctx, env.adminKubeconfig, "events"); err != nil {
		return nil, err
	}
	return &s, nil
}

// versions maps "kind/name" to resourceVersion for every Job and Pod.
func versions(s *state) map[string]string {
	m := map[string]string{}
	for _, o := range s.jobs {
		m["job/"+o.Metadata.Name] = o.Metadata.ResourceVersion
	}
	for _, o := range s.pods {
		m["pod/"+o.Metadata.Name] = o.Metadata.ResourceVersion
	}
	return m
}

// setupScenarios creates every scenario Job (idempotent: a Job that already
// exists is left alone) and waits until all reached their states and the
// Jobs and Pods stopped changing.
func setupScenarios(ctx context.Context) error {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "testdata", "jobs")
	var missing []string
	existing, err := getList(ctx, env.adminKubeconfig, "jobs")
	if err != nil {
		return err
	}
	for _, sc := range scenarios {
		if !slices.ContainsFunc(existing, func(o object) bool { return o.Metadata.Name == sc.job }) {
			missing = append(missing, "-f", filepath.Join(dir, sc.file))
		}
	}
	if len(missing) > 0 {
		if _, err := admin(ctx, append([]string{"create"}, missing...)...); err != nil {
			return err
		}
	}
	var last *state
	var notReady []string
	for {
		s, err := look(ctx)
		if err == nil {
			last = s
			notReady = notReady[:0]
			for _, sc := range scenarios {
				if !sc.ready(s, sc.job) {
					notReady = append(notReady, sc.job)
				}
			}
			if len(notReady) == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("jobs not in their states: %s (last error: %v)", strings.Join(notReady, ", "), err)
		case <-time.After(time.Second):
		}
	}
	// Quiescent: two looks 2 s apart agree on every resourceVersion.
	for {
		select {
		case <-ctx.Done():
			return errors.New("jobs and pods kept changing")
		case <-time.After(2 * time.Second):
		}
		s, err := look(ctx)
		if err != nil {
			return err
		}
		if equalMaps(versions(last), versions(s)) {
			return nil
		}
		last = s
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// dumpState prints the namespace for a failed setup.
func dumpState() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, args := range [][]string{
		{"get", "jobs,pods", "-o", "wide"},
		{"get", "events", "--sort-by", ".lastTimestamp"},
	} {
		out, err := admin(ctx, args...)
		fmt.Fprintf(os.Stderr, "--- kubectl %s\n%s", strings.Join(args, " "), out)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestScenarios checks the cluster itself produced what the other tests
// rely on, seen through the read-only identity.
func TestScenarios(t *testing.T) {
	requireCluster(t)
	ctx := t.Context()
	jobs, err := getList(ctx, env.roKubeconfig, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	pods, err := getList(ctx, env.roKubeconfig, "pods")
	if err != nil {
		t.Fatal(err)
	}
	s := &state{jobs: jobs, pods: pods}
	for _, sc := range scenarios {
		t.Run(sc.job, func(t *testing.T) {
			j := s.job(sc.job)
			if j == nil {
				t.Fatalf("job %s not found", sc.job)
			}
			if sc.wantFailReason != "" {
				if st, r := j.condition("Failed"); st != "True" || r != sc.wantFailReason {
					t.Errorf("Failed condition = %q %q, want True %q", st, r, sc.wantFailReason)
				}
			}
		})
	}
	// The pods failed the way their annotations asked.
	wantTerm := map[string]struct {
		code   int
		reason string
	}{
		"e2e-backoff":  {1, "Error"},
		"e2e-exitcode": {2, "Error"},
		"e2e-oom":      {137, "OOMKilled"},
	}
	for _, job := range sortedKeys(wantTerm) {
		want := wantTerm[job]
		pods := s.podsOf(job)
		if len(pods) != 1 {
			t.Errorf("%s: %d pods, want 1", job, len(pods))
			continue
		}
		p := pods[0]
		if p.Status.Phase != "Failed" || len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].State.Terminated == nil {
			t.Errorf("%s: pod %s phase %s, want Failed with a terminated container", job, p.Metadata.Name, p.Status.Phase)
			continue
		}
		term := p.Status.ContainerStatuses[0].State.Terminated
		if term.ExitCode != want.code || term.Reason != want.reason {
			t.Errorf("%s: terminated exit %d reason %q, want %d %q", job, term.ExitCode, term.Reason, want.code, want.reason)
		}
	}
	// The read-only identity really is read-only.
	out, err := kubectl(ctx, env.roKubeconfig, "delete", "job", "e2e-succeed", "-n", env.namespace, "--dry-run=server")
	if err == nil || !strings.Contains(err.Error(), "Forbidden") && !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("read-only delete: err = %v, output %s; want Forbidden", err, out)
	}
	if _, err := kubectl(ctx, env.noEventsKubeconfig, "get", "events", "-n", env.namespace); err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("no-events identity listing events: err = %v, want forbidden", err)
	}
}
