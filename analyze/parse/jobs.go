package parse

import (
	"github.com/ksnap/ksnap/analyze/model"
)

// Jobs parses a jobs member (kubectl get jobs -o json). Items whose kind is
// set must be Job. Every item needs metadata.name.
func Jobs(member string, data []byte) ([]model.Job, []*ItemError, error) {
	var out []model.Job
	var p item
	errs, err := items(member, data, func(n int) { out = append(make([]model.Job, 0, n), out...) }, func(s string, n, at int) (int, *ItemError) {
		p.reset(s, member, n)
		j := push(&out)
		end := p.job(j, at)
		if p.err == nil && j.Name == "" {
			p.fail("metadata.name", ErrMissing)
		}
		if p.err != nil {
			drop(&out)
			return end, p.err
		}
		return end, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, errs, nil
}

func (p *item) kind(want string, at int) int {
	r, end := p.val(at)
	if k := p.str("kind", r); k != "" && k != want {
		p.fail("kind", errKind(k, want))
	}
	return end
}

func (p *item) job(j *model.Job, at int) int {
	return object(p.s, at, func(k string, i int) int {
		switch k {
		case "kind":
			return p.kind("Job", i)
		case "metadata":
			if p.obj("metadata", i) {
				return p.jobMeta(j, i)
			}
		case "spec":
			if p.obj("spec", i) {
				return p.jobSpec(j, i)
			}
		case "status":
			if p.obj("status", i) {
				j.HasStatus = true
				return p.jobStatus(j, i)
			}
		}
		return skip(p.s, i)
	})
}

// strAt reads a string at i and returns the offset after it.
func (p *item) strAt(field string, i int, dst *string) int {
	if p.s[i] == '"' { // the usual case: a plain string, no gjson.Result
		if e, esc := skipString(p.s, i); !esc {
			checkString(i, e)
			*dst = p.s[i+1 : e-1]
			return e
		}
	}
	r, end := p.val(i)
	*dst = p.str(field, r)
	return end
}

func (p *item) intAt(field string, i int, dst *model.OptInt) int {
	r, end := p.val(i)
	n, ok := p.integer(field, r)
	*dst = model.OptInt{Val: n, Set: ok}
	return end
}

func (p *item) jobMeta(j *model.Job, at int) int {
	return object(p.s, at, func(k string, i int) int {
		switch k {
		case "name":
			return p.strAt("metadata.name", i, &j.Name)
		case "namespace":
			return p.strAt("metadata.namespace", i, &j.Namespace)
		case "uid":
			return p.strAt("metadata.uid", i, &j.UID)
		case "creationTimestamp":
			r, end := p.val(i)
			j.Created = p.timestamp("metadata.creationTimestamp", r)
			return end
		case "labels":
			if p.obj("metadata.labels", i) {
				ls := p.arena.labelScratch[:0]
				end := object(p.s, i, func(lk string, li int) int {
					var v string
					end := p.strAt("metadata.labels", li, &v)
					ls = append(ls, model.Label{Key: lk, Value: v})
					return end
				})
				p.arena.labelScratch = ls
				j.Labels = take(&p.arena.labels, sortLabels(ls))
				return end
			}
		case "ownerReferences":
			var end int
			j.Owner, end = p.owner(i)
			return end
		}
		return skip(p.s, i)
	})
}

// owner returns the ownerReferences entry with controller=true, or the
// first entry when none is marked.
func (p *item) owner(at int) (model.OwnerRef, int) {
	if !p.arr("metadata.ownerReferences", at) {
		return model.OwnerRef{}, skip(p.s, at)
	}
	var first, ctrl model.OwnerRef
	found := false
	end := array(p.s, at, func(n, i int) int {
		if !p.obj("metadata.ownerReferences", i) {
			return skip(p.s, i)
		}
		var ref model.OwnerRef
		isCtrl := false
		end := object(p.s, i, func(k string, fi int) int {
			switch k {
			case "apiVersion":
				return p.strAt("metadata.ownerReferences.apiVersion", fi, &ref.APIVersion)
			case "kind":
				return p.strAt("metadata.ownerReferences.kind", fi, &ref.Kind)
			case "name":
				return p.strAt("metadata.ownerReferences.name", fi, &ref.Name)
			case "uid":
				return p.strAt("metadata.ownerReferences.uid", fi, &ref.UID)
			case "controller":
				r, end := p.val(fi)
				isCtrl = p.boolean("metadata.ownerReferences.controller", r)
				return end
			}
			return skip(p.s, fi)
		})
		if n == 0 {
			first = ref
		}
		if isCtrl && !found {
			ctrl, found = ref, true
		}
		return end
	})
	if found {
		return ctrl, end
	}
	return first, end
}

func (p *item) jobSpec(j *model.Job, at int) int {
	return object(p.s, at, func(k string, i int) int {
		switch k {
		case "completions":
			return p.intAt("spec.completions", i, &j.Completions)
		case "parallelism":
			return p.intAt("spec.parallelism", i, &j.Parallelism)
		case "completionMode":
			return p.strAt("spec.completionMode", i, &j.CompletionMode)
		case "backoffLimit":
			return p.intAt("spec.backoffLimit", i, &j.BackoffLimit)
		case "activeDeadlineSeconds":
			return p.intAt("spec.activeDeadlineSeconds", i, &j.ActiveDeadlineSeconds)
		case "suspend":
			r, end := p.val(i)
			j.Suspend = p.boolean("spec.suspend", r)
			return end
		case "backoffLimitPerIndex":
			return p.intAt("spec.backoffLimitPerIndex", i, &j.BackoffLimitPerIndex)
		case "maxFailedIndexes":
			return p.intAt("spec.maxFailedIndexes", i, &j.MaxFailedIndexes)
		case "managedBy":
			return p.strAt("spec.managedBy", i, &j.ManagedBy)
		case "successPolicy":
			j.SuccessPolicy = p.obj("spec.successPolicy", i)
			return skip(p.s, i)
		}
		return skip(p.s, i)
	})
}

func (p *item) jobStatus(j *model.Job, at int) int {
	return object(p.s, at, func(k string, i int) int {
		switch k {
		case "succeeded":
			return p.intAt("status.succeeded", i, &j.Succeeded)
		case "failed":
			return p.intAt("status.failed", i, &j.Failed)
		case "active":
			return p.intAt("status.active", i, &j.Active)
		case "ready":
			return p.intAt("status.ready", i, &j.Ready)
		case "terminating":
			return p.intAt("status.terminating", i, &j.Terminating)
		case "startTime":
			r, end := p.val(i)
			j.StartTime = p.timestamp("status.startTime", r)
			return end
		case "completionTime":
			r, end := p.val(i)
			j.CompletionTime = p.timestamp("status.completionTime", r)
			return end
		case "conditions":
			var end int
			j.Conditions, end = p.conditions("status.conditions", i)
			return end
		case "uncountedTerminatedPods":
			if p.obj("status.uncountedTerminatedPods", i) {
				return object(p.s, i, func(k string, ui int) int {
					if (k == "succeeded" || k == "failed") && p.arr("status.uncountedTerminatedPods."+k, ui) {
						return array(p.s, ui, func(_, ei int) int { j.Uncounted++; return skip(p.s, ei) })
					}
					return skip(p.s, ui)
				})
			}
		case "failedIndexes":
			return p.strAt("status.failedIndexes", i, &j.FailedIndexes)
		case "completedIndexes":
			return p.strAt("status.completedIndexes", i, &j.CompletedIndexes)
		}
		return skip(p.s, i)
	})
}

// conditions reads a conditions array (Job or Pod).
func (p *item) conditions(field string, at int) ([]model.Condition, int) {
	if !p.arr(field, at) {
		return nil, skip(p.s, at)
	}
	out := p.arena.condScratch[:0]
	saveBase, saveIdx := p.base, p.idx
	p.base = field
	end := array(p.s, at, func(n, i int) int {
		p.idx = n
		if !p.obj("", i) {
			return skip(p.s, i)
		}
		var cond model.Condition
		end := object(p.s, i, func(k string, fi int) int {
			switch k {
			case "type":
				return p.strAt("type", fi, &cond.Type)
			case "status":
				return p.strAt("status", fi, &cond.Status)
			case "reason":
				return p.strAt("reason", fi, &cond.Reason)
			case "message":
				return p.strAt("message", fi, &cond.Message)
			case "lastTransitionTime":
				r, end := p.val(fi)
				cond.LastTransitionTime = p.timestamp("lastTransitionTime", r)
				return end
			}
			return skip(p.s, fi)
		})
		out = append(out, cond)
		return end
	})
	p.base, p.idx = saveBase, saveIdx
	p.arena.condScratch = out
	return take(&p.arena.conds, out), end
}
