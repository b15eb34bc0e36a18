// Package capture owns the recording side of ksnap: it plans the read-only
// kubectl calls for one namespace and selector (version, jobs, pods, events,
// then log tails), runs them through a kubectl.Runner, records argv, exit
// code, duration, stderr and sha256 of every call, and writes one bundle even
// when calls fail. It also builds bundles from files captured elsewhere
// (Import). It never judges health; it reads pod JSON only for pod and
// container names and states.
package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/capture/redact"
	"github.com/ksnap/ksnap/internal/atomicfile"
	"github.com/ksnap/ksnap/internal/buildinfo"
	"github.com/ksnap/ksnap/internal/jsonlimit"
	"github.com/ksnap/ksnap/internal/k8sname"
	"github.com/ksnap/ksnap/internal/kube"
	"github.com/ksnap/ksnap/internal/textutil"
	"github.com/tidwall/gjson"
)

// LogMode selects which containers get their log tails captured.
type LogMode string

// Log modes.
const (
	// LogsAll: every container (init containers too) that has started.
	LogsAll LogMode = "all"
	// LogsFailed: only containers of pods that failed, restarted or are stuck
	// in an error state.
	LogsFailed LogMode = "failed"
	// LogsNone: no log calls.
	LogsNone LogMode = "none"
)

// ParseLogMode parses a log mode name; the error names the value, not a flag.
func ParseLogMode(s string) (LogMode, error) {
	switch m := LogMode(s); m {
	case LogsAll, LogsFailed, LogsNone:
		return m, nil
	}
	return "", fmt.Errorf("%q: want all, failed or none", s)
}

// Options configure one capture.
type Options struct {
	Namespace string
	// Selector is passed to kubectl -l as given; empty selects everything.
	Selector string
	// ContextName is the kube context recorded in the manifest (the --context
	// flag, or the kubeconfig's current-context). It does not steer kubectl.
	ContextName string
	// Cluster is the cluster name recorded in the manifest ("" records none).
	Cluster string
	// OutDir receives the bundle; it is created (mode 0700) when missing.
	OutDir string
	// MaxLogLines is the --tail of each log call; 0 disables logs.
	MaxLogLines int
	Logs        LogMode
	// Timeout is recorded in the manifest; the runner enforces it.
	Timeout time.Duration
	// Metrics adds the pod metrics call (metrics.k8s.io, see metrics.go).
	Metrics bool
	// LogWorkers bounds concurrent log calls (default 4).
	LogWorkers int
	// Now stamps the capture start and end; time.Now when nil.
	Now func() time.Time
	// Log receives progress and one warning per failed command; discarded when nil.
	Log *slog.Logger
	// Redact writes only a redacted bundle (capture/redact, with
	// RedactRules when not nil): no raw copy is ever written.
	Redact      bool
	RedactRules *redact.Rules
	// AnalysisOptions are recorded in the manifest as they are (see
	// bundle.Manifest.AnalysisOptions); nil records none.
	AnalysisOptions map[string]string
}

// Result is what Run produced.
type Result struct {
	// Path is the bundle file written.
	Path     string
	Manifest *bundle.Manifest
	// Failed lists the commands that did not capture, in manifest order.
	Failed []bundle.Command
	// Stale lists the temp files of dead writers removed from OutDir
	// before the bundle was written (atomicfile.CleanStale).
	Stale []atomicfile.Stale
}

// Partial reports whether at least one command failed.
func (r *Result) Partial() bool { return len(r.Failed) > 0 }

// Validate checks the options that do not depend on the cluster.
func (o *Options) Validate() error {
	if o.Namespace == "" {
		return errors.New("a namespace is required")
	}
	// Names are data: the namespace becomes part of the bundle's file
	// name, and every value goes into a kubectl argv.
	if err := k8sname.Namespace(o.Namespace); err != nil {
		return err
	}
	if err := k8sname.Selector(o.Selector); err != nil {
		return err
	}
	if o.ContextName != "" {
		if err := k8sname.Context(o.ContextName); err != nil {
			return err
		}
	}
	if o.MaxLogLines < 0 {
		return fmt.Errorf("max log lines %d: must be 0 (no logs) or more", o.MaxLogLines)
	}
	if _, err := ParseLogMode(string(o.Logs)); err != nil {
		return fmt.Errorf("log mode %w", err)
	}
	if o.OutDir == "" {
		return errors.New("an output directory (Options.OutDir) is required")
	}
	return nil
}

