// Package webhook is the generic webhook sink: it posts Alertmanager's
// webhook v4 body, so receivers written for Alertmanager work unchanged.
// One message per run carries the pending transitions (firing and
// resolved); truncatedAlerts counts those left for the next runs.
//
// It never prints and never shows its URL; see package notify.
package webhook

import (
	"github.com/ksnap/ksnap/alert"
	"github.com/ksnap/ksnap/notify"
)

// Sink posts to one webhook URL.
type Sink struct{ notify.Base }

// New returns a sink posting to ep.
func New(name string, ep notify.Endpoint, p notify.Poster) *Sink {
	return &Sink{notify.Base{SinkName: name, Endpoint: ep, Poster: p}}
}

// Type returns "webhook".
func (s *Sink) Type() string { return alert.TypeWebhook }

// Refresh is false: only transitions are sent.
func (s *Sink) Refresh() bool { return false }

// Body is the webhook v4 message.
type Body struct {
	Version           string             `json:"version"`
	GroupKey          string             `json:"groupKey"`
	TruncatedAlerts   int                `json:"truncatedAlerts"`
	Status            string             `json:"status"`
	Receiver          string             `json:"receiver"`
	GroupLabels       map[string]string  `json:"groupLabels"`
	CommonLabels      map[string]string  `json:"commonLabels"`
	CommonAnnotations map[string]string  `json:"commonAnnotations"`
	ExternalURL       string             `json:"externalURL"`
	Alerts            []notify.AlertJSON `json:"alerts"`
}

// Encode renders the webhook v4 body.
func (s *Sink) Encode(m *alert.Message) ([]byte, error) {
	states := notify.States(m)
	b := Body{
		Version:         "4",
		GroupKey:        "ksnap:" + m.Sink,
		TruncatedAlerts: m.More,
		Status:          "resolved",
		Receiver:        m.Sink,
		GroupLabels:     map[string]string{},
		Alerts:          make([]notify.AlertJSON, len(states)),
	}
	for i := range states {
		a := states[i].Alertmanager(m.Env, true)
		b.Alerts[i] = a
		if a.Status == "firing" {
			b.Status = "firing"
		}
	}
	b.CommonLabels = common(b.Alerts, func(a *notify.AlertJSON) map[string]string { return a.Labels })
	b.CommonAnnotations = common(b.Alerts, func(a *notify.AlertJSON) map[string]string { return a.Annotations })
	return notify.MarshalBody(b)
}

// common returns the pairs every alert has.
func common(as []notify.AlertJSON, get func(*notify.AlertJSON) map[string]string) map[string]string {
	out := map[string]string{}
	if len(as) == 0 {
		return out
	}
	for k, v := range get(&as[0]) {
		out[k] = v
	}
	for i := 1; i < len(as); i++ {
		m := get(&as[i])
		for k, v := range out {
			if m[k] != v {
				delete(out, k)
			}
		}
	}
	return out
}
