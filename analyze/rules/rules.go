// Package rules owns ksnap's health rules as versioned rule sets: each rule
// is declared once (code, default level, one doc line, its evaluation
// function, its place in the listing order), a RuleSet is an ordered list of
// rules with a name and a version, and a Registry maps names to rule sets
// (Lookup, Default, Names). Rules read facts (Job, Pod, Bundle: models
// joined by analyze) and the Env (capture time and Options) and produce
// model.Finding values; nothing else.
//
// It must not assemble reports (health, counts, result lists and sorting are
// analyze's), read the wall clock ("now" is Env.Now, the bundle's capture
// time), do I/O, or import analyze or capture. docs/rules.md documents every
// rule of the newest set; a test checks that each doc line is there.
package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ksnap/ksnap/analyze/model"
)

// Rule is one health rule. A rule that produces findings sets the function
// of each scope it applies to (E4 judges Jobs and pods); a rule with none
// documents behaviour that analyze implements while joining the facts or
// assembling the report (E1, E2, E6, E7, O1), or that the other rules
// honour (P1: no container checks on a Succeeded pod).
type Rule struct {
	// Code is the stable rule code (J1, P7, ...), unique in a rule set.
	Code string
	// Level is the rule's default level: the level of Out.Add. Rules whose
	// level depends on the facts or the options use Out.AddAt.
	Level model.Level
	// Doc is the one-line condition, exactly as in docs/rules.md.
	Doc string

	// Attempt marks a failed-attempt rule on a Job's pod: ERROR when the
	// Job FAILED, at most WARN while it runs (the Job may still succeed).
	Attempt bool
	// SucceededLevel is the level of this rule's findings on a SUCCEEDED Job
	// and on its pods, which are history: OK unless set.
	SucceededLevel model.Level
	// UserLevel keeps the level the rule gives, unadjusted for the Job (E5,
	// whose levels are the user's).
	UserLevel bool

	Bundle func(e *Env, b *Bundle, out *Out) // bundle-level findings
	Job    func(e *Env, j *Job, out *Out)    // findings on one Job
	Pod    func(e *Env, p *Pod, out *Out)    // findings on one pod
}

// Out collects one rule's findings, filling in the rule's code and
// adjusting levels for the Job the object belongs to.
type Out struct {
	rule *Rule
	job  *Job // the Job itself, or the pod's Job; nil for a bare pod or the bundle
	fs   []model.Finding
}

// Add records a finding at the rule's default level.
func (o *Out) Add(msg string, ev model.Evidence) { o.AddAt(o.rule.Level, msg, ev) }

// AddAt records a finding at level l (adjusted for the Job, see Rule).
func (o *Out) AddAt(l model.Level, msg string, ev model.Evidence) {
	if r := o.rule; !r.UserLevel && o.job != nil {
		switch o.job.Phase {
		case model.PhaseSucceeded:
			l = r.SucceededLevel
		case model.PhaseFailed:
			if r.Attempt {
				l = model.LevelError
			}
		default:
			if r.Attempt && l > model.LevelWarn {
				l = model.LevelWarn
			}
		}
	}
	if j := o.job; j != nil && j.SupersededBy != nil && !o.rule.UserLevel && l > model.LevelWarn {
		l = model.LevelWarn // J11: a failed run a later run of its CronJob made good
	}
	o.fs = append(o.fs, model.Finding{Rule: o.rule.Code, Level: l, Message: msg, Evidence: ev})
}

// RuleSet is a named, versioned, ordered list of rules. The zero value has
// no rules; build one with New or Derive, or get one from a Registry.
type RuleSet struct {
	name, version string
	rules         []Rule
	order         map[string]int
	phase         func(*model.Job) (model.JobPhase, string)
	// relate joins the Jobs to each other (v2: supersession, J11); nil for none.
	relate func(jobs []*Job)
	// barePods says whether bare pods count in the verdict (O1); nil: always.
	barePods func(o Options) bool
}

// New builds a rule set. Name is the short name to select it by (v1);
// version is the string reports and history records carry (ksnap-rules/1).
// The rules' order is the listing order of findings within one level.
// Codes must be unique and non-empty.
func New(name, version string, rs []Rule) (RuleSet, error) {
	if name == "" || version == "" {
		return RuleSet{}, errors.New("rule set: name and version must not be empty")
	}
	s := RuleSet{name: name, version: version, rules: slices.Clone(rs), order: make(map[string]int, len(rs)), phase: JobPhase}
	for i, r := range rs {
		if r.Code == "" {
			return RuleSet{}, fmt.Errorf("rule set %s: rule %d has no code", name, i)
		}
		if _, dup := s.order[r.Code]; dup {
			return RuleSet{}, fmt.Errorf("rule set %s: rule %s declared twice", name, r.Code)
		}
		s.order[r.Code] = i
	}
	return s, nil
}

// Derive returns a new rule set with this one's rules and Job phase
// derivation, each rule in replace taking the place of the rule with its
// code (a new code is appended).
func (s RuleSet) Derive(name, version string, replace ...Rule) (RuleSet, error) {
	rs := slices.Clone(s.rules)
	for _, r := range replace {
		if i, ok := s.order[r.Code]; ok {
			rs[i] = r
		} else {
			rs = append(rs, r)
		}
	}
	d, err := New(name, version, rs)
	if err == nil {
		// A derived set judges as its base does beyond the rules: phases,
		// relations between Jobs (v2's supersession) and bare pods.
		d.phase, d.relate, d.barePods = s.phase, s.relate, s.barePods
	}
	return d, err
}