// listCallArgs returns the kubectl arguments of the list calls, in manifest order.
func listCallArgs(namespace, selector string) map[string][]string {
	sel := func(args []string) []string {
		if selector != "" {
			args = append(args, "-l", selector)
		}
		return args
	}
	return map[string][]string{
		bundle.KindVersion: {"version", "-o", "json"},
		bundle.KindJobs:    sel([]string{"get", "jobs", "-o", "json", "-n", namespace}),
		bundle.KindPods:    sel([]string{"get", "pods", "-o", "json", "-n", namespace}),
		// Events carry no labels of their objects: never filter them by the
		// selector; analysis joins them by involved object.
		bundle.KindEvents: {"get", "events", "-o", "json", "-n", namespace},
	}
}

// logCallArgs returns the kubectl arguments of one log call.
func logCallArgs(namespace, pod, container string, tail int, previous bool) []string {
	args := []string{"logs", "-n", namespace, "-c", container, "--tail=" + strconv.Itoa(tail)}
	if previous {
		args = append(args, "--previous")
	}
	// The pod name goes after "--": it can never be read as a flag.
	return append(args, "--", pod)
}

var listOrder = []string{bundle.KindVersion, bundle.KindJobs, bundle.KindPods, bundle.KindEvents}

var listMembers = map[string]string{
	bundle.KindVersion: bundle.VersionMember,
	bundle.KindJobs:    bundle.JobsMember,
	bundle.KindPods:    bundle.PodsMember,
	bundle.KindEvents:  bundle.EventsMember,
}

