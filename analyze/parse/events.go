package parse

import (
	"strings"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/tidwall/gjson"
)

// Events parses an events member in either API shape: core/v1 (kubectl get
// events: involvedObject, message, count, firstTimestamp/lastTimestamp,
// source) or events.k8s.io/v1 and v1beta1 (regarding, note, series.count,
// eventTime, reportingController, deprecated* fields). Items whose kind is
// set must be Event. Every item needs the name of the object it is about
// (involvedObject.name or regarding.name); an item without it is skipped,
// never the whole member (seed weakness W6).
func Events(member string, data []byte) ([]model.Event, []*ItemError, error) {
	var out []model.Event
	var p item
	errs, err := items(member, data, func(n int) { out = append(make([]model.Event, 0, n), out...) }, func(s string, n, at int) (int, *ItemError) {
		p.reset(s, member, n)
		e := push(&out)
		objField, end := p.event(e, at)
		if p.err == nil && e.Object.Name == "" {
			p.fail(objField+".name", ErrMissing)
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

// event reads one event and returns the name of its object field
// (involvedObject or regarding), for error messages.
func (p *item) event(e *model.Event, at int) (string, int) {
	objField := "involvedObject"
	var count, seriesCount, deprecatedCount model.OptInt
	var depFirst, depLast gjson.Result
	end := object(p.s, at, func(k string, i int) int {
		switch k {
		case "kind":
			return p.kind("Event", i)
		case "apiVersion":
			var v string
			end := p.strAt("apiVersion", i, &v)
			if strings.HasPrefix(v, "events.k8s.io/") {
				e.Shape = model.EventEventsV1
			}
			return end
		case "metadata":
			if !p.obj("metadata", i) {
				break
			}
			return object(p.s, i, func(mk string, mi int) int {
				switch mk {
				case "name":
					return p.strAt("metadata.name", mi, &e.Name)
				case "namespace":
					return p.strAt("metadata.namespace", mi, &e.Namespace)
				case "creationTimestamp":
					r, end := p.val(mi)
					e.Created = p.timestamp("metadata.creationTimestamp", r)
					return end
				}
				return skip(p.s, mi)
			})
		case "type":
			return p.strAt("type", i, &e.Type)
		case "reason":
			return p.strAt("reason", i, &e.Reason)
		case "message", "note":
			if k == "note" {
				e.Shape = model.EventEventsV1
			}
			var m string
			end := p.strAt(k, i, &m)
			if m != "" {
				e.Message = m
			}
			return end
		case "involvedObject", "regarding":
			if k == "regarding" {
				e.Shape = model.EventEventsV1
				objField = "regarding"
			}
			if p.obj(k, i) {
				return p.objectRef(k, i, &e.Object)
			}
		case "firstTimestamp":
			r, end := p.val(i)
			e.First = p.timestamp("firstTimestamp", r)
			return end
		case "lastTimestamp":
			r, end := p.val(i)
			e.Last = p.timestamp("lastTimestamp", r)
			return end
		case "deprecatedFirstTimestamp":
			var end int
			depFirst, end = p.val(i)
			return end
		case "deprecatedLastTimestamp":
			var end int
			depLast, end = p.val(i)
			return end
		case "eventTime":
			r, end := p.val(i)
			e.EventTime = p.timestamp("eventTime", r)
			return end
		case "count":
			return p.intAt("count", i, &count)
		case "deprecatedCount":
			return p.intAt("deprecatedCount", i, &deprecatedCount)
		case "series":
			if !p.obj("series", i) {
				break
			}
			return object(p.s, i, func(sk string, si int) int {
				switch sk {
				case "count":
					return p.intAt("series.count", si, &seriesCount)
				case "lastObservedTime":
					r, end := p.val(si)
					e.SeriesLast = p.timestamp("series.lastObservedTime", r)
					return end
				}
				return skip(p.s, si)
			})
		case "source", "deprecatedSource":
			if !p.obj(k, i) {
				break
			}
			p.sub1 = k
			end := object(p.s, i, func(sk string, si int) int {
				if sk == "component" {
					var c string
					end := p.strAt("component", si, &c)
					if e.Source == "" {
						e.Source = c
					}
					return end
				}
				return skip(p.s, si)
			})
			p.sub1 = ""
			return end
		case "reportingController", "reportingComponent":
			var c string
			end := p.strAt(k, i, &c)
			if c != "" {
				e.Source = c
			}
			return end
		}
		return skip(p.s, i)
	})
	if e.First.IsZero() && depFirst.Exists() {
		e.First = p.timestamp("deprecatedFirstTimestamp", depFirst)
	}
	if e.Last.IsZero() && depLast.Exists() {
		e.Last = p.timestamp("deprecatedLastTimestamp", depLast)
	}
	// The largest of the counts: a core/v1 read of a series event has
	// count 1 and series.count N.
	e.Count = 1
	for _, c := range []model.OptInt{count, seriesCount, deprecatedCount} {
		if c.Set && c.Val > e.Count {
			e.Count = c.Val
		}
	}
	return objField, end
}

func (p *item) objectRef(field string, at int, r *model.ObjectRef) int {
	p.sub1 = field
	end := object(p.s, at, func(k string, i int) int {
		switch k {
		case "kind":
			return p.strAt("kind", i, &r.Kind)
		case "namespace":
			return p.strAt("namespace", i, &r.Namespace)
		case "name":
			return p.strAt("name", i, &r.Name)
		case "uid":
			return p.strAt("uid", i, &r.UID)
		}
		return skip(p.s, i)
	})
	p.sub1 = ""
	return end
}
