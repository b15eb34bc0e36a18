package serve

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/tidwall/gjson"
)

// resource is one served kind: its discovery entry, where its items live
// in the bundle, its field labels and its printer.
type resource struct {
	group, version         string // group "" is the core (legacy) group
	plural, singular, kind string
	shortNames, categories []string
	member                 string // bundle member holding the kubectl List
	capture                string // manifest command kind of that member
	subresources           []string
	fields                 map[string]string // field label -> gjson path
	columns                []column
	row                    func(gjson.Result, time.Time) ([]any, []rowCondition)
}

func (r *resource) groupVersion() string {
	if r.group == "" {
		return r.version
	}
	return r.group + "/" + r.version
}

// qualified is the resource as the API names it in errors: "pods", "jobs.batch".
func (r *resource) qualified() string {
	if r.group == "" {
		return r.plural
	}
	return r.plural + "." + r.group
}

var metaFields = map[string]string{"metadata.name": "metadata.name", "metadata.namespace": "metadata.namespace"}

func withMeta(m map[string]string) map[string]string {
	for k, v := range metaFields {
		m[k] = v
	}
	return m
}

// eventFields are the field labels of events, by path prefix of the
// regarded object ("involvedObject" in v1, "regarding" in events.k8s.io/v1).
func eventFields(ep eventPaths, label string) map[string]string {
	m := map[string]string{
		"reason": "reason", "type": "type", "source": ep.source,
		"reportingComponent": ep.reporting,
	}
	for _, f := range []string{"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"} {
		m[label+"."+f] = ep.regarding + "." + f
	}
	return withMeta(m)
}

// resources are the kinds ksnap captures, in discovery order.
var resources = []*resource{
	{
		version: "v1", plural: "pods", singular: "pod", kind: "Pod",
		shortNames: []string{"po"}, categories: []string{"all"},
		member: "pods.json", capture: "pods", subresources: []string{"log"},
		fields: withMeta(map[string]string{
			"spec.nodeName": "spec.nodeName", "spec.restartPolicy": "spec.restartPolicy",
			"spec.schedulerName": "spec.schedulerName", "spec.serviceAccountName": "spec.serviceAccountName",
			"status.phase": "status.phase", "status.podIP": "status.podIP",
			"status.nominatedNodeName": "status.nominatedNodeName",
		}),
		columns: podColumns, row: podRow,
	},
	{
		version: "v1", plural: "events", singular: "event", kind: "Event",
		shortNames: []string{"ev"}, member: "events.json", capture: "events",
		fields:  eventFields(coreEventPaths, "involvedObject"),
		columns: eventColumns, row: coreEventPaths.row,
	},
	{
		group: "batch", version: "v1", plural: "jobs", singular: "job", kind: "Job",
		categories: []string{"all"}, member: "jobs.json", capture: "jobs",
		fields:  withMeta(map[string]string{"status.successful": "status.succeeded"}),
		columns: jobColumns, row: jobRow,
	},
	{
		group: "events.k8s.io", version: "v1", plural: "events", singular: "event", kind: "Event",
		shortNames: []string{"ev"}, member: "events.json", capture: "events",
		fields:  eventFields(eventsV1Paths, "regarding"),
		columns: eventColumns, row: eventsV1Paths.row,
	},
}

// item is one object of a captured List: its exact bytes and what
// selectors need.
type item struct {
	raw       []byte
	obj       gjson.Result
	name      string
	namespace string
	labels    map[string]string
}

// collection is a resource's captured items, or why there are none.
type collection struct {
	res   *resource
	items []item
	// rv is the List's resourceVersion: the largest of the items' (the
	// newest state the capture saw), "0" when none has one.
	rv string
	// missing is set when the capture of the member failed or was not
	// made: lists answer an error instead of pretending emptiness.
	missing *status
}

