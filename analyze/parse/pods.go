package parse

import (
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/tidwall/gjson"
)

// Pods parses a pods member (kubectl get pods -o json). Items whose kind is
// set must be Pod. Every item needs metadata.name. Container statuses are
// returned init containers first (status order), then app containers.
func Pods(member string, data []byte) ([]model.Pod, []*ItemError, error) {
	var out []model.Pod
	var p item
	errs, err := items(member, "Pod", data, func(n int) { out = make([]model.Pod, 0, n) }, func(i int, it gjson.Result) *ItemError {
		p.reset(member, i)
		var pod model.Pod
		p.pod(&pod, it)
		if p.err == nil && pod.Name == "" {
			p.fail("metadata.name", ErrMissing)
		}
		if p.err != nil {
			return p.err
		}
		out = append(out, pod)
		return nil
	})
	return out, errs, err
}

func (p *item) pod(pod *model.Pod, it gjson.Result) {
	var sidecars []string
	var initStatus, appStatus gjson.Result
	it.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "kind":
			p.kind("Pod", v)
		case "metadata":
			if p.isObject("metadata", v) {
				p.podMeta(pod, v)
			}
		case "spec":
			if p.isObject("spec", v) {
				sidecars = p.podSpec(pod, v)
			}
		case "status":
			if p.isObject("status", v) {
				initStatus, appStatus = p.podStatus(pod, v)
			}
		}
		return p.err == nil
	})
	if p.err != nil {
		return
	}
	// Statuses are read after the spec so that native sidecars are known.
	n := 0
	if initStatus.IsArray() {
		n += len(sidecars) + 1
	}
	if n > 0 || appStatus.IsArray() {
		pod.Containers = make([]model.ContainerStatus, 0, n+2)
	}
	p.containers(pod, "status.initContainerStatuses", model.ContainerInit, initStatus, sidecars)
	p.containers(pod, "status.containerStatuses", model.ContainerApp, appStatus, nil)
}

func (p *item) podMeta(pod *model.Pod, m gjson.Result) {
	m.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "name":
			pod.Name = p.str("metadata.name", v)
		case "namespace":
			pod.Namespace = p.str("metadata.namespace", v)
		case "uid":
			pod.UID = p.str("metadata.uid", v)
		case "creationTimestamp":
			pod.Created = p.timestamp("metadata.creationTimestamp", v)
		case "deletionTimestamp":
			pod.Deleted = p.timestamp("metadata.deletionTimestamp", v)
		case "labels":
			if p.isObject("metadata.labels", v) {
				v.ForEach(func(lk, lv gjson.Result) bool {
					switch lk.Str {
					case "batch.kubernetes.io/job-name":
						pod.JobNameLabel = p.str("metadata.labels", lv)
					case "job-name":
						if pod.JobNameLabel == "" {
							pod.JobNameLabel = p.str("metadata.labels", lv)
						}
					case "batch.kubernetes.io/controller-uid":
						pod.ControllerUIDLabel = p.str("metadata.labels", lv)
					case "controller-uid":
						if pod.ControllerUIDLabel == "" {
							pod.ControllerUIDLabel = p.str("metadata.labels", lv)
						}
					}
					return p.err == nil
				})
			}
		case "ownerReferences":
			pod.Owner = p.owner(v)
		}
		return p.err == nil
	})
}

// podSpec reads what the rules need from the spec and returns the names of
// native sidecars (init containers with restartPolicy Always).
func (p *item) podSpec(pod *model.Pod, s gjson.Result) []string {
	var sidecars []string
	s.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "restartPolicy":
			pod.RestartPolicy = p.str("spec.restartPolicy", v)
		case "nodeName":
			pod.NodeName = p.str("spec.nodeName", v)
		case "initContainers":
			if !p.isArray("spec.initContainers", v) {
				break
			}
			v.ForEach(func(_, c gjson.Result) bool {
				if !c.IsObject() {
					return true // the status side reports what matters
				}
				name, policy := "", ""
				c.ForEach(func(ck, cv gjson.Result) bool {
					switch ck.Str {
					case "name":
						name = cv.Str
					case "restartPolicy":
						policy = cv.Str
					}
					return true
				})
				if policy == "Always" {
					sidecars = append(sidecars, name)
				}
				return true
			})
		}
		return p.err == nil
	})
	return sidecars
}

func (p *item) podStatus(pod *model.Pod, s gjson.Result) (initStatus, appStatus gjson.Result) {
	s.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "phase":
			pod.Phase = p.str("status.phase", v)
		case "reason":
			pod.Reason = p.str("status.reason", v)
		case "message":
			pod.Message = p.str("status.message", v)
		case "startTime":
			pod.StartTime = p.timestamp("status.startTime", v)
		case "conditions":
			pod.Conditions = p.conditions("status.conditions", v)
		case "initContainerStatuses":
			if p.isArray("status.initContainerStatuses", v) {
				initStatus = v
			}
		case "containerStatuses":
			if p.isArray("status.containerStatuses", v) {
				appStatus = v
			}
		}
		return p.err == nil
	})
	return initStatus, appStatus
}

func (p *item) containers(pod *model.Pod, field string, typ model.ContainerType, list gjson.Result, sidecars []string) {
	if p.err != nil || !list.IsArray() {
		return
	}
	saveBase, saveIdx := p.base, p.idx
	p.base, p.idx = field, 0
	list.ForEach(func(_, c gjson.Result) bool {
		if !p.isObject("", c) {
			return false
		}
		cs := model.ContainerStatus{Type: typ}
		c.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "name":
				cs.Name = p.str("name", v)
			case "ready":
				cs.Ready = p.boolean("ready", v)
			case "restartCount":
				cs.RestartCount, _ = p.integer("restartCount", v)
			case "state":
				cs.State = p.state("state", v)
			case "lastState":
				cs.LastState = p.state("lastState", v)
			}
			return p.err == nil
		})
		for _, s := range sidecars {
			if s == cs.Name {
				cs.Sidecar = true
			}
		}
		pod.Containers = append(pod.Containers, cs)
		p.idx++
		return p.err == nil
	})
	p.base, p.idx = saveBase, saveIdx
}

func (p *item) state(field string, v gjson.Result) model.ContainerState {
	var st model.ContainerState
	if !p.isObject(field, v) {
		return st
	}
	v.ForEach(func(k, body gjson.Result) bool {
		var kind model.StateKind
		switch k.Str {
		case "waiting":
			kind = model.StateWaiting
		case "running":
			kind = model.StateRunning
		case "terminated":
			kind = model.StateTerminated
		default:
			return true
		}
		// fail() joins base[idx].sub1.sub2.field, so no path is built here.
		p.sub1, p.sub2 = field, k.Str
		defer func() { p.sub1, p.sub2 = "", "" }()
		if !p.isObject("", body) {
			return p.err == nil // null: that member is not set
		}
		st.Kind = kind
		body.ForEach(func(fk, fv gjson.Result) bool {
			switch fk.Str {
			case "reason":
				st.Reason = p.str("reason", fv)
			case "message":
				st.Message = p.str("message", fv)
			case "exitCode":
				st.ExitCode, _ = p.integer("exitCode", fv)
			case "signal":
				st.Signal, _ = p.integer("signal", fv)
			case "startedAt":
				st.StartedAt = p.timestamp("startedAt", fv)
			case "finishedAt":
				st.FinishedAt = p.timestamp("finishedAt", fv)
			}
			return p.err == nil
		})
		return p.err == nil
	})
	return st
}
