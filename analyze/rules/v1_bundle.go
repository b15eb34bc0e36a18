package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
)

// The bundle-level rules of v1: O2, O5, O3, J9 (E5 absent is in v1_event.go).

// captureFailed names every command that did not capture (O2). A failed
// command is WARN; a jobs list that failed or was not captured is UNKNOWN;
// other commands not captured (an import without that file) are OK.
func captureFailed(_ *Env, b *Bundle, out *Out) {
	for _, c := range b.Failures {
		level := model.LevelWarn
		if c.Status == bundle.StatusNotCaptured {
			level = model.LevelOK
		}
		what := c.Kind
		if c.Pod != "" {
			what += " " + c.Pod
			if c.Container != "" {
				what += "/" + c.Container
			}
		}
		msg := what + " " + strings.ReplaceAll(c.Status, "_", " ")
		if c.Kind == bundle.KindJobs {
			level = model.LevelUnknown
			msg += ", so no Job can be evaluated"
		}
		// The command's error already quotes kubectl's final stderr line (earlier
		// lines are often klog noise); stderr is the detail only when it has none.
		detail := oneLine(c.Error)
		if detail == "" {
			detail = lastLine(c.Stderr)
		}
		if detail != "" {
			msg += ": " + detail
		}
		fields := []model.Field{fld("status", c.Status), fld("exit_code", fmt.Sprint(c.ExitCode))}
		if c.Error != "" {
			fields = append(fields, fld("error", oneLine(c.Error)))
		}
		if d := lastLine(c.Stderr); d != "" {
			fields = append(fields, fld("stderr", d))
		}
		out.AddAt(level, msg, model.Evidence{Member: bundle.ManifestMember, Kind: "Command", Name: c.Kind, Fields: fields})
	}
}

// input reports unreadable members and items (O5): an unreadable jobs list
// is UNKNOWN; other problems are one WARN finding per member, naming the
// first.
func input(_ *Env, b *Bundle, out *Out) {
	per := map[string]int{}
	var members []string
	for _, p := range b.Problems {
		if p.Fatal {
			out.AddAt(model.LevelUnknown, "member "+p.Member+" cannot be read, so no Job can be evaluated: "+p.Problem,
				model.Evidence{Member: p.Member, Fields: []model.Field{fld("problem", p.Problem)}})
		}
		if p.Member == bundle.JobsMember && p.Index < 0 {
			continue // the jobs list itself: UNKNOWN above
		}
		if per[p.Member] == 0 {
			members = append(members, p.Member)
		}
		per[p.Member]++
	}
	slices.Sort(members)
	for _, mem := range members {
		var first Problem
		for _, p := range b.Problems {
			if p.Member == mem {
				first = p
				break
			}
		}
		msg := ""
		if first.Index < 0 {
			msg = "member " + mem + " cannot be read: " + first.Problem
		} else {
			msg = fmt.Sprintf("%d malformed item(s) in %s skipped; first: item %d", per[mem], mem, first.Index)
			if first.Field != "" {
				msg += " field " + first.Field
			}
			msg += ": " + first.Problem
		}
		out.AddAt(model.LevelWarn, msg, model.Evidence{Member: mem, Fields: []model.Field{fld("problems", fmt.Sprint(per[mem]))}})
	}
}

func noJobs(e *Env, b *Bundle, out *Out) { // O3
	if b.JobsRead && len(b.Jobs) == 0 && !e.Opts.AllowEmpty {
		out.Add("no Job matched selector "+quoteSel(b.Selector)+" in namespace "+b.Namespace,
			model.Evidence{Member: bundle.JobsMember, Fields: []model.Field{fld("items", "0"), fld("selector", b.Selector)}})
	}
}

func jobMissing(e *Env, b *Bundle, out *Out) { // J9
	if !b.JobsRead {
		return
	}
	have := map[string]bool{}
	for _, j := range b.Jobs {
		have[j.Job.Name] = true
	}
	missingExpected(e, have, out)
}

// missingExpected reports each expected name not in have, in name order.
func missingExpected(e *Env, have map[string]bool, out *Out) {
	expect := slices.Clone(e.Opts.Expect)
	slices.Sort(expect)
	for _, n := range expect {
		if !have[n] {
			out.Add("expected Job "+n+" is absent",
				model.Evidence{Member: bundle.JobsMember, Kind: "Job", Name: n, Fields: []model.Field{fld("metadata.name", n)}})
		}
	}
}