// load reads the resource's items from the bundle: those whose apiVersion
// is the resource's group version (or that have none, as kubectl lists
// always fill it in).
func load(b *bundle.Bundle, r *resource) (*collection, error) {
	c := &collection{res: r, rv: "0"}
	cmd, ok := b.Manifest.Command(r.capture)
	data, err := b.Member(r.member)
	if !ok || err != nil || cmd.Failed() {
		c.missing = notCaptured(r, cmd, ok)
		return c, nil
	}
	if !gjson.ValidBytes(data) {
		return nil, fmt.Errorf("%s: member %s: not valid JSON", b.Path, r.member)
	}
	items, err := listItems(data)
	if err != nil {
		return nil, fmt.Errorf("%s: member %s: %w", b.Path, r.member, err)
	}
	var maxRV uint64
	for _, v := range items {
		if av := v.Get("apiVersion").String(); av != "" && av != r.groupVersion() {
			continue
		}
		v = withTypeMeta(v, r)
		it := item{
			raw:       []byte(v.Raw),
			obj:       v,
			name:      v.Get("metadata.name").String(),
			namespace: v.Get("metadata.namespace").String(),
			labels:    map[string]string{},
		}
		if it.namespace == "" {
			it.namespace = b.Manifest.Namespace
		}
		v.Get("metadata.labels").ForEach(func(k, l gjson.Result) bool {
			it.labels[k.String()] = l.String()
			return true
		})
		if n, err := strconv.ParseUint(v.Get("metadata.resourceVersion").String(), 10, 64); err == nil && n > maxRV {
			maxRV = n
		}
		c.items = append(c.items, it)
	}
	// The API lists in namespace, then name order (etcd key order).
	sort.SliceStable(c.items, func(i, j int) bool {
		a, b := c.items[i], c.items[j]
		if a.namespace != b.namespace {
			return a.namespace < b.namespace
		}
		return a.name < b.name
	})
	c.rv = strconv.FormatUint(maxRV, 10)
	return c, nil
}

// withTypeMeta adds kind and apiVersion to an item that lacks them (the
// items of a kubelet pod list, some imports): the API always sends both,
// and kubectl refuses an object without them. Nothing else changes; an
// item that has both is returned as is.
func withTypeMeta(v gjson.Result, r *resource) gjson.Result {
	var add []string
	if !v.Get("apiVersion").Exists() {
		add = append(add, fmt.Sprintf(`"apiVersion":%q`, r.groupVersion()))
	}
	if !v.Get("kind").Exists() {
		add = append(add, fmt.Sprintf(`"kind":%q`, r.kind))
	}
	if len(add) == 0 || !v.IsObject() {
		return v
	}
	body := strings.TrimSpace(v.Raw)[1:]
	sep := ","
	if strings.HasPrefix(strings.TrimSpace(body), "}") {
		sep, body = "", "}"
	}
	return gjson.Parse("{" + strings.Join(add, ",") + sep + body)
}

// listItems returns a member's objects with analyze/parse's shape rule: a
// List (items an array or null), a bare array of objects, or a single
// object (an import of `kubectl get KIND NAME -o json`).
func listItems(data []byte) ([]gjson.Result, error) {
	doc := gjson.ParseBytes(data)
	switch {
	case doc.IsArray():
		return doc.Array(), nil
	case !doc.IsObject():
		return nil, fmt.Errorf("not a list, array or object")
	}
	items := doc.Get("items")
	switch {
	case items.IsArray():
		return items.Array(), nil
	case items.Type == gjson.Null && items.Exists():
		return nil, nil
	case items.Exists():
		return nil, fmt.Errorf("items is not an array")
	case strings.HasSuffix(doc.Get("kind").String(), "List"):
		return nil, nil
	}
	return []gjson.Result{doc}, nil
}

// notCaptured is the answer for a resource the bundle has no list of: 403
// when kubectl was refused at capture time (what the cluster answered
// then), 503 otherwise.
func notCaptured(r *resource, cmd bundle.Command, ran bool) *status {
	why := "it was not captured"
	if ran && cmd.Status != "" && cmd.Status != bundle.StatusNotCaptured {
		why = "its capture " + cmd.Status
		if line := firstLine(cmd.Stderr); line != "" {
			why += ": " + line
		}
	}
	st := &status{Code: 503, Reason: "ServiceUnavailable",
		Message: fmt.Sprintf("%s: the bundle has no %s: %s", readOnlyPrefix, r.qualified(), why)}
	if strings.Contains(strings.ToLower(cmd.Stderr), "forbidden") {
		st.Code, st.Reason = 403, "Forbidden"
	}
	return st
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// field returns the value of a supported field label for the selector.
func (it *item) field(r *resource, label string) string {
	if label == "metadata.namespace" {
		return it.namespace
	}
	v := it.obj.Get(r.fields[label])
	if label == "status.successful" && !v.Exists() {
		return "0"
	}
	if v.Type == gjson.True || v.Type == gjson.False {
		return strconv.FormatBool(v.Bool())
	}
	return v.String()
}
