package bundle

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// RetentionPolicy is a restic-forget-style policy, applied per namespace.
// Each count keeps the newest bundle of each of the last N periods (or the
// last N bundles) that have bundles; a bundle kept by several rules is kept
// once and lists every reason.
type RetentionPolicy struct {
	Last   int
	Daily  int
	Weekly int
}

// ErrEmptyPolicy is returned when a policy keeps nothing.
var ErrEmptyPolicy = errors.New("empty retention policy: it would remove every bundle")

// Decision is what a policy decided for one bundle.
type Decision struct {
	Entry
	Keep bool
	// Reasons say why a bundle is kept ("last 3", "daily 2025-11-16",
	// "weekly 2025-W47"), or, for a removed one, "not matched by the policy".
	Reasons []string
}

// ApplyRetention decides for each bundle (as listed by List) whether the
// policy keeps it, by its capture time, never the file's mtime. An entry
// whose capture time is unknown (Entry.Err set) is always kept, with the
// reason "capture time unknown". Decisions are returned sorted by
// namespace, then time, then name (oldest first, as restic lists them);
// the unknown ones last, by name.
func ApplyRetention(files []Entry, p RetentionPolicy) ([]Decision, error) {
	if p.Last < 0 || p.Daily < 0 || p.Weekly < 0 {
		return nil, fmt.Errorf("retention counts must not be negative")
	}
	if p.Last == 0 && p.Daily == 0 && p.Weekly == 0 {
		return nil, ErrEmptyPolicy
	}
	var ds, unknown []Decision
	for _, f := range files {
		if f.Err != nil {
			unknown = append(unknown, Decision{Entry: f, Keep: true, Reasons: []string{"capture time unknown"}})
			continue
		}
		ds = append(ds, Decision{Entry: f})
	}
	// Newest first within each namespace for the bucket walk.
	sort.Slice(ds, func(i, j int) bool { return oldestFirst(ds[j], ds[i]) })
	type rule struct {
		name  string
		n     int
		key   func(time.Time) string
		count int
		last  string
	}
	for start := 0; start < len(ds); {
		end := start
		for end < len(ds) && ds[end].Namespace == ds[start].Namespace {
			end++
		}
		rules := []*rule{
			{name: "last", n: p.Last, key: func(t time.Time) string { return "" }},
			{name: "daily", n: p.Daily, key: func(t time.Time) string { return t.Format("2006-01-02") }},
			{name: "weekly", n: p.Weekly, key: func(t time.Time) string {
				y, w := t.ISOWeek()
				return strconv.Itoa(y) + "-W" + fmt.Sprintf("%02d", w)
			}},
		}
		for i := start; i < end; i++ {
			d := &ds[i]
			for _, r := range rules {
				if r.count >= r.n {
					continue
				}
				if r.name == "last" {
					r.count++
					d.Keep = true
					d.Reasons = append(d.Reasons, fmt.Sprintf("last %d", r.count))
					continue
				}
				k := r.key(d.Time)
				if r.count > 0 && k == r.last {
					continue
				}
				r.count++
				r.last = k
				d.Keep = true
				d.Reasons = append(d.Reasons, r.name+" "+k)
			}
			if !d.Keep {
				d.Reasons = []string{"not matched by the policy"}
			}
		}
		start = end
	}
	sort.Slice(ds, func(i, j int) bool { return oldestFirst(ds[i], ds[j]) })
	sort.SliceStable(unknown, func(i, j int) bool { return unknown[i].Name < unknown[j].Name })
	return append(ds, unknown...), nil
}

// oldestFirst orders decisions by namespace, then time, then name.
func oldestFirst(a, b Decision) bool {
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	return a.Name < b.Name
}
