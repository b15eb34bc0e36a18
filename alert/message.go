package alert

import (
	"path"
	"sort"
	"strings"
	"time"
)

// Label is one name=value pair of an alert, as Alertmanager sees it.
type Label struct{ Name, Value string }

// Labels are the alert's identity, sorted by name: alertname, cluster
// (only when the key has one), namespace, owner, rule, severity, and for a
// stale alert of a target with a selector, selector. They never change
// while the alert fires.
func (a *Alert) Labels() []Label {
	ls := []Label{{"alertname", a.Name}}
	if a.Key.Cluster != "" {
		ls = append(ls, Label{"cluster", a.Key.Cluster})
	}
	ls = append(ls, Label{"namespace", a.Key.Namespace})
	if a.Key.Owner != "" {
		ls = append(ls, Label{"owner", a.Key.Owner})
	}
	if len(a.Rules) > 0 {
		ls = append(ls, Label{"rule", strings.Join(a.Rules, ",")})
	}
	if a.Name == NameStale && a.Selector != "" {
		// Two targets of one namespace (different selectors) go stale apart.
		ls = append(ls, Label{"selector", a.Selector})
	}
	ls = append(ls, Label{"severity", a.Severity})
	sort.Slice(ls, func(i, j int) bool { return ls[i].Name < ls[j].Name })
	return ls
}

// Env is what messages say beyond the history: where bundles are (for the
// reproducing command) and how often captures run (for endsAt).
type Env struct {
	// BundleDir is the directory the bundles are kept in, as the reader
	// would type it in `ksnap analyze DIR/BUNDLE`.
	BundleDir string
	// Interval is the time between two captures; a firing alert posted to
	// Alertmanager ends at its last capture plus 4 intervals unless
	// re-posted.
	Interval time.Duration
}

// FiringEndsAt is the endsAt of a firing alert: its last capture time plus
// four capture intervals, so that Alertmanager resolves it on its own only
// when ksnap stops reporting (never after its default 5 minutes).
func (e Env) FiringEndsAt(a *Alert) time.Time { return a.LastAt.Add(4 * e.Interval) }

// Summary is the one-line summary annotation: what is wrong, the cause and
// the pod when known.
func (a *Alert) Summary() string {
	var b strings.Builder
	if a.Name == NameStale {
		b.WriteString("captures of " + a.Key.Namespace)
		if a.Selector != "" {
			b.WriteString(" (" + a.Selector + ")")
		}
		b.WriteString(" are inconclusive")
	} else {
		b.WriteString(a.Key.Namespace + "/" + a.Key.Owner + ": " + strings.ToUpper(a.levelWord()))
		if a.Job != "" && a.Job != a.Key.Owner {
			b.WriteString(" (job " + a.Job + ")")
		}
		if len(a.Rules) > 0 {
			b.WriteString(" [" + strings.Join(a.Rules, ",") + "]")
		}
	}
	if a.Detail.Cause != "" {
		b.WriteString(": " + a.Detail.Cause)
	}
	if a.Detail.Pod != "" && !strings.Contains(a.Detail.Cause, a.Detail.Pod) {
		b.WriteString(" (pod " + a.Detail.Pod + ")")
	}
	return b.String()
}

func (a *Alert) levelWord() string {
	if a.Severity == SeverityWarning {
		return "warn"
	}
	return "error"
}

// Command is the ksnap command that reproduces the verdict offline.
func (a *Alert) Command(e Env) string {
	if a.Bundle == "" {
		return ""
	}
	dir := e.BundleDir
	if dir == "" {
		dir = "bundles"
	}
	return "ksnap analyze " + path.Join(dir, a.Bundle)
}

// Annotations are the alert's annotations, sorted by name: bundle_sha256,
// command, summary (empty ones left out).
func (a *Alert) Annotations(e Env) []Label {
	var ls []Label
	if a.BundleSHA256 != "" {
		ls = append(ls, Label{"bundle_sha256", a.BundleSHA256})
	}
	if c := a.Command(e); c != "" {
		ls = append(ls, Label{"command", c})
	}
	ls = append(ls, Label{"summary", a.Summary()})
	return ls
}

// Message is what one sink is sent in one run.
type Message struct {
	// Sink is the sink's name (the receiver in webhook bodies).
	Sink string
	// Transitions are the pending transitions carried, oldest first, at
	// most the sink's cap.
	Transitions []Transition
	// More is the number of pending transitions left for the next runs.
	More int
	// Firing are the alerts firing now, re-posted every run, for sinks
	// whose Refresh is true (Alertmanager); nil for the others.
	Firing []Alert
	Env    Env
}
