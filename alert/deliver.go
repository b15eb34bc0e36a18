package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Sink is a receiver of messages (notify/alertmanager, notify/webhook,
// notify/slack). Encode must be deterministic: the same message gives the
// same bytes, which is what a dry run prints.
type Sink interface {
	// Name is the sink's name in the config and in the ledger.
	Name() string
	// Type is the sink type ("alertmanager", "webhook", "slack").
	Type() string
	// Host is the receiver's host, the only part of its URL that may be
	// shown.
	Host() string
	// Refresh reports whether the sink wants the firing alerts re-posted
	// every run, even with no new transition.
	Refresh() bool
	// Encode renders the request body for m.
	Encode(m *Message) ([]byte, error)
	// Send posts body, retrying as the sink's policy allows. Its errors
	// name only the host.
	Send(ctx context.Context, body []byte) error
}

// Capper is a Sink with its own limit of transitions per message (Slack
// refuses messages with too many attachments); Deliver uses the smaller of
// it and DeliverOptions.MaxAlerts.
type Capper interface {
	MaxAlerts() int
}

// DeliverOptions configure Deliver.
type DeliverOptions struct {
	// Since leaves out transitions before it. A real run records them as
	// skipped for each sink, so they are never sent later (a baseline for a
	// history older than its alerting); a dry run only leaves them out.
	Since time.Time
	// MaxAlerts caps the transitions of one message (default 20); the rest
	// stay pending for the next runs.
	MaxAlerts int
	// DryRun encodes the messages without sending or writing the ledger.
	DryRun bool
	// Timeout bounds the whole delivery (all sinks, with retries); 0: none.
	Timeout time.Duration
	// Now stamps ledger entries (the caller's wall clock); nothing is
	// decided on it, and entries carry no time when it is nil. This package
	// never reads the clock itself.
	Now func() time.Time
	Env Env
	// Detail, when set, is asked for the cause of each job alert a message
	// carries (it reads the alert's bundle: only what is sent costs a read).
	// Its answers are cached per bundle and job for the run.
	Detail func(a *Alert) Detail
}

// SinkReport is what happened for one sink.
type SinkReport struct {
	Sink, Type, Host string
	// Message is what was (or, dry, would be) sent; Body its encoding. Both
	// zero when there was nothing to send.
	Message *Message
	Body    []byte
	// Skipped counts transitions before Since.
	Skipped int
	// Err is the send error (the transitions stay pending).
	Err error

	pendingTotal int
}

// take returns the transitions of pending that go in one message, in
// order: at most limit, and at most one per alert (name, key, selector),
// the oldest; the later ones of that alert wait for the next runs. So a
// firing and its resolution pending together after an outage go out in
// successive runs, and every receiver sees the alert fire before it
// resolves, while other alerts are not held up.
func take(pending []Transition, limit int) []Transition {
	var out []Transition
	seen := map[string]bool{}
	for i := range pending {
		if len(out) == limit {
			break
		}
		a := &pending[i].Alert
		k := a.Name + "|" + a.Key.String() + "|" + a.Selector
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, pending[i])
	}
	return out
}

// Pending returns the transitions of res not yet done for sink, oldest
// first, and those before since.
func Pending(res *Result, led *Ledger, sink string, since time.Time) (pending, old []Transition) {
	for _, t := range res.Transitions {
		if led.Done(sink, t.ID()) {
			continue
		}
		if !since.IsZero() && t.At.Before(since) {
			old = append(old, t)
			continue
		}
		pending = append(pending, t)
	}
	return pending, old
}

// ErrDelivery is returned (wrapped) by Deliver when a sink failed.
var ErrDelivery = errors.New("delivery failed; the transitions stay pending for the next run")

