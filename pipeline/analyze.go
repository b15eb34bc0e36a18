package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/history"
)

// Options are the analysis settings of one pipeline run. Record and rebuild
// must use the same ones to write the same bytes.
type Options struct {
	// RuleSet judges the bundles; the zero value means the newest.
	RuleSet rules.RuleSet
	Analyze analyze.Options
	// AfterCapture, when set, runs in Record once the bundle is written and
	// before it is analyzed (e.g. to upload it to object storage).
	AfterCapture func(context.Context, *capture.Result) error
}

// DefaultOptions are the settings record uses and rebuild reproduces: the
// newest rule set with its default options.
func DefaultOptions() Options {
	return Options{RuleSet: rules.Default(), Analyze: analyze.DefaultOptions()}
}

// ruleSet is o.RuleSet, or the newest when it is the zero value.
func (o *Options) ruleSet() rules.RuleSet {
	if o.RuleSet.Name() == "" {
		return rules.Default()
	}
	return o.RuleSet
}

// Analyzed is one evaluated bundle.
type Analyzed struct {
	// Path is the bundle file as given; Name its base name.
	Path string
	Name string
	// SHA256 is the hex sha256 of the whole bundle file.
	SHA256 string
	// CapturedAt is the manifest's capture time.
	CapturedAt time.Time
	Report     *analyze.Report
	// Record is the report mapped onto a history record.
	Record history.Record
}

// Analyze opens the bundle at path, verifies every member's sha256 (while
// the evaluation runs: the report is used only once they all match),
// evaluates it and maps the report onto its history record. An unreadable
// bundle is a *bundle.CorruptError or an error naming the file.
func Analyze(path string, opts Options) (*Analyzed, error) {
	b, err := bundle.StartOpen(path)
	if err != nil {
		return nil, openError(path, err)
	}
	rep, evalErr := analyze.Evaluate(analyze.FromBundle(b), opts.ruleSet(), opts.Analyze)
	if err := b.Wait(); err != nil {
		return nil, openError(path, err)
	}
	if evalErr != nil {
		return nil, evalErr
	}
	at, err := b.Manifest.CaptureTime()
	if err != nil {
		return nil, fmt.Errorf("%s: member %s: captured_at %q is not an RFC 3339 time", b.Path, bundle.ManifestMember, b.Manifest.CapturedAt)
	}
	return &Analyzed{
		Path:       path,
		Name:       b.Name(),
		SHA256:     b.SHA256,
		CapturedAt: at,
		Report:     rep,
		Record:     HistoryRecord(at, b.Manifest.Cluster, b.Name(), b.SHA256, rep),
	}, nil
}

// openError keeps a *bundle.CorruptError as it is and names the file in
// the others.
func openError(path string, err error) error {
	var ce *bundle.CorruptError
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: no such file", path)
	}
	return err
}

// HistoryRecord maps the analysis report of one bundle onto its history
// record: the timestamp is the bundle's capture time, the job counters count
// the report's jobs by health, each job keeps its phase, health, the
// distinct rule codes of its findings (in the report's order) and its
// CronJob owner; cluster is the manifest's. It is the only mapping record
// and rebuild use.
func HistoryRecord(capturedAt time.Time, cluster, name, sha256 string, rep *analyze.Report) history.Record {
	in := history.Input{
		CapturedAt:    capturedAt,
		Namespace:     rep.Namespace,
		Selector:      rep.Selector,
		OverallHealth: rep.Verdict.String(),
		Bundle:        name,
		BundleSHA256:  sha256,
		Ruleset:       rep.RuleSet,
		CaptureErrors: len(rep.CaptureFailures),
		WarningEvents: rep.Counts.WarningEvents,
		Cluster:       cluster,
	}
	for _, j := range rep.Jobs {
		hj := history.Job{Name: j.Name, Phase: j.Phase.String(), Health: j.Health.String()}
		if owner, ok := strings.CutPrefix(j.Owner, "CronJob/"); ok {
			hj.Owner = owner
		}
		hj.MemoryPeak, hj.MemoryLimit = memoryPeak(&j)
		seen := map[string]bool{}
		for _, f := range j.Findings {
			if !seen[f.Rule] {
				seen[f.Rule] = true
				hj.Rules = append(hj.Rules, f.Rule)
			}
		}
		in.Jobs = append(in.Jobs, hj)
	}
	return history.NewRecord(in)
}

// memoryPeak is the sampled working set and limit of the Job's container
// nearest its memory limit, or with no container limited, the largest
// working set and 0; 0, 0 without pod metrics.
func memoryPeak(j *analyze.JobResult) (peak, limit int) {
	for _, p := range j.Pods {
		if p.Usage == nil {
			continue
		}
		for _, c := range p.Usage.Containers {
			if !c.Memory.Set {
				continue
			}
			m, l := int(c.Memory.Val), 0
			if c.MemoryLimit.Set && c.MemoryLimit.Val > 0 {
				l = int(c.MemoryLimit.Val)
			}
			switch {
			case l > 0 && limit > 0: // the larger share of its limit
				if float64(m)/float64(l) > float64(peak)/float64(limit) {
					peak, limit = m, l
				}
			case l > 0: // a limited container beats any unlimited one
				peak, limit = m, l
			case limit == 0 && m > peak:
				peak = m
			}
		}
	}
	if peak > 1<<53 || limit > 1<<53 {
		return 0, 0 // beyond what a history record holds (history.Job)
	}
	return peak, limit
}
