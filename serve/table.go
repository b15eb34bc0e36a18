package serve

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// column is one server-side Table column, as the API server's printers
// (k8s.io/kubernetes pkg/printers/internalversion) define it. Priority 1
// columns are shown by kubectl only with -o wide.
type column struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Format      string `json:"format"`
	Description string `json:"description"`
	Priority    int    `json:"priority"`
}

// rowCondition is a Table row condition (the printers mark finished pods).
type rowCondition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

var podColumns = []column{
	{Name: "Name", Type: "string", Format: "name", Description: "Name of the object."},
	{Name: "Ready", Type: "string", Description: "The aggregate readiness state of this pod for accepting traffic."},
	{Name: "Status", Type: "string", Description: "The aggregate status of the containers in this pod."},
	{Name: "Restarts", Type: "string", Description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."},
	{Name: "Age", Type: "string", Description: "Time since the object was created, at capture time."},
	{Name: "IP", Type: "string", Priority: 1, Description: "The pod's first IP address."},
	{Name: "Node", Type: "string", Priority: 1, Description: "The node the pod is scheduled to."},
	{Name: "Nominated Node", Type: "string", Priority: 1, Description: "The node nominated for preemption."},
	{Name: "Readiness Gates", Type: "string", Priority: 1, Description: "Readiness gates that are true, of those listed."},
}

var jobColumns = []column{
	{Name: "Name", Type: "string", Format: "name", Description: "Name of the object."},
	{Name: "Status", Type: "string", Description: "Status of the job."},
	{Name: "Completions", Type: "string", Description: "Succeeded pods of the completions wanted."},
	{Name: "Duration", Type: "string", Description: "Time required to complete the job."},
	{Name: "Age", Type: "string", Description: "Time since the object was created, at capture time."},
	{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."},
	{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."},
	{Name: "Selector", Type: "string", Priority: 1, Description: "The job's pod selector."},
}

var eventColumns = []column{
	{Name: "Last Seen", Type: "string", Description: "When the event was last seen, before capture time."},
	{Name: "Type", Type: "string", Description: "Normal or Warning."},
	{Name: "Reason", Type: "string", Description: "Why the event was emitted."},
	{Name: "Object", Type: "string", Description: "The object the event is about."},
	{Name: "Subobject", Type: "string", Priority: 1, Description: "The part of the object (field path)."},
	{Name: "Source", Type: "string", Priority: 1, Description: "The component that reported the event."},
	{Name: "Message", Type: "string", Description: "What happened."},
	{Name: "First Seen", Type: "string", Priority: 1, Description: "When the event was first seen, before capture time."},
	{Name: "Count", Type: "string", Priority: 1, Description: "How often the event occurred."},
	{Name: "Name", Type: "string", Priority: 1, Format: "name", Description: "Name of the object."},
}

var (
	podSucceeded = []rowCondition{{Type: "Completed", Status: "True", Reason: "Succeeded", Message: "The pod has completed successfully."}}
	podFailed    = []rowCondition{{Type: "Completed", Status: "True", Reason: "Failed", Message: "The pod failed."}}
)

// podRow is printPod over the pod's JSON, with wide cells (the API server
// always sends them; kubectl hides them without -o wide).
func podRow(p gjson.Result, now time.Time) ([]any, []rowCondition) {
	var conds []rowCondition
	phase := p.Get("status.phase").String()
	switch phase {
	case "Succeeded":
		conds = podSucceeded
	case "Failed":
		conds = podFailed
	}
	reason := phase
	if r := p.Get("status.reason").String(); r != "" {
		reason = r
	}
	podConds := p.Get("status.conditions").Array()
	for _, c := range podConds {
		if c.Get("type").String() == "PodScheduled" && c.Get("reason").String() == "SchedulingGated" {
			reason = "SchedulingGated"
		}
	}

	total := len(p.Get("spec.containers").Array())
	ready := 0
	initSpec := p.Get("spec.initContainers").Array()
	restartable := map[string]bool{}
	for _, c := range initSpec {
		if c.Get("restartPolicy").String() == "Always" {
			restartable[c.Get("name").String()] = true
			total++
		}
	}

	restarts, sidecarRestarts := 0, 0
	var last, sidecarLast time.Time
	initializing := false
	for i, c := range p.Get("status.initContainerStatuses").Array() {
		n := int(c.Get("restartCount").Int())
		restarts += n
		fin := parseTime(c.Get("lastState.terminated.finishedAt").String())
		if fin.After(last) {
			last = fin
		}
		side := restartable[c.Get("name").String()]
		if side {
			sidecarRestarts += n
			if fin.After(sidecarLast) {
				sidecarLast = fin
			}
		}
		term := c.Get("state.terminated")
		waiting := c.Get("state.waiting.reason").String()
		switch {
		case term.Exists() && term.Get("exitCode").Int() == 0:
			continue
		case side && c.Get("started").Bool():
			if c.Get("ready").Bool() {
				ready++
			}
			continue
		case term.Exists():
			switch {
			case term.Get("reason").String() != "":
				reason = "Init:" + term.Get("reason").String()
			case term.Get("signal").Int() != 0:
				reason = fmt.Sprintf("Init:Signal:%d", term.Get("signal").Int())
			default:
				reason = fmt.Sprintf("Init:ExitCode:%d", term.Get("exitCode").Int())
			}
		case waiting != "" && waiting != "PodInitializing":
			reason = "Init:" + waiting
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(initSpec))
		}
		initializing = true
		break
	}

	if !initializing || conditionTrue(podConds, "Initialized") {
		restarts, last = sidecarRestarts, sidecarLast
		hasRunning := false
		statuses := p.Get("status.containerStatuses").Array()
		for i := len(statuses) - 1; i >= 0; i-- {
			c := statuses[i]
			restarts += int(c.Get("restartCount").Int())
			if fin := parseTime(c.Get("lastState.terminated.finishedAt").String()); fin.After(last) {
				last = fin
			}
			term := c.Get("state.terminated")
			switch {
			case c.Get("state.waiting.reason").String() != "":
				reason = c.Get("state.waiting.reason").String()
			case term.Exists() && term.Get("reason").String() != "":
				reason = term.Get("reason").String()
			case term.Exists() && term.Get("signal").Int() != 0:
				reason = fmt.Sprintf("Signal:%d", term.Get("signal").Int())
			case term.Exists():
				reason = fmt.Sprintf("ExitCode:%d", term.Get("exitCode").Int())
			case c.Get("ready").Bool() && c.Get("state.running").Exists():
				hasRunning = true
				ready++
			}
		}
		if reason == "Completed" && hasRunning {
			if conditionTrue(podConds, "Ready") {
				reason = "Running"
			} else {
				reason = "NotReady"
			}
		}
	}

	if deleting := p.Get("metadata.deletionTimestamp").String() != ""; deleting && p.Get("status.reason").String() == "NodeLost" {
		reason = "Unknown"
	} else if deleting && phase != "Succeeded" && phase != "Failed" {
		reason = "Terminating"
	}

	restartsCell := fmt.Sprint(restarts)
	if restarts != 0 && !last.IsZero() {
		restartsCell = fmt.Sprintf("%d (%s ago)", restarts, since(now, last))
	}

	gates := "<none>"
	if rg := p.Get("spec.readinessGates").Array(); len(rg) > 0 {
		n := 0
		for _, g := range rg {
			t := g.Get("conditionType").String()
			for _, c := range podConds {
				if c.Get("type").String() == t {
					if c.Get("status").String() == "True" {
						n++
					}
					break
				}
			}
		}
		gates = fmt.Sprintf("%d/%d", n, len(rg))
	}
	return []any{
		p.Get("metadata.name").String(),
		fmt.Sprintf("%d/%d", ready, total),
		reason,
		restartsCell,
		since(now, parseTime(p.Get("metadata.creationTimestamp").String())),
		orNone(p.Get("status.podIPs.0.ip").String()),
		orNone(p.Get("spec.nodeName").String()),
		orNone(p.Get("status.nominatedNodeName").String()),
		gates,
	}, conds
}

// conditionTrue is the status of the first condition of type t.
func conditionTrue(conds []gjson.Result, t string) bool {
	for _, c := range conds {
		if c.Get("type").String() == t {
			return c.Get("status").String() == "True"
		}
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// jobRow is printJob over the job's JSON.
func jobRow(j gjson.Result, now time.Time) ([]any, []rowCondition) {
	succeeded := j.Get("status.succeeded").Int()
	var completions string
	if c := j.Get("spec.completions"); c.Exists() && c.Type != gjson.Null {
		completions = fmt.Sprintf("%d/%d", succeeded, c.Int())
	} else if par := j.Get("spec.parallelism").Int(); par > 1 {
		completions = fmt.Sprintf("%d/1 of %d", succeeded, par)
	} else {
		completions = fmt.Sprintf("%d/1", succeeded)
	}
	var dur string
	start := parseTime(j.Get("status.startTime").String())
	end := parseTime(j.Get("status.completionTime").String())
	switch {
	case start.IsZero():
	case end.IsZero():
		dur = humanDuration(now.Sub(start))
	default:
		dur = humanDuration(end.Sub(start))
	}
	conds := j.Get("status.conditions").Array()
	status := "Running"
	switch {
	case conditionTrue(conds, "Complete"):
		status = "Complete"
	case conditionTrue(conds, "Failed"):
		status = "Failed"
	case j.Get("metadata.deletionTimestamp").String() != "":
		status = "Terminating"
	case conditionTrue(conds, "Suspended"):
		status = "Suspended"
	case conditionTrue(conds, "FailureTarget"):
		status = "FailureTarget"
	}
	var names, images []string
	for _, c := range j.Get("spec.template.spec.containers").Array() {
		names = append(names, c.Get("name").String())
		images = append(images, c.Get("image").String())
	}
	return []any{
		j.Get("metadata.name").String(),
		status,
		completions,
		dur,
		since(now, parseTime(j.Get("metadata.creationTimestamp").String())),
		strings.Join(names, ","),
		strings.Join(images, ","),
		formatLabelSelector(j.Get("spec.selector")),
	}, nil
}

// formatLabelSelector is metav1.FormatLabelSelector: requirements sorted by
// key, set values sorted, "<none>" for an empty or missing selector.
func formatLabelSelector(sel gjson.Result) string {
	type req struct{ key, s string }
	var rs []req
	sel.Get("matchLabels").ForEach(func(k, v gjson.Result) bool {
		rs = append(rs, req{k.String(), k.String() + "=" + v.String()})
		return true
	})
	for _, e := range sel.Get("matchExpressions").Array() {
		k := e.Get("key").String()
		var vs []string
		for _, v := range e.Get("values").Array() {
			vs = append(vs, v.String())
		}
		sort.Strings(vs)
		switch e.Get("operator").String() {
		case "In":
			rs = append(rs, req{k, k + " in (" + strings.Join(vs, ",") + ")"})
		case "NotIn":
			rs = append(rs, req{k, k + " notin (" + strings.Join(vs, ",") + ")"})
		case "Exists":
			rs = append(rs, req{k, k})
		case "DoesNotExist":
			rs = append(rs, req{k, "!" + k})
		default:
			return "<error>"
		}
	}
	if len(rs) == 0 {
		return "<none>"
	}
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].key < rs[b].key })
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.s
	}
	return strings.Join(out, ",")
}

