package parse

import (
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/tidwall/gjson"
)

// Jobs parses a jobs member (kubectl get jobs -o json). Items whose kind is
// set must be Job. Every item needs metadata.name.
func Jobs(member string, data []byte) ([]model.Job, []*ItemError, error) {
	var out []model.Job
	var p item
	errs, err := items(member, "Job", data, func(n int) { out = make([]model.Job, 0, n) }, func(i int, it gjson.Result) *ItemError {
		p.reset(member, i)
		var j model.Job
		p.job(&j, it)
		if p.err == nil && j.Name == "" {
			p.fail("metadata.name", ErrMissing)
		}
		if p.err != nil {
			return p.err
		}
		out = append(out, j)
		return nil
	})
	return out, errs, err
}

func (p *item) kind(want string, v gjson.Result) {
	if k := p.str("kind", v); k != "" && k != want {
		p.fail("kind", errKind(k, want))
	}
}

func (p *item) job(j *model.Job, it gjson.Result) {
	it.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "kind":
			p.kind("Job", v)
		case "metadata":
			if p.isObject("metadata", v) {
				p.jobMeta(j, v)
			}
		case "spec":
			if p.isObject("spec", v) {
				p.jobSpec(j, v)
			}
		case "status":
			if p.isObject("status", v) {
				j.HasStatus = true
				p.jobStatus(j, v)
			}
		}
		return p.err == nil
	})
}

func (p *item) jobMeta(j *model.Job, m gjson.Result) {
	m.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "name":
			j.Name = p.str("metadata.name", v)
		case "namespace":
			j.Namespace = p.str("metadata.namespace", v)
		case "uid":
			j.UID = p.str("metadata.uid", v)
		case "creationTimestamp":
			j.Created = p.timestamp("metadata.creationTimestamp", v)
		case "labels":
			if p.isObject("metadata.labels", v) {
				v.ForEach(func(lk, lv gjson.Result) bool {
					if j.Labels == nil {
						j.Labels = map[string]string{}
					}
					j.Labels[lk.Str] = p.str("metadata.labels", lv)
					return p.err == nil
				})
			}
		case "ownerReferences":
			j.Owner = p.owner(v)
		}
		return p.err == nil
	})
}

// owner returns the ownerReferences entry with controller=true, or the
// first entry when none is marked.
func (p *item) owner(v gjson.Result) model.OwnerRef {
	if !p.isArray("metadata.ownerReferences", v) {
		return model.OwnerRef{}
	}
	var first, ctrl model.OwnerRef
	n := 0
	found := false
	v.ForEach(func(_, o gjson.Result) bool {
		if !p.isObject("metadata.ownerReferences", o) {
			return false
		}
		var ref model.OwnerRef
		isCtrl := false
		o.ForEach(func(k, f gjson.Result) bool {
			switch k.Str {
			case "apiVersion":
				ref.APIVersion = p.str("metadata.ownerReferences.apiVersion", f)
			case "kind":
				ref.Kind = p.str("metadata.ownerReferences.kind", f)
			case "name":
				ref.Name = p.str("metadata.ownerReferences.name", f)
			case "uid":
				ref.UID = p.str("metadata.ownerReferences.uid", f)
			case "controller":
				isCtrl = p.boolean("metadata.ownerReferences.controller", f)
			}
			return p.err == nil
		})
		if n == 0 {
			first = ref
		}
		if isCtrl && !found {
			ctrl, found = ref, true
		}
		n++
		return p.err == nil
	})
	if found {
		return ctrl
	}
	return first
}

func (p *item) optInt(field string, v gjson.Result) model.OptInt {
	n, ok := p.integer(field, v)
	return model.OptInt{Val: n, Set: ok}
}

func (p *item) jobSpec(j *model.Job, s gjson.Result) {
	s.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "completions":
			j.Completions = p.optInt("spec.completions", v)
		case "parallelism":
			j.Parallelism = p.optInt("spec.parallelism", v)
		case "completionMode":
			j.CompletionMode = p.str("spec.completionMode", v)
		case "backoffLimit":
			j.BackoffLimit = p.optInt("spec.backoffLimit", v)
		case "activeDeadlineSeconds":
			j.ActiveDeadlineSeconds = p.optInt("spec.activeDeadlineSeconds", v)
		case "suspend":
			j.Suspend = p.boolean("spec.suspend", v)
		}
		return p.err == nil
	})
}

func (p *item) jobStatus(j *model.Job, s gjson.Result) {
	s.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "succeeded":
			j.Succeeded = p.optInt("status.succeeded", v)
		case "failed":
			j.Failed = p.optInt("status.failed", v)
		case "active":
			j.Active = p.optInt("status.active", v)
		case "ready":
			j.Ready = p.optInt("status.ready", v)
		case "terminating":
			j.Terminating = p.optInt("status.terminating", v)
		case "startTime":
			j.StartTime = p.timestamp("status.startTime", v)
		case "completionTime":
			j.CompletionTime = p.timestamp("status.completionTime", v)
		case "conditions":
			j.Conditions = p.conditions("status.conditions", v)
		}
		return p.err == nil
	})
}

// conditions reads a conditions array (Job or Pod).
func (p *item) conditions(field string, v gjson.Result) []model.Condition {
	if !p.isArray(field, v) {
		return nil
	}
	var out []model.Condition
	saveBase, saveIdx := p.base, p.idx
	p.base, p.idx = field, 0
	v.ForEach(func(_, c gjson.Result) bool {
		if !p.isObject("", c) {
			return false
		}
		var cond model.Condition
		c.ForEach(func(k, f gjson.Result) bool {
			switch k.Str {
			case "type":
				cond.Type = p.str("type", f)
			case "status":
				cond.Status = p.str("status", f)
			case "reason":
				cond.Reason = p.str("reason", f)
			case "message":
				cond.Message = p.str("message", f)
			case "lastTransitionTime":
				cond.LastTransitionTime = p.timestamp("lastTransitionTime", f)
			}
			return p.err == nil
		})
		out = append(out, cond)
		p.idx++
		return p.err == nil
	})
	p.base, p.idx = saveBase, saveIdx
	return out
}
