//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
)

// TestServe is issue 18's "done when": for each scenario, what kubectl
// prints against `ksnap serve BUNDLE` is what it printed against the real
// cluster when BUNDLE was captured. Each scenario is captured with the
// read-only identity, the real kubectl runs the same commands against the
// real cluster right after (the scenarios hold still), then against the
// ksnap binary serving the bundle, which is stopped by PID with SIGINT.
//
// get: headers and every cell equal, except the cells of AGE, DURATION and
// LAST SEEN and the "(… ago)" of RESTARTS (ages count from the real now on
// the cluster and from the capture time on the server); describe job: equal
// except the Age column of Events; logs: byte-equal, and a refusal (no log)
// must be the same refusal.
func TestServe(t *testing.T) {
	requireCluster(t)
	_, file, _, _ := runtime.Caller(0)
	jobsDir := filepath.Join(filepath.Dir(file), "testdata", "jobs")
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Second)
	defer cancel()
	start := time.Now()
	// Every fixture scenario but the metrics ones (they need metrics-server
	// and TestMetrics owns them): the e2e ones are up already (TestMain).
	noMetrics := func(name string) bool { return !strings.HasPrefix(name, "metrics") }
	if err := setupFixtureScenarios(ctx, jobsDir, noMetrics); err != nil {
		dumpState()
		t.Fatalf("fixture scenarios: %v", err)
	}
	t.Logf("fixture scenarios ready in %s", time.Since(start).Round(time.Millisecond))
	var names []string
	for _, sc := range scenarios {
		names = append(names, strings.TrimSuffix(sc.file, ".yaml"))
	}
	for _, sc := range fixtureScenarios {
		if noMetrics(sc.name()) {
			names = append(names, sc.name())
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) { serveScenario(t, "ktest.ksnap.io/scenario="+name) })
	}
}

// kubectlCall is one kubectl command of the comparison and how its output
// is compared.
type kubectlCall struct {
	args []string
	norm func(string) string // nil: byte-equal
	// neverStarted marks the log of a container that never started:
	// kwok, the cluster's fake kubelet, serves its log file for it anyway
	// and capture skips it, so ksnap serve must answer as a real kubelet
	// does (400 "... is waiting to start: ...") instead.
	neverStarted bool
}

func serveScenario(t *testing.T, selector string) {
	r, path := capture(t, env.roKubeconfig, "--logs", "all", "-l", selector)
	if r.code != exitOK {
		t.Fatalf("capture: %s", r)
	}
	b := openBundle(t, path)
	var calls []kubectlCall
	for _, args := range [][]string{{"get", "jobs,pods", "-l", selector}, {"get", "pods", "-o", "wide", "-l", selector}} {
		calls = append(calls, kubectlCall{args: args, norm: normalizeGet})
	}
	jobs, err := b.Member("jobs.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range servedItems(t, jobs) {
		calls = append(calls, kubectlCall{args: []string{"describe", "job", j.Metadata.Name}, norm: normalizeDescribe})
	}
	pods, err := b.Member("pods.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range servedItems(t, pods) {
		skipped := slices.ContainsFunc(b.Manifest.Skipped, func(s bundle.Skip) bool {
			return s.Pod == p.Metadata.Name && s.Reason == "container has not started"
		})
		calls = append(calls, kubectlCall{args: []string{"logs", p.Metadata.Name}, neverStarted: skipped})
		if slices.ContainsFunc(p.Status.ContainerStatuses, func(c servedContainer) bool { return c.RestartCount > 0 }) {
			calls = append(calls, kubectlCall{args: []string{"logs", p.Metadata.Name, "--previous"}})
		}
	}
	// The real cluster first, right after the capture.
	real := make([]result, len(calls))
	for i, c := range calls {
		real[i] = kubectlRun(t, env.roKubeconfig, c.args)
	}
	kc := startServe(t, path)
	var compared []string
	for _, c := range calls {
		compared = append(compared, strings.Join(c.args, " "))
	}
	t.Logf("compared: kubectl %s", strings.Join(compared, "; kubectl "))
	for i, c := range calls {
		got := kubectlRun(t, kc, c.args)
		want := real[i]
		label := "kubectl " + strings.Join(c.args, " ")
		if c.neverStarted {
			if got.code == 0 || !strings.Contains(string(got.stderr), "Error from server (BadRequest): container ") || !strings.Contains(string(got.stderr), " is waiting to start") {
				t.Errorf("%s (a container that never started): exit %d, stderr %q; want the kubelet's refusal", label, got.code, got.stderr)
			}
			continue
		}
		if got.code != want.code {
			t.Errorf("%s: exit %d against ksnap serve, %d against the cluster\nserve:\n%s%s\ncluster:\n%s%s", label, got.code, want.code, got.stdout, got.stderr, want.stdout, want.stderr)
			continue
		}
		gs, ws := string(got.stdout), string(want.stdout)
		if c.norm != nil {
			gs, ws = c.norm(gs), c.norm(ws)
		}
		if gs != ws {
			t.Errorf("%s: output differs (- cluster, + ksnap serve; normalised)\n%s\ncluster:\n%s\nserve:\n%s", label, lineDiff(ws, gs), want.stdout, got.stdout)
		}
		if g, w := string(got.stderr), string(want.stderr); g != w {
			t.Errorf("%s: stderr differs\ncluster: %q\nserve:   %q", label, w, g)
		}
	}
}

