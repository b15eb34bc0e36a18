package capture

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/capture/kubectl/kubectltest"
)

const podsJSON = `{"apiVersion":"v1","kind":"List","items":[
 {"metadata":{"name":"job-a-ok"},"status":{"phase":"Succeeded",
   "containerStatuses":[{"name":"main","restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}},
 {"metadata":{"name":"job-b-crash"},"status":{"phase":"Running",
   "initContainerStatuses":[{"name":"init","restartCount":0,"state":{"terminated":{"exitCode":0}}}],
   "containerStatuses":[{"name":"main","restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}},
 {"metadata":{"name":"job-c-pending"},"status":{"phase":"Pending",
   "containerStatuses":[{"name":"main","restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]}},
 {"metadata":{"name":"job-d-unscheduled"},"status":{"phase":"Pending"}}
]}`

var (
	versionOut = `{"clientVersion":{"gitVersion":"v1.33.1"},"serverVersion":{"gitVersion":"v1.33.13"}}`
	jobsOut    = "{\n  \"apiVersion\": \"v1\",\n  \"items\": [],\n  \"kind\": \"List\"\n}\n"
	eventsOut  = `{"kind":"List","items":[]}`
	t0         = time.Date(2025, 11, 16, 10, 0, 0, 123456789, time.UTC)
)

func listArgs(kind string) []string {
	return listCallArgs("trading-bots", "app=arbitrage-tuning")[kind]
}

func baseOptions(t *testing.T) Options {
	return Options{
		Namespace: "trading-bots", Selector: "app=arbitrage-tuning", ContextName: "prod",
		OutDir: t.TempDir(), MaxLogLines: 50, Logs: LogsAll, Timeout: time.Second,
		Now: func() time.Time { return t0 },
	}
}

func expectLists(f *kubectltest.Fake, events kubectltest.Response) {
	f.Expect(listArgs(bundle.KindVersion), kubectltest.Response{Stdout: versionOut})
	f.Expect(listArgs(bundle.KindJobs), kubectltest.Response{Stdout: jobsOut})
	f.Expect(listArgs(bundle.KindPods), kubectltest.Response{Stdout: podsJSON})
	f.Expect(listArgs(bundle.KindEvents), events)
}

func logArgs(pod, c string, prev bool) []string {
	return logCallArgs("trading-bots", pod, c, 50, prev)
}

func expectLogs(f *kubectltest.Fake) {
	f.Expect(logArgs("job-a-ok", "main", false), kubectltest.Response{Stdout: "done\n"})
	f.Expect(logArgs("job-b-crash", "init", false), kubectltest.Response{Stdout: "init ok\n"})
	f.Expect(logArgs("job-b-crash", "main", false), kubectltest.Response{Stdout: "", Stderr: "Error from server (BadRequest): container \"main\" in pod \"job-b-crash\" is waiting to start: CrashLoopBackOff\n", ExitCode: 1})
	f.Expect(logArgs("job-b-crash", "main", true), kubectltest.Response{Stdout: "  panic: boom\r\n"})
}

