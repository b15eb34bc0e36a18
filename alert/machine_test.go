package alert

import (
	"fmt"
	"testing"

	"github.com/ksnap/ksnap/history"
)

func TestMachine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		recs []history.Record
		want string
	}{
		{
			name: "fire on ERROR, resolve on OK",
			recs: []history.Record{rec(0, "a=OK"), rec(1, "a=ERROR"), rec(2, "a=ERROR"), rec(3, "a=OK")},
			want: "firing KsnapJobUnhealthy ns/a at=1 start=1 sev=error (ERROR)\n" +
				"resolved KsnapJobUnhealthy ns/a at=3 start=1 sev=error (back to OK)\n",
		},
		{
			name: "WARN neither fires nor resolves by default",
			recs: []history.Record{rec(0, "a=WARN"), rec(1, "a=ERROR"), rec(2, "a=WARN"), rec(3, "a=OK")},
			want: "firing KsnapJobUnhealthy ns/a at=1 start=1 sev=error (ERROR)\n" +
				"resolved KsnapJobUnhealthy ns/a at=3 start=1 sev=error (back to OK)\n",
		},
		{
			name: "on warn",
			opts: Options{Threshold: history.LevelWarn},
			recs: []history.Record{rec(0, "a=WARN"), rec(1, "a=ERROR"), rec(2, "a=OK")},
			want: "firing KsnapJobUnhealthy ns/a at=0 start=0 sev=warning (WARN)\n" +
				"resolved KsnapJobUnhealthy ns/a at=2 start=0 sev=warning (back to OK)\n",
		},
		{
			name: "UNKNOWN and partial captures neither fire nor resolve",
			recs: []history.Record{
				rec(0, "a=ERROR"), rec(1, "!UNKNOWN"), rec(2, "a=OK", "+partial"), rec(3, "a=UNKNOWN"), rec(4, "a=OK"),
				rec(5, "a=ERROR", "+partial"),
			},
			want: "firing KsnapJobUnhealthy ns/a at=0 start=0 sev=error (ERROR)\n" +
				"resolved KsnapJobUnhealthy ns/a at=4 start=0 sev=error (back to OK)\n",
		},
		{
			name: "for 2: a single ERROR does not fire; startsAt is the first ERROR",
			opts: Options{For: 2},
			recs: []history.Record{rec(0, "a=ERROR"), rec(1, "a=OK"), rec(2, "a=ERROR"), rec(3, "!UNKNOWN"), rec(4, "a=ERROR"), rec(5, "a=OK")},
			want: "firing KsnapJobUnhealthy ns/a at=4 start=2 sev=error (ERROR in 2 records in a row)\n" +
				"resolved KsnapJobUnhealthy ns/a at=5 start=2 sev=error (back to OK)\n",
		},
		{
			name: "keep firing for 2: one OK between ERRORs does not resolve",
			opts: Options{KeepFiringFor: 2},
			recs: []history.Record{rec(0, "a=ERROR"), rec(1, "a=OK"), rec(2, "a=ERROR"), rec(3, "a=OK"), rec(4, "a=OK")},
			want: "firing KsnapJobUnhealthy ns/a at=0 start=0 sev=error (ERROR)\n" +
				"resolved KsnapJobUnhealthy ns/a at=4 start=0 sev=error (back to OK)\n",
		},
		{
			name: "a CronJob's newer successful run resolves; the old failed run may stay listed",
			recs: []history.Record{
				rec(0, "etl-100@etl=ERROR"),
				rec(1, "etl-100@etl=ERROR", "etl-105@etl=OK/RUNNING"),
				rec(2, "etl-100@etl=ERROR", "etl-105@etl=OK"),
			},
			want: "firing KsnapJobUnhealthy ns/etl at=0 start=0 sev=error (ERROR)\n" +
				"resolved KsnapJobUnhealthy ns/etl at=2 start=0 sev=error (back to OK)\n",
		},
		{
			name: "a CronJob whose failed run vanished and whose newer run is OK resolves",
			recs: []history.Record{rec(0, "etl-100@etl=ERROR"), rec(1, "etl-105@etl=OK")},
			want: "firing KsnapJobUnhealthy ns/etl at=0 start=0 sev=error (ERROR)\n" +
				"resolved KsnapJobUnhealthy ns/etl at=1 start=0 sev=error (back to OK)\n",
		},
		{
			name: "an owner absent from a later conclusive record resolves; absent from an UNKNOWN one does not",
			recs: []history.Record{rec(0, "a=ERROR", "b=OK"), rec(1, "!UNKNOWN"), rec(2, "b=OK")},
			want: "firing KsnapJobUnhealthy ns/a at=0 start=0 sev=error (ERROR)\n" +
				"resolved KsnapJobUnhealthy ns/a at=2 start=0 sev=error (no longer present)\n",
		},
		{
			name: "N UNKNOWNs in a row raise one stale alert, resolved by a conclusive capture",
			opts: Options{StaleAfter: 2},
			recs: []history.Record{rec(0, "a=OK"), rec(1, "!UNKNOWN"), rec(2, "!UNKNOWN"), rec(3, "!UNKNOWN"), rec(4, "a=OK", "+partial"), rec(5, "a=OK")},
			want: "firing KsnapCaptureStale ns at=2 start=1 sev=warning (2 inconclusive captures in a row)\n" +
				"resolved KsnapCaptureStale ns at=5 start=1 sev=warning (capture conclusive again)\n",
		},
		{
			name: "keys are independent and sorted within one record",
			recs: []history.Record{rec(0, "b=ERROR", "a=ERROR"), rec(1, "a=OK", "b=OK")},
			want: "firing KsnapJobUnhealthy ns/a at=0 start=0 sev=error (ERROR)\n" +
				"firing KsnapJobUnhealthy ns/b at=0 start=0 sev=error (ERROR)\n" +
				"resolved KsnapJobUnhealthy ns/a at=1 start=0 sev=error (back to OK)\n" +
				"resolved KsnapJobUnhealthy ns/b at=1 start=0 sev=error (back to OK)\n",
		},
		{
			name: "records are taken in capture-time order, not store order",
			recs: []history.Record{rec(1, "a=OK"), rec(0, "a=ERROR")},
			want: "firing KsnapJobUnhealthy ns/a at=0 start=0 sev=error (ERROR)\n" +
				"resolved KsnapJobUnhealthy ns/a at=1 start=0 sev=error (back to OK)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := evaluate(t, tt.opts, tt.recs...)
			if got := brief(res.Transitions); got != tt.want {
				t.Errorf("transitions:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestFiringAtEnd(t *testing.T) {
	t.Parallel()
	res := evaluate(t, Options{}, rec(0, "b=ERROR", "a=ERROR"), rec(1, "a=OK", "b=ERROR"), rec(2, "!UNKNOWN"))
	if len(res.Firing) != 1 {
		t.Fatalf("firing = %+v, want one", res.Firing)
	}
	a := res.Firing[0]
	if a.Key != (Key{Namespace: "ns", Owner: "b"}) || !a.StartsAt.Equal(at(0)) || !a.LastAt.Equal(at(2)) || a.Bundle != "b00.tar.zst" {
		t.Errorf("firing = %+v", a)
	}
	if got, want := a.Labels(), []Label{{"alertname", NameJob}, {"namespace", "ns"}, {"owner", "b"}, {"rule", "J1,P3"}, {"severity", "error"}}; !equalLabels(got, want) {
		t.Errorf("labels = %v, want %v", got, want)
	}
}

func equalLabels(a, b []Label) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTransitionIDs(t *testing.T) {
	t.Parallel()
	res := evaluate(t, Options{}, rec(0, "a=ERROR"), rec(1, "a=OK"), rec(2, "a=ERROR"))
	var got []string
	for _, tr := range res.Transitions {
		got = append(got, tr.ID())
	}
	want := []string{
		"firing|KsnapJobUnhealthy|ns/a||2026-01-02T03:00:00.000000000Z",
		"resolved|KsnapJobUnhealthy|ns/a||2026-01-02T03:00:00.000000000Z",
		"firing|KsnapJobUnhealthy|ns/a||2026-01-02T03:10:00.000000000Z",
	}
	if len(got) != len(want) {
		t.Fatalf("ids = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("id %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts Options
		want string
	}{
		{Options{}, ""},
		{Options{Threshold: "WARN", For: 2}, ""},
		{Options{Threshold: "OK"}, `threshold "OK": want ERROR or WARN`},
		{Options{For: -1}, "For, KeepFiringFor and StaleAfter must not be negative"},
	}
	for _, tt := range tests {
		err := tt.opts.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("Validate(%+v) = %q, want %q", tt.opts, got, tt.want)
		}
	}
}

// FuzzMachine checks the machine's invariants on any sequence of records:
// per alert, transitions alternate firing, resolved, firing...; every
// transition ID is unique; the alerts firing at the end are exactly those
// whose last transition fired.
func FuzzMachine(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(1), uint8(1), uint8(2))
	f.Add([]byte{3, 3, 3, 0, 0, 9, 9, 9, 1, 3}, uint8(2), uint8(2), uint8(0))
	f.Fuzz(func(t *testing.T, steps []byte, forN, keepN, stale uint8) {
		if len(steps) > 200 {
			steps = steps[:200]
		}
		levels := []string{"OK", "WARN", "ERROR", "UNKNOWN"}
		var recs []history.Record
		for i, b := range steps {
			var specs []string
			switch b % 10 {
			case 9:
				specs = []string{"!UNKNOWN"}
			case 8:
				specs = []string{"+partial", "a=" + levels[b/10%4]}
			default:
				// a always present, b sometimes, c rarely; CronJob runs vary.
				specs = append(specs, fmt.Sprintf("a-%d@a=%s", i, levels[b%4]))
				if b%3 != 0 {
					specs = append(specs, "b="+levels[(b/4)%4])
				}
				if b%7 == 0 {
					specs = append(specs, "c="+levels[(b/3)%4])
				}
			}
			recs = append(recs, rec(i, specs...))
		}
		opts := Options{For: int(forN % 4), KeepFiringFor: int(keepN % 4), StaleAfter: int(stale % 4)}
		if forN%2 == 1 {
			opts.Threshold = history.LevelWarn
		}
		res := evaluate(t, opts, recs...)
		ids := map[string]bool{}
		last := map[string]Kind{}
		for _, tr := range res.Transitions {
			id := tr.ID()
			if ids[id] {
				t.Fatalf("duplicate transition %s", id)
			}
			ids[id] = true
			k := tr.Alert.Name + " " + tr.Alert.Key.String()
			if prev, ok := last[k]; (ok && prev == tr.Kind) || (!ok && tr.Kind != KindFiring) {
				t.Fatalf("%s: %s after %q", k, tr.Kind, prev)
			}
			last[k] = tr.Kind
		}
		firing := map[string]bool{}
		for _, a := range res.Firing {
			firing[a.Name+" "+a.Key.String()] = true
		}
		for k, kind := range last {
			if (kind == KindFiring) != firing[k] {
				t.Fatalf("%s: last transition %s, firing at end %v", k, kind, firing[k])
			}
		}
	})
}
