// Package alertmanager is the Alertmanager API v2 sink: one POST
// /api/v2/alerts per run with every pending transition and every firing
// alert (re-posted each run with a fresh endsAt, so Alertmanager never
// resolves a still-failing job on its own). Grouping, silences, inhibition,
// email and paging are then Alertmanager's.
//
// It never prints and never shows its URL; see package notify for retries
// and secrets.
package alertmanager

import (
	"github.com/ksnap/ksnap/alert"
	"github.com/ksnap/ksnap/notify"
)

// Path is the API path appended to the configured base URL.
const Path = "/api/v2/alerts"

// Sink posts to one Alertmanager.
type Sink struct{ notify.Base }

// New returns a sink posting to base (the Alertmanager URL, e.g.
// http://alertmanager:9093) + Path.
func New(name string, base notify.Endpoint, p notify.Poster) *Sink {
	return &Sink{notify.Base{SinkName: name, Endpoint: base.WithPath(Path), Poster: p}}
}

// Type returns "alertmanager".
func (s *Sink) Type() string { return alert.TypeAlertmanager }

// Refresh is true: firing alerts are re-posted every run.
func (s *Sink) Refresh() bool { return true }

// Encode renders the API v2 body: a JSON array of postable alerts.
func (s *Sink) Encode(m *alert.Message) ([]byte, error) {
	states := notify.States(m)
	out := make([]notify.AlertJSON, len(states))
	for i := range states {
		out[i] = states[i].Alertmanager(m.Env, false)
	}
	return notify.MarshalBody(out)
}