func TestRunCapturesEverythingByteForByte(t *testing.T) {
	t.Parallel()
	f := kubectltest.NewFake(t)
	expectLists(f, kubectltest.Response{Stdout: eventsOut})
	expectLogs(f)
	opts := baseOptions(t)
	res, err := Run(context.Background(), opts, f)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(res.Path) != opts.OutDir || !strings.HasPrefix(filepath.Base(res.Path), "20251116T100000Z-trading-bots-") {
		t.Errorf("path %s", res.Path)
	}
	b, err := bundle.Open(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		bundle.VersionMember:                 versionOut,
		bundle.JobsMember:                    jobsOut,
		bundle.PodsMember:                    podsJSON,
		bundle.EventsMember:                  eventsOut,
		"logs/job-a-ok/main.log":             "done\n",
		"logs/job-b-crash/init.log":          "init ok\n",
		"logs/job-b-crash/main.log":          "",
		"logs/job-b-crash/main.previous.log": "  panic: boom\r\n",
	}
	for name, content := range want {
		got, err := b.Member(name)
		if err != nil {
			t.Errorf("member %s: %v", name, err)
			continue
		}
		if string(got) != content {
			t.Errorf("member %s = %q, want %q", name, got, content)
		}
	}
	if len(b.Names()) != len(want) {
		t.Errorf("members %q, want %d", b.Names(), len(want))
	}
	m := b.Manifest
	if m.CapturedAt != "2025-11-16T10:00:00.123456789Z" || m.Namespace != "trading-bots" || m.Selector != "app=arbitrage-tuning" ||
		m.Context != "prod" || m.Kubectl != (bundle.Versions{Client: "v1.33.1", Server: "v1.33.13"}) || m.Source != bundle.SourceCapture {
		t.Errorf("manifest header %+v", m)
	}
	var kinds []string
	for _, c := range m.Commands {
		kinds = append(kinds, c.Kind+":"+c.Status)
	}
	wantKinds := []string{"version:ok", "jobs:ok", "pods:ok", "events:ok", "log:ok", "log:ok", "log:failed", "previous-log:ok"}
	if !reflect.DeepEqual(kinds, wantKinds) {
		t.Errorf("commands %q\nwant     %q", kinds, wantKinds)
	}
	wantArgv := []string{"kubectl", "get", "jobs", "-o", "json", "-n", "trading-bots", "-l", "app=arbitrage-tuning"}
	if !reflect.DeepEqual(m.Commands[1].Argv, wantArgv) {
		t.Errorf("jobs argv %q", m.Commands[1].Argv)
	}
	if got := m.Commands[3].Argv; !reflect.DeepEqual(got, []string{"kubectl", "get", "events", "-o", "json", "-n", "trading-bots"}) {
		t.Errorf("events argv %q: events must never be filtered by the selector", got)
	}
	wantSkips := []bundle.Skip{{Pod: "job-c-pending", Container: "main", Reason: "container has not started"}}
	if !reflect.DeepEqual(m.Skipped, wantSkips) {
		t.Errorf("skipped %+v", m.Skipped)
	}
	// A failed log call is a failed command: the capture is partial and says which.
	if !res.Partial() || len(res.Failed) != 1 || res.Failed[0].Member != "logs/job-b-crash/main.log" ||
		!strings.Contains(res.Failed[0].Error, "is waiting to start: CrashLoopBackOff") {
		t.Errorf("failed = %+v", res.Failed)
	}
}

func TestRunPartialCaptures(t *testing.T) {
	t.Parallel()
	forbidden := "Error from server (Forbidden): events is forbidden: User \"system:serviceaccount:ksnap:ro\" cannot list resource \"events\" in API group \"\" in the namespace \"trading-bots\"\n"
	tests := []struct {
		name      string
		events    kubectltest.Response
		timeout   time.Duration
		wantErr   string
		wantExit  int
		wantStore bool
	}{
		{"forbidden", kubectltest.Response{Stderr: forbidden, ExitCode: 1}, 0,
			`kubectl exited 1: Error from server (Forbidden): events is forbidden: User "system:serviceaccount:ksnap:ro" cannot list resource "events" in API group "" in the namespace "trading-bots"`, 1, true},
		{"not json", kubectltest.Response{Stdout: "No resources found in trading-bots namespace.\n"}, 0,
			`kubectl output is not valid JSON (46 bytes, starts "No resources found in trading-bots names")`, 0, true},
		{"empty stdout", kubectltest.Response{}, 0, "kubectl printed nothing on stdout; expected JSON", 0, true},
		// gjson's validator recursed once per level: a hostile API server's
		// 8 MiB of "[" crashed capture with a fatal stack overflow.
		{"nested too deep", kubectltest.Response{Stdout: strings.Repeat("[", 8<<20)}, 0,
			"kubectl output is not usable: JSON nests deeper than 512 levels at byte 512", 0, true},
		{"string too long", kubectltest.Response{Stdout: `{"items":[{"metadata":{"name":"` + strings.Repeat("j", 3<<20) + `"}}]}`}, 0,
			"kubectl output is not usable: a JSON string at byte 30 is longer than 2097152 bytes", 0, true},
		{"timeout", kubectltest.Response{Stdout: eventsOut, Delay: 10 * time.Second}, 50 * time.Millisecond,
			"kubectl timed out after 50ms (raise --timeout or check the API server)", -1, true},
		{"not found", kubectltest.Response{NotFound: true}, 0,
			`kubectl "kubectl" could not be run: executable file not found in $PATH (install kubectl or pass --kubectl PATH)`, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := kubectltest.NewFake(t)
			f.Timeout = tt.timeout
			expectLists(f, tt.events)
			opts := baseOptions(t)
			opts.Logs = LogsNone
			res, err := Run(context.Background(), opts, f)
			if err != nil {
				t.Fatalf("Run: %v (a partial capture must still write a bundle)", err)
			}
			if len(res.Failed) != 1 {
				t.Fatalf("failed = %+v, want the events command only", res.Failed)
			}
			c := res.Failed[0]
			if c.Kind != bundle.KindEvents || c.Status != bundle.StatusFailed || c.Error != tt.wantErr || c.ExitCode != tt.wantExit {
				t.Errorf("events command = %+v\nwant error %q exit %d", c, tt.wantErr, tt.wantExit)
			}
			if c.Stderr != tt.events.Stderr {
				t.Errorf("stderr %q, want %q", c.Stderr, tt.events.Stderr)
			}
			b, err := bundle.Open(res.Path)
			if err != nil {
				t.Fatal(err)
			}
			if b.Has(bundle.EventsMember) != tt.wantStore {
				t.Errorf("events member stored = %v, want %v", b.Has(bundle.EventsMember), tt.wantStore)
			}
			if tt.wantStore {
				got, _ := b.Member(bundle.EventsMember)
				if string(got) != tt.events.Stdout && tt.name != "timeout" {
					t.Errorf("events member %q, want kubectl's stdout %q", got, tt.events.Stdout)
				}
			}
			if jobs, _ := b.Member(bundle.JobsMember); string(jobs) != jobsOut {
				t.Errorf("the other lists must still be kept: jobs = %q", jobs)
			}
		})
	}
}

