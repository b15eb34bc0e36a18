package history

import (
	"context"
	"sort"
	"strings"
	"time"
)

// ClusterStat is one cluster's line of the fleet view: how many records,
// their verdicts, and where the cluster stands (its last record and the run
// of equal verdicts it ends).
type ClusterStat struct {
	// Cluster is the name, "" for records without one.
	Cluster string      `json:"cluster"`
	Records int         `json:"records"`
	Counts  LevelCounts `json:"counts"`
	// Last is the time of the cluster's last record (store order) and
	// Level its overall health.
	Last  time.Time `json:"last"`
	Level string    `json:"level"`
	// Streak is the run of records with Level that ends the cluster's
	// history.
	Streak Streak `json:"streak"`
}

// add counts one record of level lv (one of the four levels).
func (c *LevelCounts) add(lv string) {
	switch lv {
	case LevelOK:
		c.OK++
	case LevelWarn:
		c.Warn++
	case LevelError:
		c.Error++
	default:
		c.Unknown++
	}
}

// ByCluster folds the records of st that match f into one ClusterStat per
// cluster in one scan, sorted by cluster name ("" first).
func ByCluster(ctx context.Context, st Store, f Filter) ([]ClusterStat, Corrupt, error) {
	by := map[string]*ClusterStat{}
	c, err := st.Scan(ctx, f, func(r *Record) error {
		s := by[r.Cluster]
		if s == nil {
			s = &ClusterStat{Cluster: strings.Clone(r.Cluster)}
			by[s.Cluster] = s
		}
		lv := r.Level()
		s.Records++
		s.Counts.add(lv)
		if s.Level == lv {
			s.Streak.Records++
		} else {
			s.Streak = Streak{Level: lv, Since: r.Time, Records: 1}
		}
		s.Last, s.Level = r.Time, lv
		return nil
	})
	if err != nil {
		return nil, c, err
	}
	out := make([]ClusterStat, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cluster < out[j].Cluster })
	return out, c, nil
}