// Deliver sends each sink its message: its pending transitions (capped)
// and, for refreshing sinks, the firing alerts. A sink with nothing to send
// gets no message. Each accepted message is recorded in the ledger, one
// delivered entry per transition, right after the send; a failed send is
// recorded as failed and its transitions stay pending. The caller holds the
// run lock (LockRun) from reading the ledger until Deliver returns.
func Deliver(ctx context.Context, res *Result, led *Ledger, sinks []Sink, o DeliverOptions) ([]SinkReport, error) {
	if o.MaxAlerts <= 0 {
		o.MaxAlerts = 20
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	var reports []SinkReport
	var errs []error
	detail := &detailCache{fn: o.Detail, memo: map[[2]string]Detail{}}
	for _, s := range sinks {
		rep := SinkReport{Sink: s.Name(), Type: s.Type(), Host: s.Host()}
		pending, old := Pending(res, led, s.Name(), o.Since)
		rep.Skipped = len(old)
		rep.pendingTotal = len(pending)
		if !o.DryRun && len(old) > 0 {
			if err := led.Append(entries(s.Name(), old, StatusSkipped, "", o.Now)...); err != nil {
				return reports, err
			}
		}
		m := &Message{Sink: s.Name(), Env: o.Env}
		limit := o.MaxAlerts
		if c, ok := s.(Capper); ok && c.MaxAlerts() > 0 {
			limit = min(limit, c.MaxAlerts())
		}
		pending = take(pending, limit)
		m.More = rep.pendingTotal - len(pending)
		m.Transitions = pending
		if s.Refresh() {
			m.Firing = res.Firing
		}
		detail.fill(m)
		if len(m.Transitions) == 0 && len(m.Firing) == 0 {
			reports = append(reports, rep)
			continue
		}
		body, err := s.Encode(m)
		if err != nil {
			return reports, fmt.Errorf("sink %s: encode: %w", s.Name(), err)
		}
		rep.Message, rep.Body = m, body
		if o.DryRun {
			reports = append(reports, rep)
			continue
		}
		if err := s.Send(ctx, body); err != nil {
			rep.Err = fmt.Errorf("sink %s: %w", s.Name(), err)
			errs = append(errs, rep.Err)
			if lerr := led.Append(entries(s.Name(), pending, StatusFailed, err.Error(), o.Now)...); lerr != nil {
				return append(reports, rep), lerr
			}
		} else if err := led.Append(entries(s.Name(), pending, StatusDelivered, "", o.Now)...); err != nil {
			return append(reports, rep), err
		}
		reports = append(reports, rep)
	}
	if len(errs) > 0 {
		return reports, fmt.Errorf("%w: %w", ErrDelivery, errors.Join(errs...))
	}
	return reports, nil
}

func entries(sink string, ts []Transition, status, msg string, now func() time.Time) []Entry {
	at := ""
	if now != nil {
		at = now().UTC().Format(time.RFC3339)
	}
	out := make([]Entry, len(ts))
	for i := range ts {
		out[i] = Entry{V: LedgerVersion, Sink: sink, Event: ts[i].ID(), Status: status, At: at, Error: msg}
	}
	return out
}

// WriteDryRun writes what Deliver would send: per sink one header line
// (name, type, host, counts) and the exact request body. Byte-identical for
// the same history, ledger and options.
func WriteDryRun(w io.Writer, reports []SinkReport) error {
	for _, r := range reports {
		if r.Message == nil {
			if _, err := fmt.Fprintf(w, "# sink %s (%s, %s): nothing to send (%d skipped before since)\n", r.Sink, r.Type, r.Host, r.Skipped); err != nil {
				return err
			}
			continue
		}
		m := r.Message
		if _, err := fmt.Fprintf(w, "# sink %s (%s, %s): %d transitions, %d more pending, %d firing re-posted, %d skipped before since\n",
			r.Sink, r.Type, r.Host, len(m.Transitions), m.More, len(m.Firing), r.Skipped); err != nil {
			return err
		}
		for _, t := range m.Transitions {
			if _, err := fmt.Fprintf(w, "#   %s %s at %s: %s\n", t.Kind, t.Alert.Key, t.At.UTC().Format(time.RFC3339), t.Reason); err != nil {
				return err
			}
		}
		if _, err := w.Write(r.Body); err != nil {
			return err
		}
		if len(r.Body) > 0 && r.Body[len(r.Body)-1] != '\n' {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
	}
	return nil
}

type detailCache struct {
	fn   func(*Alert) Detail
	memo map[[2]string]Detail
}

// fill sets the Detail of the message's job alerts (copies: the result's
// alerts are not changed).
func (c *detailCache) fill(m *Message) {
	if c.fn == nil {
		return
	}
	get := func(a *Alert) {
		if a.Name != NameJob || a.Detail != (Detail{}) {
			return
		}
		k := [2]string{a.Bundle, a.Job}
		d, ok := c.memo[k]
		if !ok {
			d = c.fn(a)
			c.memo[k] = d
		}
		a.Detail = d
	}
	ts := append([]Transition(nil), m.Transitions...)
	for i := range ts {
		get(&ts[i].Alert)
	}
	m.Transitions = ts
	if m.Firing != nil {
		fs := append([]Alert(nil), m.Firing...)
		for i := range fs {
			get(&fs[i])
		}
		m.Firing = fs
	}
}
