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
	errs, err := items(member, "Event", data, func(n int) { out = make([]model.Event, 0, n) }, func(i int, it gjson.Result) *ItemError {
		p.reset(member, i)
		var e model.Event
		objField := p.event(&e, it)
		if p.err == nil && e.Object.Name == "" {
			p.fail(objField+".name", ErrMissing)
		}
		if p.err != nil {
			return p.err
		}
		out = append(out, e)
		return nil
	})
	return out, errs, err
}

// event reads one event and returns the name of its object field
// (involvedObject or regarding), for error messages.
func (p *item) event(e *model.Event, it gjson.Result) string {
	objField := "involvedObject"
	var count, seriesCount, deprecatedCount model.OptInt
	var depFirst, depLast = gjson.Result{}, gjson.Result{}
	it.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "kind":
			p.kind("Event", v)
		case "apiVersion":
			if strings.HasPrefix(p.str("apiVersion", v), "events.k8s.io/") {
				e.Shape = model.EventEventsV1
			}
		case "metadata":
			if p.isObject("metadata", v) {
				v.ForEach(func(mk, mv gjson.Result) bool {
					switch mk.Str {
					case "name":
						e.Name = p.str("metadata.name", mv)
					case "namespace":
						e.Namespace = p.str("metadata.namespace", mv)
					case "creationTimestamp":
						e.Created = p.timestamp("metadata.creationTimestamp", mv)
					}
					return p.err == nil
				})
			}
		case "type":
			e.Type = p.str("type", v)
		case "reason":
			e.Reason = p.str("reason", v)
		case "message":
			if m := p.str("message", v); m != "" {
				e.Message = m
			}
		case "note":
			e.Shape = model.EventEventsV1
			if m := p.str("note", v); m != "" {
				e.Message = m
			}
		case "involvedObject":
			if p.isObject("involvedObject", v) {
				e.Object = p.objectRef("involvedObject", v)
			}
		case "regarding":
			e.Shape = model.EventEventsV1
			objField = "regarding"
			if p.isObject("regarding", v) {
				e.Object = p.objectRef("regarding", v)
			}
		case "firstTimestamp":
			e.First = p.timestamp("firstTimestamp", v)
		case "lastTimestamp":
			e.Last = p.timestamp("lastTimestamp", v)
		case "deprecatedFirstTimestamp":
			depFirst = v
		case "deprecatedLastTimestamp":
			depLast = v
		case "eventTime":
			e.EventTime = p.timestamp("eventTime", v)
		case "count":
			count = p.optInt("count", v)
		case "deprecatedCount":
			deprecatedCount = p.optInt("deprecatedCount", v)
		case "series":
			if p.isObject("series", v) {
				v.ForEach(func(sk, sv gjson.Result) bool {
					switch sk.Str {
					case "count":
						seriesCount = p.optInt("series.count", sv)
					case "lastObservedTime":
						e.SeriesLast = p.timestamp("series.lastObservedTime", sv)
					}
					return p.err == nil
				})
			}
		case "source", "deprecatedSource":
			if p.isObject(k.Str, v) && e.Source == "" {
				p.sub1 = k.Str
				e.Source = p.str("component", v.Get("component"))
				p.sub1 = ""
			}
		case "reportingController", "reportingComponent":
			if s := p.str(k.Str, v); s != "" {
				e.Source = s
			}
		}
		return p.err == nil
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
	return objField
}

func (p *item) objectRef(field string, v gjson.Result) model.ObjectRef {
	var r model.ObjectRef
	p.sub1 = field
	v.ForEach(func(k, f gjson.Result) bool {
		switch k.Str {
		case "kind":
			r.Kind = p.str("kind", f)
		case "namespace":
			r.Namespace = p.str("namespace", f)
		case "name":
			r.Name = p.str("name", f)
		case "uid":
			r.UID = p.str("uid", f)
		}
		return p.err == nil
	})
	p.sub1 = ""
	return r
}
