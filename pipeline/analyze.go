package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/internal/textutil"
)

// Options are the analysis settings of one pipeline run. Record and rebuild
// must use the same ones to write the same bytes.
type Options struct {
	// RuleSet judges the bundles; the zero value means the newest.
	RuleSet rules.RuleSet
	Analyze analyze.Options
	// BaseRuleSet names the built-in rule set RuleSet extends with a rules
	// file ("": RuleSet's own name); RulesFile is that file's path ("" for
	// none). Both are only recorded (Settings): RuleSet is what judges.
	BaseRuleSet string
	RulesFile   string
	// FromManifest judges each bundle by the analysis settings its manifest
	// records (ApplySettings, with LoadRules for a rules file) instead of
	// RuleSet and Analyze's rule options: what history rebuild does to
	// reproduce record. Analyze.LogLines still applies.
	FromManifest bool
	LoadRules    LoadRules
	// AfterCapture, when set, runs in Record once the bundle is written and
	// before it is analyzed (e.g. to upload it to object storage).
	AfterCapture func(context.Context, *capture.Result) error
	// Verified, when set, is the set of bundle files verified in full
	// before: a bundle in it is read without hashing its members again,
	// and one that passes every check is added (bundle.StartOpenKnown).
	// It never changes a result, only what the reading costs.
	Verified bundle.VerifiedSet
	// KeepBundle sets Analyzed.Bundle, for a caller that reads the members
	// itself (diff) instead of opening the bundle a second time.
	KeepBundle bool
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
	// HashesSkipped says the members were not hashed again: the file was
	// in Options.Verified (every other check ran).
	HashesSkipped bool
	Report        *analyze.Report
	// Record is the report mapped onto a history record.
	Record history.Record
	// Bundle is the bundle read, verified, its members in memory; only
	// with Options.KeepBundle (nil otherwise, so that they can be freed).
	Bundle *bundle.Bundle
}

// Analyze opens the bundle at path, verifies every member's sha256 (while
// the evaluation runs: the report is used only once they all match),
// evaluates it and maps the report onto its history record. An unreadable
// bundle is a *bundle.CorruptError or an error naming the file.
func Analyze(path string, opts Options) (*Analyzed, error) {
	b, err := bundle.StartOpenKnown(path, opts.Verified)
	if err != nil {
		return nil, openError(path, err)
	}
	if opts.FromManifest {
		o, err := ApplySettings(b.Manifest.AnalysisOptions, opts.LoadRules)
		if err != nil {
			_ = b.Wait()
			return nil, fmt.Errorf("%s: member %s: analysis_options: %w", b.Path, bundle.ManifestMember, err)
		}
		o.Analyze.LogLines, o.AfterCapture, o.Verified = opts.Analyze.LogLines, opts.AfterCapture, opts.Verified
		opts = o
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
	rec := HistoryRecord(at, b.Manifest.Cluster, b.Name(), b.SHA256, rep)
	rec.Options = opts.Settings()
	var kept *bundle.Bundle
	if opts.KeepBundle {
		kept = b
	}
	return &Analyzed{
		Bundle:        kept,
		Path:          path,
		Name:          b.Name(),
		SHA256:        b.SHA256,
		CapturedAt:    at,
		HashesSkipped: b.HashesSkipped,
		Report:        rep,
		Record:        rec,
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
// distinct rule codes of its findings (in the report's order), its CronJob
// owner and its cause (JobCause); cluster is the manifest's. It is the only
// mapping record and rebuild use.
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
	if len(rep.Jobs) > 0 {
		in.Jobs = make([]history.Job, 0, len(rep.Jobs))
	}
	for i := range rep.Jobs {
		j := &rep.Jobs[i]
		hj := history.Job{Name: j.Name, Phase: j.Phase.String(), Health: j.Health.String()}
		if owner, ok := strings.CutPrefix(j.Owner, "CronJob/"); ok {
			hj.Owner = owner
		}
		hj.MemoryPeak, hj.MemoryLimit = memoryPeak(j)
		hj.Cause, hj.Reason = JobCause(j)
		for _, f := range j.Findings {
			if !slices.Contains(hj.Rules, f.Rule) {
				hj.Rules = append(hj.Rules, f.Rule)
			}
		}
		in.Jobs = append(in.Jobs, hj)
	}
	return history.NewRecord(in)
}

// MaxReasonBytes caps a history job's reason (a long message from the
// cluster is cut with "…"; the report keeps it whole).
const MaxReasonBytes = 240

// JobCause is what a history record keeps of why j is not OK: the code of
// the worst rule that fired for the Job, its pods or their events, and a
// one-line reason. It is the report's Cause when the Job has one (the
// finding that best explains its health), else the first finding of the
// worst level above OK; "", "" when every finding is OK. The reason is the
// code, then the container's termination reason and exit code and the pod
// ("P7 OOMKilled exit 137 pod x"), then ": " and the message when no
// termination says it (the pod only when the message does not name it), or
// the termination message when there is one.
func JobCause(j *analyze.JobResult) (code, reason string) {
	if c := j.Cause; c != nil && c.Rule != "" {
		var b strings.Builder
		b.WriteString(c.Rule)
		if c.Reason != "" {
			b.WriteString(" " + c.Reason)
		}
		if c.ExitCode.Set {
			b.WriteString(" exit " + strconv.FormatInt(int64(c.ExitCode.Val), 10))
		}
		text := c.Reason == "" && !c.ExitCode.Set // no termination says it: the message does
		if c.Pod != "" && (!text || !strings.Contains(c.Text(), c.Pod)) {
			b.WriteString(" pod " + c.Pod)
		}
		switch {
		case text:
			b.WriteString(": " + c.Text())
		case c.Detail != "":
			b.WriteString(": " + c.Detail)
		}
		return c.Rule, reasonLine(b.String())
	}
	var worst *model.Finding
	consider := func(fs []model.Finding) {
		for i := range fs {
			if f := &fs[i]; f.Level > model.LevelOK && (worst == nil || f.Level > worst.Level) {
				worst = f
			}
		}
	}
	consider(j.Findings)
	for i := range j.Pods {
		consider(j.Pods[i].Findings)
	}
	if worst == nil {
		return "", ""
	}
	return worst.Rule, reasonLine(worst.Rule + ": " + analyze.FullMessage(worst))
}

func reasonLine(s string) string {
	return textutil.Truncate(textutil.OneLine(s), MaxReasonBytes)
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
