package history

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// ClustersSchema identifies the document WriteClustersJSON writes.
const ClustersSchema = "ksnap.history.clusters/v1"

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

// WriteClustersText writes the fleet view as an aligned table, one row per
// cluster ("-" for records without a cluster).
func WriteClustersText(w io.Writer, stats []ClusterStat) error {
	bw := bufio.NewWriter(w)
	if len(stats) == 0 {
		fmt.Fprintln(bw, "No records found.")
		return bw.Flush()
	}
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tRECORDS\tOK\tWARN\tERROR\tUNKNOWN\tLAST\tHEALTH\tSTREAK\tSINCE")
	for _, s := range stats {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%d\t%s\n", dash(tabSafe(s.Cluster)), s.Records,
			s.Counts.OK, s.Counts.Warn, s.Counts.Error, s.Counts.Unknown, displayTime(s.Last), s.Level,
			s.Streak.Records, displayTime(s.Streak.Since))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteClustersJSON writes {"schema", "clusters", "corrupt_lines"}.
func WriteClustersJSON(w io.Writer, stats []ClusterStat, corrupt int) error {
	if stats == nil {
		stats = []ClusterStat{}
	}
	return writeJSON(w, struct {
		Schema       string        `json:"schema"`
		Clusters     []ClusterStat `json:"clusters"`
		CorruptLines int           `json:"corrupt_lines"`
	}{ClustersSchema, stats, corrupt})
}
