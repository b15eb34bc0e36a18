package history

import "github.com/ksnap/ksnap/analyze/model"

// RuleSetVersion names the history rule set (J10, J11 over a history), as
// analyze's rule sets are named ksnap-rules/N. A change to what these rules
// find is a new version.
const RuleSetVersion = "ksnap-history-rules/1"

// Rule declares one history rule: its code, the level its findings have,
// and the doc line that docs/rules.md carries for it. Declared once, used by
// the fold and checked against the docs by a test.
type Rule struct {
	Code  string
	Level model.Level
	Doc   string
}

// The history rule set, in listing order.
var (
	RuleEscalate = Rule{Code: "J10", Level: model.LevelError,
		Doc: "a job (or the latest job of a CronJob) ERROR in N consecutive records in which it appears, still in the last record: escalate"}
	RuleSuperseded = Rule{Code: "J11", Level: model.LevelWarn,
		Doc: "a failed job of a CronJob that has a later successful job: WARN instead of ERROR, listed while it is in the last record"}
)

// Rules returns the history rule set's rules, in listing order.
func Rules() []Rule { return []Rule{RuleEscalate, RuleSuperseded} }

// finding is a Finding of rule r.
func (r Rule) finding(f Finding) Finding {
	f.Rule, f.Level = r.Code, r.Level
	return f
}
