package parse

import (
	"github.com/ksnap/ksnap/analyze/model"
)

// Pods parses a pods member (kubectl get pods -o json). Items whose kind is
// set must be Pod. Every item needs metadata.name. Container statuses are
// returned init containers first (status order), then app containers.
func Pods(member string, data []byte) ([]model.Pod, []*ItemError, error) {
	var out []model.Pod
	var p item
	errs, err := items(member, data, func(n int) { out = append(make([]model.Pod, 0, n), out...) }, func(s string, n, at int) (int, *ItemError) {
		p.reset(s, member, n)
		pod := push(&out)
		end := p.pod(pod, at)
		if p.err == nil && pod.Name == "" {
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

func (p *item) pod(pod *model.Pod, at int) int {
	var sidecars []string
	initC, appC := p.arena.initScratch[:0], p.arena.appScratch[:0]
	end := object(p.s, at, func(k string, i int) int {
		switch k {
		case "kind":
			return p.kind("Pod", i)
		case "metadata":
			if p.obj("metadata", i) {
				return p.podMeta(pod, i)
			}
		case "spec":
			if p.obj("spec", i) {
				var end int
				sidecars, end = p.podSpec(pod, i)
				return end
			}
		case "status":
			if p.obj("status", i) {
				return p.podStatus(pod, i, &initC, &appC)
			}
		}
		return skip(p.s, i)
	})
	// Native sidecars are known from the spec, which may come after the status.
	for k := range initC {
		for _, s := range sidecars {
			if s == initC[k].Name {
				initC[k].Sidecar = true
			}
		}
	}
	p.arena.initScratch, p.arena.appScratch = initC, appC
	all := appC
	if len(initC) > 0 {
		p.arena.bothScratch = append(append(p.arena.bothScratch[:0], initC...), appC...)
		all = p.arena.bothScratch
	}
	pod.Containers = take(&p.arena.ctrs, all)
	return end
}

func (p *item) podMeta(pod *model.Pod, at int) int {
	return object(p.s, at, func(k string, i int) int {
		switch k {
		case "name":
			return p.strAt("metadata.name", i, &pod.Name)
		case "namespace":
			return p.strAt("metadata.namespace", i, &pod.Namespace)
		case "uid":
			return p.strAt("metadata.uid", i, &pod.UID)
		case "creationTimestamp":
			r, end := p.val(i)
			pod.Created = p.timestamp("metadata.creationTimestamp", r)
			return end
		case "deletionTimestamp":
			r, end := p.val(i)
			pod.Deleted = p.timestamp("metadata.deletionTimestamp", r)
			return end
		case "labels":
			if !p.obj("metadata.labels", i) {
				break
			}
			var legacyName, legacyUID string
			end := object(p.s, i, func(lk string, li int) int {
				switch lk {
				case "batch.kubernetes.io/job-name":
					return p.strAt("metadata.labels", li, &pod.JobNameLabel)
				case "job-name":
					return p.strAt("metadata.labels", li, &legacyName)
				case "batch.kubernetes.io/controller-uid":
					return p.strAt("metadata.labels", li, &pod.ControllerUIDLabel)
				case "controller-uid":
					return p.strAt("metadata.labels", li, &legacyUID)
				}
				return skip(p.s, li)
			})
			if pod.JobNameLabel == "" {
				pod.JobNameLabel = legacyName
			}
			if pod.ControllerUIDLabel == "" {
				pod.ControllerUIDLabel = legacyUID
			}
			return end
		case "ownerReferences":
			var end int
			pod.Owner, end = p.owner(i)
			return end
		}
		return skip(p.s, i)
	})
}

// podSpec reads what the rules need from the spec and returns the names of
// native sidecars (init containers with restartPolicy Always).
func (p *item) podSpec(pod *model.Pod, at int) ([]string, int) {
	var sidecars []string
	end := object(p.s, at, func(k string, i int) int {
		switch k {
		case "restartPolicy":
			return p.strAt("spec.restartPolicy", i, &pod.RestartPolicy)
		case "nodeName":
			return p.strAt("spec.nodeName", i, &pod.NodeName)
		case "initContainers":
			if p.s[i] != '[' {
				break // the status side reports what matters
			}
			return array(p.s, i, func(_, ci int) int {
				if p.s[ci] != '{' {
					return skip(p.s, ci)
				}
				var name, policy gjsonStr
				end := object(p.s, ci, func(ck string, vi int) int {
					switch ck {
					case "name":
						return name.read(p.s, vi)
					case "restartPolicy":
						return policy.read(p.s, vi)
					}
					return skip(p.s, vi)
				})
				if policy == "Always" {
					sidecars = append(sidecars, string(name))
				}
				return end
			})
		}
		return skip(p.s, i)
	})
	return sidecars, end
}

// gjsonStr reads a string leniently (any other type reads as "").
type gjsonStr string

func (g *gjsonStr) read(s string, i int) int {
	r, end := value(s, i)
	*g = gjsonStr(r.Str)
	return end
}

func (p *item) podStatus(pod *model.Pod, at int, initC, appC *[]model.ContainerStatus) int {
	return object(p.s, at, func(k string, i int) int {
		switch k {
		case "phase":
			return p.strAt("status.phase", i, &pod.Phase)
		case "reason":
			return p.strAt("status.reason", i, &pod.Reason)
		case "message":
			return p.strAt("status.message", i, &pod.Message)
		case "startTime":
			r, end := p.val(i)
			pod.StartTime = p.timestamp("status.startTime", r)
			return end
		case "conditions":
			var end int
			pod.Conditions, end = p.conditions("status.conditions", i)
			return end
		case "initContainerStatuses":
			return p.containers("status.initContainerStatuses", model.ContainerInit, i, initC)
		case "containerStatuses":
			return p.containers("status.containerStatuses", model.ContainerApp, i, appC)
		}
		return skip(p.s, i)
	})
}

func (p *item) containers(field string, typ model.ContainerType, at int, dst *[]model.ContainerStatus) int {
	if !p.arr(field, at) {
		return skip(p.s, at)
	}
	saveBase, saveIdx := p.base, p.idx
	p.base = field
	end := array(p.s, at, func(n, i int) int {
		p.idx = n
		if !p.obj("", i) {
			return skip(p.s, i)
		}
		cs := model.ContainerStatus{Type: typ}
		end := object(p.s, i, func(k string, vi int) int {
			switch k {
			case "name":
				return p.strAt("name", vi, &cs.Name)
			case "ready":
				r, end := p.val(vi)
				cs.Ready = p.boolean("ready", r)
				return end
			case "restartCount":
				r, end := p.val(vi)
				cs.RestartCount, _ = p.integer("restartCount", r)
				return end
			case "state":
				return p.state("state", vi, &cs.State)
			case "lastState":
				return p.state("lastState", vi, &cs.LastState)
			}
			return skip(p.s, vi)
		})
		*dst = append(*dst, cs)
		return end
	})
	p.base, p.idx = saveBase, saveIdx
	return end
}

func (p *item) state(field string, at int, st *model.ContainerState) int {
	if !p.obj(field, at) {
		return skip(p.s, at)
	}
	return object(p.s, at, func(k string, i int) int {
		var kind model.StateKind
		switch k {
		case "waiting":
			kind = model.StateWaiting
		case "running":
			kind = model.StateRunning
		case "terminated":
			kind = model.StateTerminated
		default:
			return skip(p.s, i)
		}
		// fail() joins base[idx].sub1.sub2.field, so no path is built here.
		p.sub1, p.sub2 = field, k
		defer func() { p.sub1, p.sub2 = "", "" }()
		if !p.obj("", i) {
			return skip(p.s, i) // null: that member is not set
		}
		st.Kind = kind
		return object(p.s, i, func(fk string, fi int) int {
			r, end := p.val(fi)
			switch fk {
			case "reason":
				st.Reason = p.str("reason", r)
			case "message":
				st.Message = p.str("message", r)
			case "exitCode":
				st.ExitCode, _ = p.integer("exitCode", r)
			case "signal":
				st.Signal, _ = p.integer("signal", r)
			case "startedAt":
				st.StartedAt = p.timestamp("startedAt", r)
			case "finishedAt":
				st.FinishedAt = p.timestamp("finishedAt", r)
			}
			return end
		})
	})
}
