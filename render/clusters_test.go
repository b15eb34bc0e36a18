package render_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/memstore"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/text"
)

func TestByCluster(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	st := memstore.New("mem", nil)
	var recs []history.Record
	for i, c := range []struct{ cluster, health string }{
		{"prod-us", "OK"}, {"prod-eu", "ERROR"}, {"", "OK"}, {"prod-eu", "WARN"},
		{"prod-us", "ERROR"}, {"prod-eu", "WARN"}, {"prod-us", "ERROR"}, {"prod-eu", "bogus"},
	} {
		recs = append(recs, history.NewRecord(history.Input{
			CapturedAt: at.Add(time.Duration(i) * 5 * time.Minute), Namespace: "batch", OverallHealth: c.health, Cluster: c.cluster,
		}))
	}
	if _, err := st.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	got, _, err := history.ByCluster(context.Background(), st, history.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := text.HistoryClusters(&buf, got); err != nil {
		t.Fatal(err)
	}
	want := `CLUSTER  RECORDS  OK  WARN  ERROR  UNKNOWN  LAST                  HEALTH   STREAK  SINCE
-        1        1   0     0      0        2026-11-01T12:10:00Z  OK       1       2026-11-01T12:10:00Z
prod-eu  4        0   2     1      1        2026-11-01T12:35:00Z  UNKNOWN  1       2026-11-01T12:35:00Z
prod-us  3        1   0     2      0        2026-11-01T12:30:00Z  ERROR    2       2026-11-01T12:20:00Z
`
	if buf.String() != want {
		t.Errorf("WriteClustersText =\n%s\nwant\n%s", buf.String(), want)
	}
	one, _, err := history.ByCluster(context.Background(), st, history.Filter{Cluster: "prod-us"})
	if err != nil || len(one) != 1 || one[0] != got[2] {
		t.Errorf("ByCluster(prod-us) = %+v, %v; want %+v", one, err, got[2])
	}
	buf.Reset()
	if err := json.HistoryClusters(&buf, nil, 0); err != nil || buf.String() != "{\n  \"schema\": \"ksnap.history.clusters/v1\",\n  \"clusters\": [],\n  \"corrupt_lines\": 0\n}\n" {
		t.Errorf("empty JSON = %q, %v", buf.String(), err)
	}
}