func TestRunLogModes(t *testing.T) {
	t.Parallel()
	t.Run("failed only", func(t *testing.T) {
		t.Parallel()
		f := kubectltest.NewFake(t)
		expectLists(f, kubectltest.Response{Stdout: eventsOut})
		f.Expect(logArgs("job-b-crash", "init", false), kubectltest.Response{Stdout: "x"})
		f.Expect(logArgs("job-b-crash", "main", false), kubectltest.Response{Stdout: "y"})
		f.Expect(logArgs("job-b-crash", "main", true), kubectltest.Response{Stdout: "z"})
		opts := baseOptions(t)
		opts.Logs = LogsFailed
		if _, err := Run(context.Background(), opts, f); err != nil {
			t.Fatal(err)
		}
	})
	for _, tt := range []struct {
		name string
		mode LogMode
		max  int
	}{{"none", LogsNone, 50}, {"max zero", LogsAll, 0}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := kubectltest.NewFake(t) // strict: any logs call fails the test
			expectLists(f, kubectltest.Response{Stdout: eventsOut})
			opts := baseOptions(t)
			opts.Logs, opts.MaxLogLines = tt.mode, tt.max
			res, err := Run(context.Background(), opts, f)
			if err != nil || res.Partial() {
				t.Fatalf("Run = %+v, %v", res, err)
			}
		})
	}
	t.Run("no selector means no -l", func(t *testing.T) {
		t.Parallel()
		f := kubectltest.NewFake(t)
		a := listCallArgs("ns", "")
		f.Expect(a[bundle.KindVersion], kubectltest.Response{Stdout: versionOut})
		f.Expect(a[bundle.KindJobs], kubectltest.Response{Stdout: jobsOut})
		f.Expect(a[bundle.KindPods], kubectltest.Response{Stdout: `{"items":[]}`})
		f.Expect(a[bundle.KindEvents], kubectltest.Response{Stdout: eventsOut})
		opts := baseOptions(t)
		opts.Namespace, opts.Selector = "ns", ""
		if _, err := Run(context.Background(), opts, f); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(a[bundle.KindJobs], " "); got != "get jobs -o json -n ns" {
			t.Errorf("jobs args %q", got)
		}
	})
}

// barrier holds every list call until all four are in flight: the capture
// can only finish if they run concurrently. No clock is involved.
type barrier struct {
	inner   kubectl.Runner
	mu      sync.Mutex
	waiting int
	all     chan struct{}
}

func (b *barrier) Run(ctx context.Context, args []string) kubectl.Result {
	if args[0] != "logs" {
		b.mu.Lock()
		b.waiting++
		if b.waiting == 4 {
			close(b.all)
		}
		b.mu.Unlock()
		select {
		case <-b.all:
		case <-ctx.Done():
			return kubectl.Result{Err: ctx.Err()}
		}
	}
	return b.inner.Run(ctx, args)
}

func TestRunListCallsAreConcurrent(t *testing.T) {
	t.Parallel()
	f := kubectltest.NewFake(t)
	expectLists(f, kubectltest.Response{Stdout: eventsOut})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := baseOptions(t)
	opts.Logs = LogsNone
	res, err := Run(ctx, opts, &barrier{inner: f, all: make(chan struct{})})
	if err != nil {
		t.Fatal(err)
	}
	if res.Partial() {
		t.Fatalf("list calls did not all run at once: %+v", res.Failed)
	}
}