type servedContainer struct {
	RestartCount int `json:"restartCount"`
}

// servedItem is the part of a Job or Pod the calls are made from.
type servedItem struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Status struct {
		ContainerStatuses []servedContainer `json:"containerStatuses"`
	} `json:"status"`
}

func servedItems(t *testing.T, data []byte) []servedItem {
	t.Helper()
	var l struct {
		Items []servedItem `json:"items"`
	}
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	return l.Items
}

// kubectlRun runs kubectl in the test namespace with kubeconfig.
func kubectlRun(t *testing.T, kubeconfig string, args []string) result {
	t.Helper()
	argv := append([]string{env.kubectl, "--kubeconfig", kubeconfig, "-n", env.namespace}, args...)
	r, err := runProg(t.Context(), 30*time.Second, argv)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// lockedBuffer is an io.Writer read while the process writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var exportLine = regexp.MustCompile(`(?m)^export KUBECONFIG=(\S+)$`)

// startServe runs `ksnap serve path`, waits for the export KUBECONFIG line
// it prints and returns that kubeconfig; at the end of t it stops the server
// by PID with SIGINT and fails t unless it exits 0 within 15 s.
func startServe(t *testing.T, path string) string {
	t.Helper()
	cmd := exec.Command(env.ksnap, "serve", path)
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Errorf("ksnap serve: SIGINT: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ksnap serve after SIGINT: %v; stderr %s", err, stderr.String())
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Errorf("ksnap serve did not stop within 15 s of SIGINT")
		}
	})
	deadline := time.After(20 * time.Second)
	for {
		if m := exportLine.FindStringSubmatch(stdout.String()); m != nil {
			return strings.Trim(m[1], "'")
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("ksnap serve %s exited: %v\nstdout %s\nstderr %s", path, err, stdout.String(), stderr.String())
		case <-deadline:
			t.Fatalf("ksnap serve %s: no export KUBECONFIG line after 20 s\nstdout %s\nstderr %s", path, stdout.String(), stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ageHeaders are the columns of kubectl get whose cells are ages.
var ageHeaders = []string{"AGE", "DURATION", "LAST SEEN"}

var restartsAgo = regexp.MustCompile(`\(.+ ago\)`)

// normalizeGet splits kubectl get's tables into cells (kubectl's tabwriter
// puts at least 3 spaces between them), one line per row with the cells
// joined by " | ", and replaces the age cells by <age>.
func normalizeGet(out string) string {
	var b strings.Builder
	var header []string
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			header = nil
			b.WriteString("\n")
			continue
		}
		cells := regexp.MustCompile(` {3,}`).Split(strings.TrimRight(line, " "), -1)
		if header == nil {
			header = cells
		} else {
			for i := range cells {
				if i >= len(header) {
					break
				}
				switch {
				case slices.Contains(ageHeaders, header[i]):
					cells[i] = "<age>"
				case header[i] == "RESTARTS":
					cells[i] = restartsAgo.ReplaceAllString(cells[i], "(<age> ago)")
				}
			}
		}
		b.WriteString(strings.Join(cells, " | ") + "\n")
	}
	return b.String()
}

// normalizeDescribe replaces the Age cells of describe's Events table by
// <age> (its tabwriter puts at least 2 spaces between cells, so the rows
// are re-joined with " | "); every other line stays as it is.
func normalizeDescribe(out string) string {
	var b strings.Builder
	inEvents, age := false, -1
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "Events:"):
			inEvents, age = true, -1
		case inEvents && strings.HasPrefix(line, "  "):
			cells := regexp.MustCompile(` {2,}`).Split(strings.TrimSpace(line), -1)
			if age < 0 {
				age = slices.Index(cells, "Age")
			} else if age < len(cells) && !strings.HasPrefix(cells[age], "---") {
				cells[age] = "<age>"
			}
			line = "  " + strings.Join(cells, " | ")
		default:
			inEvents = false
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// lineDiff lists the lines of want and got that differ, by line number.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// TestServeNormalize pins what the comparison of TestServe forgives (ages,
// and the column widths they change) and what it does not; it needs no
// cluster.
func TestServeNormalize(t *testing.T) {
	cluster := "NAME                      STATUS    COMPLETIONS   DURATION   AGE\n" +
		"job.batch/e2e-crashloop   Running   0/1           100s       100s\n" +
		"\n" +
		"NAME                      READY   STATUS             RESTARTS       AGE\n" +
		"pod/e2e-crashloop-zcjw6   0/1     CrashLoopBackOff   3 (98s ago)    100s\n"
	served := "NAME                      STATUS    COMPLETIONS   DURATION   AGE\n" +
		"job.batch/e2e-crashloop   Running   0/1           29s        29s\n" +
		"\n" +
		"NAME                      READY   STATUS             RESTARTS      AGE\n" +
		"pod/e2e-crashloop-zcjw6   0/1     CrashLoopBackOff   3 (27s ago)   29s\n"
	want := "NAME | STATUS | COMPLETIONS | DURATION | AGE\n" +
		"job.batch/e2e-crashloop | Running | 0/1 | <age> | <age>\n" +
		"\n" +
		"NAME | READY | STATUS | RESTARTS | AGE\n" +
		"pod/e2e-crashloop-zcjw6 | 0/1 | CrashLoopBackOff | 3 (<age> ago) | <age>\n" +
		"\n"
	for _, in := range []string{cluster, served} {
		if got := normalizeGet(in); got != want {
			t.Errorf("normalizeGet:\n%s\nwant:\n%s", got, want)
		}
	}
	for _, changed := range []string{
		strings.Replace(served, "3 (27s ago)", "4 (27s ago)", 1),
		strings.Replace(served, "Running   0/1", "Failed    0/1", 1),
		strings.Replace(served, "   AGE\n", "   AGO\n", 1),
	} {
		if normalizeGet(changed) == want {
			t.Errorf("normalizeGet forgave a change:\n%s", changed)
		}
	}

	describe := "Name:             e2e-backoff\n" +
		"Start Time:       Mon, 23 Nov 2026 09:26:13 +0000\n" +
		"Events:\n" +
		"  Type     Reason                Age   From            Message\n" +
		"  ----     ------                ----  ----            -------\n" +
		"  Normal   SuccessfulCreate      %s   job-controller  Created pod: e2e-backoff-6dhvs\n"
	wantDescribe := "Name:             e2e-backoff\n" +
		"Start Time:       Mon, 23 Nov 2026 09:26:13 +0000\n" +
		"Events:\n" +
		"  Type | Reason | Age | From | Message\n" +
		"  ---- | ------ | ---- | ---- | -------\n" +
		"  Normal | SuccessfulCreate | <age> | job-controller | Created pod: e2e-backoff-6dhvs\n" +
		"\n"
	for _, age := range []string{"29s", "3m12s"} {
		if got := normalizeDescribe(fmt.Sprintf(describe, age)); got != wantDescribe {
			t.Errorf("normalizeDescribe (age %s):\n%s\nwant:\n%s", age, got, wantDescribe)
		}
	}
	if got := normalizeDescribe(strings.Replace(fmt.Sprintf(describe, "29s"), "09:26:13", "09:26:14", 1)); got == wantDescribe {
		t.Error("normalizeDescribe forgave a changed Start Time")
	}
}
