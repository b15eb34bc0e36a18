package parse

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/tidwall/gjson"
)

// Pod metrics and pod resources. Both are small next to the pods list and
// read only when a bundle has pod metrics, so they use gjson on each item
// (found and validated by the same walk as the other members) rather than
// the single-pass readers.

// PodMetrics parses the pod metrics member (kubectl get
// podmetrics.metrics.k8s.io -o json): per pod its sample's timestamp and
// window, and per container CPU (millicores, rounded up) and working-set
// memory (bytes). Items whose kind is set must be PodMetrics; each needs
// metadata.name, and its timestamp, window and quantities must parse. The
// result is sorted by namespace and name, containers by name.
func PodMetrics(member string, data []byte) ([]model.PodUsage, []*ItemError, error) {
	var out []model.PodUsage
	errs, err := items(member, data, nil, func(s string, n, at int) (int, *ItemError) {
		end := skip(s, at)
		u, field, ferr := podUsage(gjson.Parse(s[at:end]))
		if ferr != nil {
			return end, &ItemError{Member: member, Index: n, Field: field, Err: ferr}
		}
		out = append(out, u)
		return end, nil
	})
	if err != nil {
		return nil, nil, err
	}
	slices.SortStableFunc(out, func(a, b model.PodUsage) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out, errs, nil
}

func podUsage(o gjson.Result) (model.PodUsage, string, error) {
	var u model.PodUsage
	if k := o.Get("kind"); k.Exists() && k.String() != "PodMetrics" {
		return u, "kind", errKind(k.String(), "PodMetrics")
	}
	u.Name, u.Namespace = o.Get("metadata.name").String(), o.Get("metadata.namespace").String()
	if u.Name == "" {
		return u, "metadata.name", ErrMissing
	}
	if ts := o.Get("timestamp"); ts.Exists() {
		t, err := time.Parse(time.RFC3339Nano, ts.String())
		if err != nil || ts.Type != gjson.String {
			return u, "timestamp", ErrTime
		}
		u.Timestamp = t.UTC()
	}
	if w := o.Get("window"); w.Exists() {
		d, err := time.ParseDuration(w.String())
		if err != nil || w.Type != gjson.String {
			return u, "window", fmt.Errorf("%w: %q is not a duration", ErrType, w.String())
		}
		u.Window = d
	}
	var ferr error
	var field string
	o.Get("containers").ForEach(func(k, c gjson.Result) bool {
		cu := model.ContainerUsage{Name: c.Get("name").String()}
		at := fmt.Sprintf("containers[%d].usage.", k.Int())
		if cu.CPU, ferr = optQuantity(c.Get("usage.cpu"), MilliQuantity); ferr != nil {
			field = at + "cpu"
			return false
		}
		if cu.Memory, ferr = optQuantity(c.Get("usage.memory"), Quantity); ferr != nil {
			field = at + "memory"
			return false
		}
		u.Containers = append(u.Containers, cu)
		return true
	})
	if ferr != nil {
		return u, field, ferr
	}
	slices.SortStableFunc(u.Containers, func(a, b model.ContainerUsage) int { return cmp.Compare(a.Name, b.Name) })
	return u, "", nil
}

// optQuantity reads a quantity string; absent or null is unset.
func optQuantity(r gjson.Result, conv func(string) (int64, error)) (model.OptInt, error) {
	if !r.Exists() || r.Type == gjson.Null {
		return model.OptInt{}, nil
	}
	s := r.String()
	if r.Type == gjson.Number {
		s = r.Raw
	}
	v, err := conv(s)
	if err != nil {
		return model.OptInt{}, err
	}
	return model.Some(v), nil
}

// PodResources reads every pod's app container requests and limits (CPU
// and memory) from a pods member. It is lenient, as the pods themselves are
// read and reported by Pods: items without a name are left out, and a
// quantity that does not parse is treated as unset.
func PodResources(member string, data []byte) ([]model.PodResources, error) {
	var out []model.PodResources
	_, err := items(member, data, nil, func(s string, n, at int) (int, *ItemError) {
		end := skip(s, at)
		o := gjson.Parse(s[at:end])
		pr := model.PodResources{Name: o.Get("metadata.name").String(), Namespace: o.Get("metadata.namespace").String()}
		if pr.Name == "" {
			return end, nil
		}
		o.Get("spec.containers").ForEach(func(_, c gjson.Result) bool {
			r := c.Get("resources")
			q := func(path string, conv func(string) (int64, error)) model.OptInt {
				v, _ := optQuantity(r.Get(path), conv)
				return v
			}
			pr.Containers = append(pr.Containers, model.NamedResources{Name: c.Get("name").String(), Resources: model.Resources{
				CPURequest: q("requests.cpu", MilliQuantity), CPULimit: q("limits.cpu", MilliQuantity),
				MemoryRequest: q("requests.memory", Quantity), MemoryLimit: q("limits.memory", Quantity),
			}})
			return true
		})
		out = append(out, pr)
		return end, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
