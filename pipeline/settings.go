package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/history"
)

// The keys of the analysis settings a history record ("options") and a
// bundle manifest ("analysis_options") keep, sorted: a setting is kept only
// when it differs from DefaultOptions, so a record and a bundle of default
// settings carry none.
const (
	SettingAllowEmpty          = "allow_empty"            // "true"
	SettingExpect              = "expect"                 // names joined by ","
	SettingIncludeBarePods     = "include_bare_pods"      // "true"
	SettingMaxRuntime          = "max_runtime"            // a Go duration
	SettingPendingAfter        = "pending_after"          // a Go duration
	SettingRestartWarn         = "restart_warn"           // a whole number
	SettingRules               = "rules"                  // the rules file's path as given
	SettingRuleSet             = "ruleset"                // the rule set's name
	SettingTreatUnknownAsError = "treat_unknown_as_error" // "false"
	SettingWarnOnPending       = "warn_on_pending"        // "false"
)

// Settings returns o's analysis settings that differ from DefaultOptions,
// sorted by key: what record stores in the bundle's manifest and in the
// history record, and ApplySettings reads back. Settings that only shape a
// report (LogLines) are not kept; nor are the rule options no flag sets.
func (o *Options) Settings() []history.Option {
	def := DefaultOptions()
	a, d := o.Analyze.Options, def.Analyze.Options
	var out []history.Option
	add := func(k, v string) { out = append(out, history.Option{Key: k, Value: v}) }
	if a.AllowEmpty != d.AllowEmpty {
		add(SettingAllowEmpty, strconv.FormatBool(a.AllowEmpty))
	}
	if len(a.Expect) > 0 {
		add(SettingExpect, strings.Join(a.Expect, ","))
	}
	if a.IncludeBarePods != d.IncludeBarePods {
		add(SettingIncludeBarePods, strconv.FormatBool(a.IncludeBarePods))
	}
	if a.MaxRuntime != d.MaxRuntime {
		add(SettingMaxRuntime, a.MaxRuntime.String())
	}
	if a.PendingAfter != d.PendingAfter {
		add(SettingPendingAfter, a.PendingAfter.String())
	}
	if a.RestartWarn != d.RestartWarn {
		add(SettingRestartWarn, strconv.FormatInt(a.RestartWarn, 10))
	}
	if o.RulesFile != "" {
		add(SettingRules, o.RulesFile)
	}
	if n := o.baseRuleSet(); n != def.RuleSet.Name() {
		add(SettingRuleSet, n)
	}
	if a.TreatUnknownAsError != d.TreatUnknownAsError {
		add(SettingTreatUnknownAsError, strconv.FormatBool(a.TreatUnknownAsError))
	}
	if a.WarnOnPending != d.WarnOnPending {
		add(SettingWarnOnPending, strconv.FormatBool(a.WarnOnPending))
	}
	return out
}

// baseRuleSet is the name of the built-in rule set o judges by (before any
// rules file).
func (o *Options) baseRuleSet() string {
	if o.BaseRuleSet != "" {
		return o.BaseRuleSet
	}
	return o.ruleSet().Name()
}

// SettingsMap is settings as a map (a manifest's analysis_options); nil
// for none.
func SettingsMap(settings []history.Option) map[string]string {
	if len(settings) == 0 {
		return nil
	}
	m := make(map[string]string, len(settings))
	for _, s := range settings {
		m[s.Key] = s.Value
	}
	return m
}

// LoadRules reads the rules file at path and returns base extended by it.
type LoadRules func(path string, base rules.RuleSet) (rules.RuleSet, error)

// ErrSetting is wrapped by ApplySettings' errors.
var ErrSetting = errors.New("bad analysis setting")

// ApplySettings returns DefaultOptions changed by settings (as Settings
// returns them, here from a manifest): for every settings s,
// ApplySettings(s).Settings() equals s sorted. A rules file is read with
// load (nil: a setting naming one is an error). Unknown keys and bad
// values are errors wrapping ErrSetting.
func ApplySettings(settings map[string]string, load LoadRules) (Options, error) {
	o := DefaultOptions()
	a := &o.Analyze.Options
	bad := func(k, v string, err error) error {
		return fmt.Errorf("%w %s=%q: %v", ErrSetting, k, v, err)
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := settings[k]
		var err error
		switch k {
		case SettingAllowEmpty:
			a.AllowEmpty, err = strconv.ParseBool(v)
		case SettingExpect:
			a.Expect = strings.Split(v, ",")
		case SettingIncludeBarePods:
			a.IncludeBarePods, err = strconv.ParseBool(v)
		case SettingMaxRuntime:
			a.MaxRuntime, err = time.ParseDuration(v)
		case SettingPendingAfter:
			a.PendingAfter, err = time.ParseDuration(v)
		case SettingRestartWarn:
			a.RestartWarn, err = strconv.ParseInt(v, 10, 64)
		case SettingRules:
			o.RulesFile = v
		case SettingRuleSet:
			o.RuleSet, err = rules.Lookup(v)
			o.BaseRuleSet = v
		case SettingTreatUnknownAsError:
			a.TreatUnknownAsError, err = strconv.ParseBool(v)
		case SettingWarnOnPending:
			a.WarnOnPending, err = strconv.ParseBool(v)
		default:
			err = errors.New("unknown key")
		}
		if err != nil {
			return Options{}, bad(k, v, err)
		}
	}
	if err := o.Analyze.Validate(); err != nil {
		return Options{}, fmt.Errorf("%w: %v", ErrSetting, err)
	}
	if o.RulesFile != "" {
		if load == nil {
			return Options{}, fmt.Errorf("%w %s=%q: no rules file loader", ErrSetting, SettingRules, o.RulesFile)
		}
		rs, err := load(o.RulesFile, o.ruleSet())
		if err != nil {
			return Options{}, err
		}
		o.BaseRuleSet, o.RuleSet = o.baseRuleSet(), rs
	}
	return o, nil
}