// fixedDuration zeroes the measured durations so two captures of the same
// outputs at the same time can be compared byte for byte.
type fixedDuration struct{ inner kubectl.Runner }

func (r fixedDuration) Run(ctx context.Context, args []string) kubectl.Result {
	res := r.inner.Run(ctx, args)
	res.Duration = 1500 * time.Microsecond
	return res
}

func TestRunIsDeterministic(t *testing.T) {
	t.Parallel()
	var files [][]byte
	for i := 0; i < 2; i++ {
		f := kubectltest.NewFake(t)
		expectLists(f, kubectltest.Response{Stdout: eventsOut})
		expectLogs(f)
		res, err := Run(context.Background(), baseOptions(t), fixedDuration{f})
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(res.Path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if string(files[0]) != string(files[1]) {
		t.Fatal("same outputs and capture time gave different bundle bytes")
	}
}

func TestRunRejectsBadOptionsAndUnwritableDir(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	tests := []struct {
		name    string
		mutate  func(*Options)
		wantErr string
	}{
		{"no namespace", func(o *Options) { o.Namespace = "" }, "a namespace is required"},
		{"negative tail", func(o *Options) { o.MaxLogLines = -1 }, "max log lines -1"},
		{"bad log mode", func(o *Options) { o.Logs = "some" }, `log mode "some"`},
		{"out is a file", func(o *Options) { o.OutDir = filepath.Join(file, "sub") }, "create output directory"},
		// The namespace is part of the bundle's file name: this one wrote
		// the bundle outside the output directory.
		{"namespace is a path", func(o *Options) { o.Namespace = "x/../../../ESCAPED" },
			`namespace "x/../../../ESCAPED" is not a valid namespace name (lowercase letters, digits and '-', at most 63, starting and ending with a letter or digit)`},
		{"namespace is a flag", func(o *Options) { o.Namespace = "--all-namespaces" }, `namespace "--all-namespaces" is not a valid namespace name`},
		{"selector is a flag", func(o *Options) { o.Selector = "--raw=/x" }, `selector "--raw=/x" is not a label selector`},
		{"context with a newline", func(o *Options) { o.ContextName = "prod\nOverall Health: OK" }, `context "prod\nOverall Health: OK" is not a usable context name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := kubectltest.NewFake(t) // strict: nothing may run
			opts := baseOptions(t)
			tt.mutate(&opts)
			_, err := Run(context.Background(), opts, f)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCurrentContext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	b := filepath.Join(dir, "b")
	os.WriteFile(a, []byte("apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: secret\n"), 0o600)
	os.WriteFile(b, []byte("apiVersion: v1\nkind: Config\ncurrent-context: prod-east\n"), 0o600)
	if got := CurrentContext(KubeconfigPaths("", a+string(os.PathListSeparator)+b, "/home/x")); got != "prod-east" {
		t.Errorf("merged current-context = %q", got)
	}
	if got := CurrentContext(KubeconfigPaths(a, "", "")); got != "" {
		t.Errorf("no current-context = %q", got)
	}
	if got := KubeconfigPaths("", "", "/home/x"); !reflect.DeepEqual(got, []string{"/home/x/.kube/config"}) {
		t.Errorf("default paths %q", got)
	}
}

func TestCutLogs(t *testing.T) {
	t.Parallel()
	logs := []string{"a\nbb\nccc\n", "short\n", "0123456789", "", "x\ny\n"}
	cmds := make([]bundle.Command, len(logs)+1)
	mems := make([]*bundle.Member, len(logs)+1)
	for i, l := range logs {
		mems[i] = &bundle.Member{Data: []byte(l)}
	}
	// mems[5] is nil: a log call that never started.
	cutLogs(cmds, mems, 8, 20)
	type cut struct {
		Data      string
		Truncated bool
		Size      int64
	}
	var got []cut
	for i := range logs {
		got = append(got, cut{string(mems[i].Data), cmds[i].StdoutTruncated, cmds[i].StdoutSize})
	}
	want := []cut{
		{"bb\nccc\n", true, 9}, // the last 8 bytes start at the newline after "a": keep from the next line
		{"short\n", false, 0},  // fits
		{"3456789", true, 10},  // 7 of the total left, one line longer than that: its last bytes
		{"", false, 0},         // empty
		{"", true, 4},          // the total of 20 is spent (7 + 6 + 7): nothing left for "x\ny\n"
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// 100 log lines of 2 MiB made capture write a bundle that verify and
// analyze refused; the tail is now cut at MaxLogTail and the cut recorded.
func TestRunCutsOversizeLogTails(t *testing.T) {
	t.Parallel()
	f := kubectltest.NewFake(t)
	pods := `{"kind":"List","items":[{"metadata":{"name":"p"},"status":{"containerStatuses":[{"name":"main","state":{"running":{}}}]}}]}`
	f.Expect(listArgs(bundle.KindVersion), kubectltest.Response{Stdout: versionOut})
	f.Expect(listArgs(bundle.KindJobs), kubectltest.Response{Stdout: jobsOut})
	f.Expect(listArgs(bundle.KindPods), kubectltest.Response{Stdout: pods})
	f.Expect(listArgs(bundle.KindEvents), kubectltest.Response{Stdout: eventsOut})
	line := strings.Repeat("x", 2<<20-1) + "\n"
	f.Expect(logArgs("p", "main", false), kubectltest.Response{Stdout: strings.Repeat(line, 100)})
	res, err := Run(context.Background(), baseOptions(t), f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Open(res.Path)
	if err != nil {
		t.Fatalf("capture wrote a bundle the reader refuses: %v", err)
	}
	c := b.Manifest.Commands[4]
	got, _ := b.Member("logs/p/main.log")
	if c.Status != bundle.StatusOK || !c.StdoutTruncated || c.StdoutSize != 200<<20 || c.Size != 4<<20 || string(got) != strings.Repeat(line, 2) {
		t.Errorf("log command %+v, member of %d bytes", c, len(got))
	}
}

// A hostile API server names pods and containers like flags or paths: they
// are skipped with the reason, never passed to kubectl (the strict fake
// fails on any call not expected) nor made into member names.
func TestRunSkipsHostileNames(t *testing.T) {
	t.Parallel()
	f := kubectltest.NewFake(t)
	pods := `{"kind":"List","items":[
 {"metadata":{"name":"--selector=app=x"},"status":{"containerStatuses":[{"name":"main","state":{"running":{}}}]}},
 {"metadata":{"name":"p"},"status":{"containerStatuses":[{"name":"../../x","state":{"running":{}}},{"name":"main","state":{"running":{}}}]}}]}`
	f.Expect(listArgs(bundle.KindVersion), kubectltest.Response{Stdout: versionOut})
	f.Expect(listArgs(bundle.KindJobs), kubectltest.Response{Stdout: jobsOut})
	f.Expect(listArgs(bundle.KindPods), kubectltest.Response{Stdout: pods})
	f.Expect(listArgs(bundle.KindEvents), kubectltest.Response{Stdout: eventsOut})
	f.Expect(logArgs("p", "main", false), kubectltest.Response{Stdout: "ok\n"})
	res, err := Run(context.Background(), baseOptions(t), f)
	if err != nil {
		t.Fatal(err)
	}
	want := []bundle.Skip{
		{Pod: "--selector=app=x", Container: "main", Reason: `not fetched: pod "--selector=app=x" is not a valid object name (a DNS-1123 subdomain)`},
		{Pod: "p", Container: "../../x", Reason: `not fetched: container "../../x" is not a valid container name (a DNS-1123 label)`},
	}
	if !reflect.DeepEqual(res.Manifest.Skipped, want) {
		t.Errorf("skipped %+v\nwant    %+v", res.Manifest.Skipped, want)
	}
	if got := res.Manifest.Commands[4].Argv; !reflect.DeepEqual(got, []string{"kubectl", "logs", "-n", "trading-bots", "-c", "main", "--tail=50", "--", "p"}) {
		t.Errorf("log argv %q", got)
	}
}

// A capture killed while writing left its temp file (up to 150 MB) for
// ever; the next capture in the directory removes it and says so.
func TestRunRemovesStaleTempFiles(t *testing.T) {
	t.Parallel()
	f := kubectltest.NewFake(t)
	expectLists(f, kubectltest.Response{Stdout: eventsOut})
	opts := baseOptions(t)
	opts.Logs = LogsNone
	stale := filepath.Join(opts.OutDir, ".20251116T090000Z-trading-bots-1a2b3c4d.tar.zst.tmp-1073741824-0a1b2c3d4e5f")
	if err := os.WriteFile(stale, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	res, err := Run(context.Background(), opts, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stale) != 1 || res.Stale[0].Path != stale || res.Stale[0].Size != 7 {
		t.Errorf("stale = %+v", res.Stale)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp file still there: %v", err)
	}
}

// capture --redact writes only the redacted bundle: no raw copy on disk.
func TestRunRedactKeepsNoRawCopy(t *testing.T) {
	t.Parallel()
	f := kubectltest.NewFake(t)
	pods := `{"kind":"List","items":[{"metadata":{"name":"p"},"spec":{"containers":[{"name":"main","env":[{"name":"DB_PASSWORD","value":"hunter2"}]}]},"status":{"phase":"Running"}}]}`
	f.Expect(listArgs(bundle.KindVersion), kubectltest.Response{Stdout: versionOut})
	f.Expect(listArgs(bundle.KindJobs), kubectltest.Response{Stdout: jobsOut})
	f.Expect(listArgs(bundle.KindPods), kubectltest.Response{Stdout: pods})
	f.Expect(listArgs(bundle.KindEvents), kubectltest.Response{Stdout: eventsOut})
	opts := baseOptions(t)
	opts.Logs, opts.Redact = LogsNone, true
	res, err := Run(context.Background(), opts, f)
	if err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(opts.OutDir)
	if len(ents) != 1 {
		t.Fatalf("out dir holds %d files, want the redacted bundle only", len(ents))
	}
	b, err := bundle.Open(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := b.Member(bundle.PodsMember)
	if strings.Contains(string(got), "hunter2") || !strings.Contains(string(got), `"value":"[REDACTED]"`) {
		t.Errorf("pods.json %s", got)
	}
	if r := b.Manifest.Redaction; r == nil || r.OriginalSHA256 != "" || r.RulesSHA256 != "" {
		t.Errorf("redaction %+v", r)
	}
}

// A runner that kept only the tail of a huge output (kubectl.Exec's
// MaxStdout, MaxLogStdout): a list is a failed command without member, a
// log tail records the cut.
func TestCommandFromCutOutput(t *testing.T) {
	t.Parallel()
	res := kubectl.Result{Argv: []string{"kubectl", "get", "pods"}, Stdout: []byte(`{"items":[]}`), StdoutSize: 5 << 30}
	c, m := commandFromResult(bundle.KindPods, bundle.PodsMember, res, true)
	if c.Status != bundle.StatusFailed || m != nil || c.Member != "" ||
		c.Error != "kubectl printed 5368709120 bytes, more than the member limit of 1073741824; not kept" {
		t.Errorf("list: %+v, member %v", c, m)
	}
	res = kubectl.Result{Argv: []string{"kubectl", "logs"}, Stdout: []byte("tail\n"), StdoutSize: 1 << 30}
	c, m = commandFromResult(bundle.KindLog, "logs/p/c.log", res, false)
	if c.Status != bundle.StatusOK || m == nil || !c.StdoutTruncated || c.StdoutSize != 1<<30 {
		t.Errorf("log: %+v", c)
	}
}

// logsFirst holds the events list call until the first log call arrives:
// the capture can only finish if log tails start once the pods list is in,
// before the other lists end. No clock is involved.
type logsFirst struct {
	inner   kubectl.Runner
	once    sync.Once
	logSeen chan struct{}
}

func (l *logsFirst) Run(ctx context.Context, args []string) kubectl.Result {
	if args[0] == "logs" {
		l.once.Do(func() { close(l.logSeen) })
	} else if slices.Equal(args, listArgs(bundle.KindEvents)) {
		select {
		case <-l.logSeen:
		case <-ctx.Done():
			return kubectl.Result{Err: ctx.Err()}
		}
	}
	return l.inner.Run(ctx, args)
}

func TestRunStartsLogsWhenPodsAreIn(t *testing.T) {
	t.Parallel()
	f := kubectltest.NewFake(t)
	expectLists(f, kubectltest.Response{Stdout: eventsOut})
	expectLogs(f)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Run(ctx, baseOptions(t), &logsFirst{inner: f, logSeen: make(chan struct{})})
	if err != nil {
		t.Fatal(err)
	}
	// job-b-crash's main log exits 1 in expectLogs: nothing else may fail.
	var failed []string
	for _, c := range res.Failed {
		failed = append(failed, c.Member)
	}
	if want := []string{bundle.LogMember("job-b-crash", "main", false)}; !slices.Equal(failed, want) {
		t.Fatalf("failed %v, want %v (the events list waited for a log call that never came?)", failed, want)
	}
}