// Name is the short name the set is selected by, e.g. "v1".
func (s RuleSet) Name() string { return s.name }

// Version is the name reports and history records carry, e.g. "ksnap-rules/1".
func (s RuleSet) Version() string { return s.version }

// IsZero reports whether s is the zero RuleSet (no rules, no name).
func (s RuleSet) IsZero() bool { return s.name == "" }

// Phase derives a Job's phase and its reason, before any rule runs: every
// rule set so far derives it with JobPhase (docs/rules.md, "Job phase"); a
// rule set that changes the derivation is a new rule set.
func (s RuleSet) Phase(j *model.Job) (model.JobPhase, string) { return s.phase(j) }

// Relate joins the Jobs of one bundle to each other, after their phases
// are derived and before any rule runs (v2 marks each failed run of a
// CronJob that a later run of it made good: Job.SupersededBy). v1 relates
// nothing.
func (s RuleSet) Relate(jobs []*Job) {
	if s.relate != nil {
		s.relate(jobs)
	}
}

// BarePodsInVerdict says whether the health of bare pods (pods no captured
// Job owns) counts in the bundle verdict (O1): always in v1; in v2 only with
// Options.IncludeBarePods.
func (s RuleSet) BarePodsInVerdict(o Options) bool { return s.barePods == nil || s.barePods(o) }

// Rules returns a copy of the rules in listing order.
func (s RuleSet) Rules() []Rule { return slices.Clone(s.rules) }

// Rule returns the rule with this code.
func (s RuleSet) Rule(code string) (Rule, bool) {
	i, ok := s.order[code]
	if !ok {
		return Rule{}, false
	}
	return s.rules[i], true
}

// Order is a code's place in the listing order; codes not in the set come last.
func (s RuleSet) Order(code string) int {
	if i, ok := s.order[code]; ok {
		return i
	}
	return len(s.rules)
}

// EvaluateBundle applies the bundle-level rules, in listing order.
func (s RuleSet) EvaluateBundle(e *Env, b *Bundle) []model.Finding {
	return apply(s, nil, func(r *Rule) func(*Env, *Bundle, *Out) { return r.Bundle }, e, b)
}

// EvaluateJob applies the Job rules to one Job, in listing order. Its pods
// are evaluated apart (EvaluatePod).
func (s RuleSet) EvaluateJob(e *Env, j *Job) []model.Finding {
	return apply(s, j, func(r *Rule) func(*Env, *Job, *Out) { return r.Job }, e, j)
}

// EvaluatePod applies the pod rules to one pod, in listing order.
func (s RuleSet) EvaluatePod(e *Env, p *Pod) []model.Finding {
	return apply(s, p.Job, func(r *Rule) func(*Env, *Pod, *Out) { return r.Pod }, e, p)
}

// apply runs each rule's function of one scope (picked by scope) on the
// facts, in listing order; job is the Job whose phase adjusts levels.
func apply[F any](s RuleSet, job *Job, scope func(*Rule) func(*Env, F, *Out), e *Env, facts F) []model.Finding {
	out := Out{job: job}
	for i := range s.rules {
		r := &s.rules[i]
		if fn := scope(r); fn != nil {
			out.rule = r
			fn(e, facts, &out)
		}
	}
	return out.fs
}

// Registry maps names to rule sets, oldest first.
type Registry struct{ sets []RuleSet }

// NewRegistry builds a registry of rule sets given oldest first; names and
// versions must be unique.
func NewRegistry(sets ...RuleSet) (*Registry, error) {
	if len(sets) == 0 {
		return nil, errors.New("rule set registry: no rule set")
	}
	seen := map[string]bool{}
	for _, s := range sets {
		if s.IsZero() {
			return nil, errors.New("rule set registry: zero rule set")
		}
		for _, k := range []string{s.name, s.version} {
			if seen[k] {
				return nil, fmt.Errorf("rule set registry: %s registered twice", k)
			}
			seen[k] = true
		}
	}
	return &Registry{sets: slices.Clone(sets)}, nil
}

// UnknownError is the error of Lookup for a name no rule set has.
type UnknownError struct {
	Name  string
	Known []string // the registry's names, oldest first
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("unknown rule set %q (known: %s)", e.Name, strings.Join(e.Known, ", "))
}

// Lookup returns the rule set with this short name (v1) or version
// (ksnap-rules/1): records name the version, users the short name.
func (r *Registry) Lookup(name string) (RuleSet, error) {
	for _, s := range r.sets {
		if s.name == name || s.version == name {
			return s, nil
		}
	}
	return RuleSet{}, &UnknownError{Name: name, Known: r.Names()}
}

// Default returns the newest rule set.
func (r *Registry) Default() RuleSet { return r.sets[len(r.sets)-1] }

// Names returns the short names, oldest first.
func (r *Registry) Names() []string {
	out := make([]string, len(r.sets))
	for i, s := range r.sets {
		out[i] = s.name
	}
	return out
}

// builtin holds ksnap's rule sets, oldest first.
var builtin = func() *Registry {
	r, err := NewRegistry(V1(), V2())
	if err != nil {
		panic(err) // a declaration bug, caught by every test
	}
	return r
}()

// Lookup returns the built-in rule set with this short name or version.
func Lookup(name string) (RuleSet, error) { return builtin.Lookup(name) }

// Default returns the newest built-in rule set.
func Default() RuleSet { return builtin.Default() }

// Names returns the built-in rule sets' short names, oldest first.
func Names() []string { return builtin.Names() }