// Run captures one namespace: the four list calls concurrently, then the log
// tails through a bounded pool, and writes the bundle. It returns an error
// only when no bundle could be written; failed commands are recorded in the
// manifest, logged, and listed in Result.Failed.
func Run(ctx context.Context, opts Options, r kubectl.Runner) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.OutDir, 0o700); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	// Best effort: temp files that interrupted captures (or prunes) left
	// in the directory. File ages are wall-clock, whatever opts.Now says.
	stale, _ := atomicfile.CleanStale(opts.OutDir, time.Now())
	start := now().UTC()

	args := listCallArgs(opts.Namespace, opts.Selector)
	// List outputs stream into spill files in OutDir (spill.go), removed
	// whatever happens; the bundle is streamed from them.
	ss := &spills{dir: opts.OutDir}
	defer ss.removeAll()
	// Each list call's result is checked in its own goroutine; the log
	// tails start as soon as the pods list is in, while the other lists
	// may still be running.
	type listed struct {
		cmd bundle.Command
		mem *bundle.Member
		sp  *spill
	}
	results := make(map[string]listed, len(listOrder))
	var logCmds []bundle.Command
	var logMembers []bundle.Member
	var skipped []bundle.Skip
	var spillErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	metrics := startMetrics(ctx, r, opts, ss)
	for _, kind := range listOrder {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, c, m, sp, err := runList(ctx, r, ss, kind, listMembers[kind], args[kind])
			mu.Lock()
			results[kind] = listed{c, m, sp}
			if err != nil && spillErr == nil {
				spillErr = err
			}
			mu.Unlock()
			if err != nil {
				return
			}
			if kind == bundle.KindPods && opts.Logs != LogsNone && opts.MaxLogLines > 0 && c.Status == bundle.StatusOK {
				// The plan needs the whole pods list: read back for it
				// (about one pods.json of memory, only when logs are wanted).
				pods, err := sp.bytes()
				if err != nil {
					log.Warn("no log tails", "error", err)
					return
				}
				plan, skip := PlanLogs(pods, opts.Logs)
				lc, lm := runLogs(ctx, r, opts, plan)
				mu.Lock()
				skipped, logCmds, logMembers = skip, lc, lm
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	cmdsM, memM, err := metrics()
	if spillErr == nil {
		spillErr = err
	}
	if spillErr != nil {
		return nil, spillErr
	}

	var members []bundle.Member
	var cmds []bundle.Command
	for _, kind := range listOrder {
		l := results[kind]
		cmds = append(cmds, l.cmd)
		if l.mem != nil {
			members = append(members, *l.mem)
		}
	}
	cmds = append(cmds, cmdsM...)
	members = append(members, memM...)
	var versions bundle.Versions
	if v := results[bundle.KindVersion].sp; v != nil && v.jsonProblem() == "" && v.werr == nil && v.n <= v.limit {
		if b, err := v.bytes(); err == nil {
			versions = parseVersions(b)
		}
	}
	cmds = append(cmds, logCmds...)
	members = append(members, logMembers...)

	m := &bundle.Manifest{
		Format:        bundle.Format,
		FormatVersion: bundle.FormatVersion,
		KsnapVersion:  buildinfo.Version(),
		Source:        bundle.SourceCapture,
		CapturedAt:    bundle.FormatTime(start),
		FinishedAt:    bundle.FormatTime(now()),
		Namespace:     opts.Namespace,
		Selector:      opts.Selector,
		Context:       opts.ContextName,
		Cluster:       opts.Cluster,
		Kubectl:       versions,
		Options: bundle.Options{
			MaxLogLines: opts.MaxLogLines,
			Logs:        string(opts.Logs),
			TimeoutNS:   int64(opts.Timeout),
		},
		Commands:        cmds,
		Skipped:         skipped,
		AnalysisOptions: opts.AnalysisOptions,
	}
	if opts.Redact {
		// Redaction rewrites member bytes: a redacted capture holds its
		// list outputs in memory (docs/bundle-format.md).
		for i := range members {
			if members[i].Blob == nil {
				continue
			}
			sp := members[i].Blob.(*spill)
			b, err := sp.bytes()
			if err != nil {
				return nil, fmt.Errorf("redact: %w", err)
			}
			members[i].Data, members[i].Blob = b, nil
		}
		var err error
		if m, members, err = redact.Apply(m, members, "", opts.RedactRules); err != nil {
			return nil, fmt.Errorf("redact: %w", err)
		}
	}
	path, err := bundle.Write(opts.OutDir, m, members)
	if err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	res := &Result{Path: path, Manifest: m, Failed: m.FailedCommands(), Stale: stale}
	for _, c := range res.Failed {
		log.Debug("command failed", "member", c.Member, "kind", c.Kind, "error", c.Error)
	}
	log.Info("bundle written", "path", path, "commands", len(m.Commands), "failed", len(res.Failed))
	return res, nil
}

// commandFromResult turns a runner result into a manifest command and the
// member holding stdout (nil when the process never started). wantJSON marks
// list and version calls, whose stdout must be JSON.
func commandFromResult(kind, member string, res kubectl.Result, wantJSON bool) (bundle.Command, *bundle.Member) {
	c, started := baseCommand(kind, res)
	if res.Err == nil && wantJSON {
		if msg := checkJSON(res.Stdout); msg != "" {
			c.Status = bundle.StatusFailed
			c.Error = msg
		}
	}
	if !started {
		return c, nil
	}
	printed := max(res.StdoutSize, int64(len(res.Stdout)))
	if wantJSON && (printed > bundle.MaxMemberSize || printed > int64(len(res.Stdout))) {
		// A reader would refuse the bundle (or the runner kept only a
		// tail): record the failure, keep nothing.
		c.Status = bundle.StatusFailed
		c.Error = fmt.Sprintf("kubectl printed %d bytes, more than the member limit of %d; not kept", printed, bundle.MaxMemberSize)
		return c, nil
	}
	if printed > int64(len(res.Stdout)) {
		// A log tail the runner already cut.
		c.StdoutTruncated, c.StdoutSize = true, printed
	}
	c.Member = member
	return c, &bundle.Member{Name: member, Data: res.Stdout}
}

// baseCommand records what every call shares: argv, exit code, duration,
// stderr (cut to bundle.MaxStderr) and the runner's error; started is false
// when no process ran (kubectl missing, or refused by the allowlist), so
// that there is no member.
func baseCommand(kind string, res kubectl.Result) (c bundle.Command, started bool) {
	stderr := res.Stderr
	truncated := false
	if len(stderr) > bundle.MaxStderr {
		stderr, truncated = stderr[:bundle.MaxStderr], true
	}
	c = bundle.Command{
		Kind:            kind,
		Argv:            append([]string(nil), res.Argv...),
		Status:          bundle.StatusOK,
		ExitCode:        res.ExitCode,
		DurationNS:      int64(res.Duration),
		Stderr:          string(stderr),
		StderrTruncated: truncated,
	}
	if c.Argv == nil {
		c.Argv = []string{}
	}
	var notStarted *kubectl.NotFoundError
	started = res.Err == nil || !(errors.As(res.Err, &notStarted) || errors.Is(res.Err, kubectl.ErrNotReadOnly))
	if res.Err != nil {
		c.Status = bundle.StatusFailed
		c.Error = textutil.OneLine(res.Err.Error())
	}
	return c, started
}

// checkJSON returns "" for JSON ksnap can read, else why not: not JSON, or
// nested deeper or holding longer strings than internal/jsonlimit allows
// (checked first: gjson's validator recurses once per level).
func checkJSON(b []byte) string {
	if err := jsonlimit.Check(b); err != nil {
		return "kubectl output is not usable: " + err.Error()
	}
	if !gjson.ValidBytes(b) {
		return notJSONError(b)
	}
	return ""
}

// cutLogs applies MaxLogTail and MaxLogTotal to log members, in plan
// order: a longer output keeps its last bytes, from the start of a line,
// and its command records the cut (stdout_truncated, stdout_size). Once
// MaxLogTotal is spent, later tails keep nothing but still record the cut.
func cutLogs(cmds []bundle.Command, mems []*bundle.Member, maxTail, maxTotal int) {
	budget := maxTotal
	for i, m := range mems {
		if m == nil {
			continue
		}
		keep := min(maxTail, budget)
		if len(m.Data) > keep {
			if !cmds[i].StdoutTruncated {
				cmds[i].StdoutTruncated, cmds[i].StdoutSize = true, int64(len(m.Data))
			}
			m.Data = logTail(m.Data, keep)
		}
		budget -= len(m.Data)
	}
}

// logTail returns the last bytes of data, at most max, starting after a
// newline (so no line is cut in half) unless one line alone is longer.
func logTail(data []byte, max int) []byte {
	if len(data) <= max {
		return data
	}
	t := data[len(data)-max:]
	if max == 0 || data[len(data)-max-1] == '\n' {
		return t
	}
	if i := bytes.IndexByte(t, '\n'); i >= 0 && i+1 < len(t) {
		return t[i+1:]
	}
	return t
}

func notJSONError(b []byte) string {
	if len(b) == 0 {
		return "kubectl printed nothing on stdout; expected JSON"
	}
	return fmt.Sprintf("kubectl output is not valid JSON (%d bytes, starts %q)", len(b), preview(b))
}

func preview(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

func parseVersions(stdout []byte) bundle.Versions {
	if checkJSON(stdout) != "" {
		return bundle.Versions{}
	}
	return bundle.Versions{
		Client: gjson.GetBytes(stdout, "clientVersion.gitVersion").String(),
		Server: gjson.GetBytes(stdout, "serverVersion.gitVersion").String(),
	}
}

// LogCall is one planned kubectl logs invocation.
type LogCall struct {
	Pod, Container string
	Previous       bool
}

// PlanLogs decides which log tails to fetch from the pods list JSON: init
// and app containers that have started (a current or previous container
// exists), plus --previous for restarted containers. With LogsFailed only
// pods that failed, restarted or wait in an error state (kube.IsFailingWaiting,
// the table the pod rules use) count. Containers
// that never started are returned as skips. The plan is sorted by pod,
// container, previous.
func PlanLogs(podsJSON []byte, mode LogMode) ([]LogCall, []bundle.Skip) {
	var plan []LogCall
	var skips []bundle.Skip
	// gjson.GetBytes would copy the whole items array (a second pods.json
	// in memory): read the bytes in place instead, and clone every name kept,
	// so that nothing returned points into podsJSON.
	items := gjson.Get(unsafe.String(unsafe.SliceData(podsJSON), len(podsJSON)), "items")
	if !items.IsArray() {
		return nil, nil
	}
	items.ForEach(func(_, pod gjson.Result) bool {
		name := strings.Clone(pod.Get("metadata.name").String())
		if name == "" {
			return true
		}
		// A hostile API server may name a pod "--selector=x" or "../x":
		// names are checked before they reach a member name or an argv.
		nameErr := k8sname.Object("pod", name)
		type cs struct {
			name      string
			started   bool
			restarted bool
			failing   bool
		}
		var all []cs
		for _, path := range []string{"status.initContainerStatuses", "status.containerStatuses"} {
			pod.Get(path).ForEach(func(_, st gjson.Result) bool {
				c := cs{name: strings.Clone(st.Get("name").String())}
				if c.name == "" {
					return true
				}
				state, last := st.Get("state"), st.Get("lastState")
				c.started = state.Get("running").Exists() || state.Get("terminated").Exists() || last.Get("terminated").Exists()
				c.restarted = st.Get("restartCount").Int() > 0 && last.Get("terminated").Exists()
				if t := state.Get("terminated"); t.Exists() && t.Get("exitCode").Int() != 0 {
					c.failing = true
				}
				if kube.IsFailingWaiting(state.Get("waiting.reason").String()) || c.restarted {
					c.failing = true
				}
				all = append(all, c)
				return true
			})
		}
		podFailing := pod.Get("status.phase").String() == "Failed"
		for _, c := range all {
			podFailing = podFailing || c.failing
		}
		if mode == LogsFailed && !podFailing {
			return true
		}
		for _, c := range all {
			if nameErr == nil {
				if err := k8sname.Container(c.name); err != nil {
					skips = append(skips, bundle.Skip{Pod: name, Container: c.name, Reason: "not fetched: " + err.Error()})
					continue
				}
			} else {
				skips = append(skips, bundle.Skip{Pod: name, Container: c.name, Reason: "not fetched: " + nameErr.Error()})
				continue
			}
			if !c.started {
				skips = append(skips, bundle.Skip{Pod: name, Container: c.name, Reason: "container has not started"})
				continue
			}
			plan = append(plan, LogCall{Pod: name, Container: c.name})
			if c.restarted {
				plan = append(plan, LogCall{Pod: name, Container: c.name, Previous: true})
			}
		}
		return true
	})
	sort.Slice(plan, func(i, j int) bool {
		a, b := plan[i], plan[j]
		if a.Pod != b.Pod {
			return a.Pod < b.Pod
		}
		if a.Container != b.Container {
			return a.Container < b.Container
		}
		return !a.Previous && b.Previous
	})
	sort.Slice(skips, func(i, j int) bool {
		if skips[i].Pod != skips[j].Pod {
			return skips[i].Pod < skips[j].Pod
		}
		return skips[i].Container < skips[j].Container
	})
	// Duplicate container names (malformed input) would collide in member names.
	dedup := plan[:0]
	seen := map[string]bool{}
	for _, c := range plan {
		k := bundle.LogMember(c.Pod, c.Container, c.Previous)
		if !seen[k] && bundle.CheckMemberName(k) == nil {
			seen[k] = true
			dedup = append(dedup, c)
		}
	}
	return dedup, skips
}

// runLogs runs the planned log calls through a pool of opts.LogWorkers and
// returns commands and members in plan order.
func runLogs(ctx context.Context, r kubectl.Runner, opts Options, plan []LogCall) ([]bundle.Command, []bundle.Member) {
	workers := opts.LogWorkers
	if workers <= 0 {
		workers = 4
	}
	cmds := make([]bundle.Command, len(plan))
	mems := make([]*bundle.Member, len(plan))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers && w < len(plan); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				lc := plan[i]
				res := r.Run(ctx, logCallArgs(opts.Namespace, lc.Pod, lc.Container, opts.MaxLogLines, lc.Previous))
				kind := bundle.KindLog
				if lc.Previous {
					kind = bundle.KindPreviousLog
				}
				c, m := commandFromResult(kind, bundle.LogMember(lc.Pod, lc.Container, lc.Previous), res, false)
				c.Pod, c.Container = lc.Pod, lc.Container
				cmds[i], mems[i] = c, m
			}
		}()
	}
	for i := range plan {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	cutLogs(cmds, mems, bundle.MaxLogTail, bundle.MaxLogTotal)
	var members []bundle.Member
	for _, m := range mems {
		if m != nil {
			members = append(members, *m)
		}
	}
	return cmds, members
}
