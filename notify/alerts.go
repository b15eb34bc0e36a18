package notify

import (
	"encoding/json"
	"hash/fnv"
	"sort"
	"time"

	"github.com/ksnap/ksnap/alert"
)

// AlertJSON is one alert in Alertmanager's shape, shared by the API v2
// body (notify/alertmanager) and the webhook v4 body (notify/webhook).
// Maps encode with sorted keys, so the bytes are deterministic.
type AlertJSON struct {
	Status       string            `json:"status,omitempty"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
	Fingerprint  string            `json:"fingerprint,omitempty"`
}

// TimeLayout is how the bodies write times: RFC 3339 UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// ZeroTime is endsAt of a firing alert in webhook bodies (as Alertmanager
// writes it).
const ZeroTime = "0001-01-01T00:00:00Z"

func fmtTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// State is one alert of a message with its status.
type State struct {
	Alert    alert.Alert
	Resolved bool
}

// States folds a message into one state per alert (name, key, selector,
// start): transitions in order, then the firing set, later ones winning;
// sorted by alert name, key and start.
func States(m *alert.Message) []State {
	type id struct {
		name     string
		key      alert.Key
		selector string
		start    time.Time
	}
	idx := map[id]int{}
	var out []State
	put := func(a alert.Alert, resolved bool) {
		k := id{a.Name, a.Key, a.Selector, a.StartsAt}
		if i, ok := idx[k]; ok {
			if out[i].Resolved && !resolved {
				return // a resolution in this message beats the older firing state
			}
			out[i] = State{a, resolved}
			return
		}
		idx[k] = len(out)
		out = append(out, State{a, resolved})
	}
	for _, t := range m.Transitions {
		put(t.Alert, t.Kind == alert.KindResolved)
	}
	for _, a := range m.Firing {
		put(a, false)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := &out[i].Alert, &out[j].Alert
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Key != b.Key {
			return a.Key.String() < b.Key.String()
		}
		return a.StartsAt.Before(b.StartsAt)
	})
	return out
}

// Alertmanager returns s in Alertmanager's shape. webhook selects the
// webhook v4 form (status, fingerprint, zero endsAt while firing);
// otherwise the API v2 form, where a firing alert ends at
// env.FiringEndsAt and a resolved one at its resolving capture.
func (s *State) Alertmanager(env alert.Env, webhook bool) AlertJSON {
	a := &s.Alert
	j := AlertJSON{
		Labels:      toMap(a.Labels()),
		Annotations: toMap(a.Annotations(env)),
		StartsAt:    fmtTime(a.StartsAt),
	}
	switch {
	case s.Resolved:
		j.EndsAt = fmtTime(a.EndsAt)
	case webhook:
		j.EndsAt = ZeroTime
	default:
		j.EndsAt = fmtTime(env.FiringEndsAt(a))
	}
	if webhook {
		j.Status = "firing"
		if s.Resolved {
			j.Status = "resolved"
		}
		j.Fingerprint = Fingerprint(a.Labels())
	}
	return j
}

func toMap(ls []alert.Label) map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Name] = l.Value
	}
	return m
}

// Fingerprint is Alertmanager's label-set fingerprint: FNV-1a 64 over the
// sorted names and values, each followed by 0xff, in hex.
func Fingerprint(ls []alert.Label) string {
	sorted := append([]alert.Label(nil), ls...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	h := fnv.New64a()
	for _, l := range sorted {
		h.Write([]byte(l.Name))
		h.Write([]byte{0xff})
		h.Write([]byte(l.Value))
		h.Write([]byte{0xff})
	}
	const hex = "0123456789abcdef"
	v := h.Sum64()
	b := make([]byte, 16)
	for i := 15; i >= 0; i-- {
		b[i] = hex[v&0xf]
		v >>= 4
	}
	return string(b)
}

// MarshalBody encodes v with two-space indentation and a final newline:
// the exact bytes sent and printed by a dry run.
func MarshalBody(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
