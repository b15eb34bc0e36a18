package history

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// bundleName matches a bundle file name as written by capture:
// YYYYMMDDTHHMMSSZ-<namespace>-<8 hex>.tar.zst.
var bundleName = regexp.MustCompile(`^(\d{8}T\d{6}Z)-(.+)-([0-9a-f]{8})\.tar\.zst$`)

// BundleFile is a bundle identified by its file name alone.
type BundleFile struct {
	// Name is the file name, without directories.
	Name      string
	Time      time.Time
	Namespace string
}

// ParseBundleName parses a bundle file name (without directories). The
// time comes from the name, never from the file's mtime.
func ParseBundleName(name string) (BundleFile, error) {
	m := bundleName.FindStringSubmatch(name)
	if m == nil {
		return BundleFile{}, fmt.Errorf("%s: not a bundle file name (want YYYYMMDDTHHMMSSZ-NAMESPACE-XXXXXXXX.tar.zst)", name)
	}
	t, err := time.ParseInLocation("20060102T150405Z", m[1], time.UTC)
	if err != nil {
		return BundleFile{}, fmt.Errorf("%s: bad capture time in the name: %w", name, err)
	}
	return BundleFile{Name: name, Time: t, Namespace: m[2]}, nil
}

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
var ErrEmptyPolicy = errors.New("empty policy: set at least one of --keep-last, --keep-daily, --keep-weekly (refusing to remove every bundle)")

// Decision is what a policy decided for one bundle.
type Decision struct {
	BundleFile
	Keep bool
	// Reasons say why a bundle is kept ("last 3", "daily 2025-11-16",
	// "weekly 2025-W47"), or, for a removed one, "not matched by the policy".
	Reasons []string
}

// ApplyRetention decides for each bundle whether the policy keeps it.
// Decisions are returned sorted by namespace, then time, then name (oldest
// first, as restic lists them).
func ApplyRetention(files []BundleFile, p RetentionPolicy) ([]Decision, error) {
	if p.Last < 0 || p.Daily < 0 || p.Weekly < 0 {
		return nil, fmt.Errorf("retention counts must not be negative")
	}
	if p.Last == 0 && p.Daily == 0 && p.Weekly == 0 {
		return nil, ErrEmptyPolicy
	}
	ds := make([]Decision, len(files))
	for i, f := range files {
		ds[i] = Decision{BundleFile: f}
	}
	// Newest first within each namespace for the bucket walk.
	sort.Slice(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.After(b.Time)
		}
		return a.Name > b.Name
	})
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
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return a.Name < b.Name
	})
	return ds, nil
}