// eventPaths names an event's fields in one API version: core v1 and
// events.k8s.io/v1 spell them differently; the API server converts both to
// one internal type before printing.
type eventPaths struct {
	regarding, message, source, reporting, first, last, count string
}

var (
	coreEventPaths = eventPaths{
		regarding: "involvedObject", message: "message", source: "source.component",
		reporting: "reportingComponent", first: "firstTimestamp", last: "lastTimestamp", count: "count",
	}
	eventsV1Paths = eventPaths{
		regarding: "regarding", message: "note", source: "deprecatedSource.component",
		reporting: "reportingController", first: "deprecatedFirstTimestamp", last: "deprecatedLastTimestamp", count: "deprecatedCount",
	}
)

// eventRow is printEvent over the event's JSON.
func (ep eventPaths) row(e gjson.Result, now time.Time) ([]any, []rowCondition) {
	first := since(now, parseTime(e.Get(ep.first).String()))
	if parseTime(e.Get(ep.first).String()).IsZero() {
		first = since(now, parseTime(e.Get("eventTime").String()))
	}
	last := since(now, parseTime(e.Get(ep.last).String()))
	if parseTime(e.Get(ep.last).String()).IsZero() {
		last = first
	}
	count := e.Get(ep.count).Int()
	if s := e.Get("series"); s.Exists() && s.Type != gjson.Null {
		last = since(now, parseTime(s.Get("lastObservedTime").String()))
		count = s.Get("count").Int()
	} else if count == 0 {
		count = 1
	}
	kind := strings.ToLower(e.Get(ep.regarding + ".kind").String())
	target := kind
	if n := e.Get(ep.regarding + ".name").String(); n != "" {
		target = kind + "/" + n
	}
	component := firstNonEmpty(e.Get(ep.source).String(), e.Get(ep.reporting).String())
	host := e.Get(strings.TrimSuffix(ep.source, ".component") + ".host").String()
	source := component
	if instance := firstNonEmpty(host, e.Get("reportingInstance").String()); instance != "" {
		source = component + ", " + instance
	}
	return []any{
		last,
		e.Get("type").String(),
		e.Get("reason").String(),
		target,
		e.Get(ep.regarding + ".fieldPath").String(),
		source,
		strings.TrimSpace(e.Get(ep.message).String()),
		first,
		count,
		e.Get("metadata.name").String(),
	}, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
