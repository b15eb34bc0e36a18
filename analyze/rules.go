package analyze

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/ksnap/ksnap/analyze/model"
)

// Rule codes. docs/rules.md describes each one: condition, level, evidence.
const (
	RuleUnknownPhase      = "J0" // phase UNKNOWN
	RuleJobFailed         = "J1" // Failed=True
	RuleJobComplete       = "J2" // Complete / SuccessCriteriaMet (OK, noted when pods failed)
	RuleJobFailureTarget  = "J3" // FailureTarget=True
	RuleJobRetrying       = "J4" // not finished, failed > 0
	RuleJobSuspended      = "J5" // suspended
	RuleJobLongRunning    = "J6" // active longer than MaxRuntime
	RuleJobNearDeadline   = "J7" // past DeadlineWarnPercent of activeDeadlineSeconds
	RuleJobPending        = "J8" // not started
	RuleJobMissing        = "J9" // an expected Job is absent
	RulePodSucceeded      = "P1"
	RulePodFailed         = "P2"
	RuleCrashLoop         = "P3"
	RuleImagePull         = "P4"
	RuleContainerConfig   = "P5"
	RuleWaiting           = "P6"
	RuleOOMKilled         = "P7"
	RuleExitCode          = "P8"
	RulePodReason         = "P9"
	RuleDisruption        = "P10"
	RuleUnschedulable     = "P11"
	RuleSchedulingGated   = "P12"
	RuleNotReady          = "P13"
	RuleRestarts          = "P14"
	RuleInitFailed        = "P15"
	RuleTerminating       = "P16"
	RulePodUnknown        = "P17"
	RuleWarningOnly       = "E1" // only Warning events raise (no finding of its own)
	RuleJoinByObject      = "E2" // join by involvedObject/regarding (no finding of its own)
	RuleJobEvent          = "E3" // BackoffLimitExceeded / DeadlineExceeded corroborate J1
	RuleWarningEvent      = "E4" // notable Warning event on a pod or Job
	RuleUserEvent         = "E5" // user event rule
	RuleDedupe            = "E6" // deduplicate (no finding of its own)
	RuleNoEventNoEvidence = "E7" // absence of events is not health (no finding of its own)
	RuleWorstOf           = "O1" // overall worst-of (no finding of its own)
	RuleCaptureFailed     = "O2" // a command failed or was not captured
	RuleNoJobs            = "O3" // zero Jobs matched
	RuleInput             = "O5" // malformed member or item
)

// ruleOrder is the order rules are listed in within one level.
var ruleOrder = func() map[string]int {
	codes := []string{"O2", "O5", "O3", "J9", "J0", "J1", "J3", "J2", "J4", "J5", "J6", "J7", "J8", "E3",
		"P2", "P15", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14", "P16", "P17", "P1",
		"E4", "E5"}
	m := make(map[string]int, len(codes))
	for i, c := range codes {
		m[c] = i
	}
	return m
}()

// sortFindings orders findings worst level first, then by rule order, then
// by object name, then message.
// It also turns nil evidence field lists into empty ones, so JSON never
// holds null for a list.
func sortFindings(fs []model.Finding) {
	for i := range fs {
		if fs[i].Evidence.Fields == nil {
			fs[i].Evidence.Fields = []model.Field{}
		}
	}
	slices.SortStableFunc(fs, func(x, y model.Finding) int {
		if x.Level != y.Level {
			return cmp.Compare(y.Level, x.Level)
		}
		if rx, ry := ruleOrder[x.Rule], ruleOrder[y.Rule]; rx != ry {
			return cmp.Compare(rx, ry)
		}
		if c := strings.Compare(x.Evidence.Name, y.Evidence.Name); c != 0 {
			return c
		}
		return strings.Compare(x.Message, y.Message)
	})
}

func worst(fs []model.Finding) model.Level {
	l := model.LevelOK
	for _, f := range fs {
		l = l.Worst(f.Level)
	}
	return l
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func fld(path, value string) model.Field { return model.Field{Path: path, Value: value} }
