package parse

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
)

func TestQuantity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in           string
		milli, value int64
		wantErr      bool
	}{
		{in: "0", milli: 0, value: 0},
		{in: "1", milli: 1000, value: 1},
		{in: "250m", milli: 250, value: 1},
		{in: "0.25", milli: 250, value: 1},
		{in: "1.5", milli: 1500, value: 2},
		{in: "12345678n", milli: 13, value: 1},
		{in: "500u", milli: 1, value: 1},
		{in: "1k", milli: 1_000_000, value: 1000},
		{in: "1Ki", milli: 1_024_000, value: 1024},
		{in: "64Mi", milli: 67_108_864_000, value: 67_108_864},
		{in: "2Gi", milli: 2_147_483_648_000, value: 2_147_483_648},
		{in: "1M", milli: 1_000_000_000, value: 1_000_000},
		{in: "1G", milli: 1_000_000_000_000, value: 1_000_000_000},
		{in: "1e3", milli: 1_000_000, value: 1000},
		{in: "1E3", milli: 1_000_000, value: 1000},
		{in: "5e-3", milli: 5, value: 1},
		{in: "+2", milli: 2000, value: 2},
		{in: "-1", milli: -1000, value: -1},
		{in: ".5", milli: 500, value: 1},
		{in: "", wantErr: true},
		{in: "m", wantErr: true},
		{in: "1x", wantErr: true},
		{in: "1mi", wantErr: true},
		{in: "1e", wantErr: true},
		{in: "1e+-3", wantErr: true},
		{in: "1.2.3", wantErr: true},
		{in: " 1", wantErr: true},
		{in: "9Ei", wantErr: true}, // milli out of range
	}
	for _, tt := range tests {
		milli, err := MilliQuantity(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrQuantity) {
				t.Errorf("MilliQuantity(%q) = %d, %v; want ErrQuantity", tt.in, milli, err)
			}
			continue
		}
		value, err2 := Quantity(tt.in)
		if err != nil || err2 != nil || milli != tt.milli || value != tt.value {
			t.Errorf("%q: milli %d (%v), value %d (%v); want %d, %d", tt.in, milli, err, value, err2, tt.milli, tt.value)
		}
	}
}

func FuzzQuantity(f *testing.F) {
	for _, s := range []string{"250m", "1Ki", "64Mi", "1e3", "12345678n", "-0.5", "9Ei", "1E"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := MilliQuantity(s)
		if err != nil {
			if !errors.Is(err, ErrQuantity) || !strings.Contains(err.Error(), "quantity") {
				t.Fatalf("%q: error %v does not wrap ErrQuantity", s, err)
			}
			return
		}
		v, err := Quantity(s)
		if err != nil {
			t.Fatalf("%q: milli %d but Quantity: %v", s, m, err)
		}
		// Rounded up both ways: v-1 < m/1000 <= v.
		if m > v*1000 || m <= (v-1)*1000 {
			t.Fatalf("%q: milli %d and value %d disagree", s, m, v)
		}
	})
}

const podMetricsJSON = `{"apiVersion":"v1","kind":"List","items":[
 {"kind":"PodMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"b","namespace":"ns"},
  "timestamp":"2025-11-16T09:59:50Z","window":"10.5s","containers":[
   {"name":"side","usage":{"cpu":"0","memory":"1Mi"}},
   {"name":"main","usage":{"cpu":"498765432n","memory":"120000Ki"}}]},
 {"kind":"PodMetrics","metadata":{"name":"a","namespace":"ns"},"timestamp":"2025-11-16T09:59:40Z","window":"15s",
  "containers":[{"name":"main","usage":{"memory":"1Gi"}}]},
 {"kind":"PodMetrics","metadata":{"name":"bad-cpu","namespace":"ns"},"containers":[{"name":"main","usage":{"cpu":"lots"}}]},
 {"kind":"Pod","metadata":{"name":"wrong-kind"}},
 {"kind":"PodMetrics","metadata":{"name":"bad-time"},"timestamp":"yesterday"}
]}`

func TestPodMetrics(t *testing.T) {
	t.Parallel()
	got, errs, err := PodMetrics("metrics/podmetrics.json", []byte(podMetricsJSON))
	if err != nil {
		t.Fatal(err)
	}
	want := []model.PodUsage{
		{Namespace: "ns", Name: "a", Timestamp: time.Date(2025, 11, 16, 9, 59, 40, 0, time.UTC), Window: 15 * time.Second,
			Containers: []model.ContainerUsage{{Name: "main", Memory: model.Some(1 << 30)}}},
		{Namespace: "ns", Name: "b", Timestamp: time.Date(2025, 11, 16, 9, 59, 50, 0, time.UTC), Window: 10500 * time.Millisecond,
			Containers: []model.ContainerUsage{
				{Name: "main", CPU: model.Some(499), Memory: model.Some(120000 * 1024)},
				{Name: "side", CPU: model.Some(0), Memory: model.Some(1 << 20)}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	wantErrs := []string{
		`member metrics/podmetrics.json: item 2: field containers[0].usage.cpu: not a resource quantity: "lots"`,
		`member metrics/podmetrics.json: item 3: field kind: wrong kind: "Pod", want "PodMetrics"`,
		`member metrics/podmetrics.json: item 4: field timestamp: not an RFC 3339 time`,
	}
	if !reflect.DeepEqual(msgs, wantErrs) {
		t.Errorf("errors\n%q\nwant\n%q", msgs, wantErrs)
	}
	if _, _, err := PodMetrics("m", []byte("NAME CPU")); !errors.Is(err, ErrSyntax) {
		t.Errorf("table output: %v", err)
	}
}

func TestPodResources(t *testing.T) {
	t.Parallel()
	pods := `{"kind":"List","items":[
	 {"metadata":{"name":"p","namespace":"ns"},"spec":{"containers":[
	   {"name":"main","resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"1","memory":"128Mi"}}},
	   {"name":"side"},
	   {"name":"odd","resources":{"limits":{"memory":"lots"}}}]}},
	 {"metadata":{"namespace":"ns"}}]}`
	got, err := PodResources("pods.json", []byte(pods))
	if err != nil {
		t.Fatal(err)
	}
	want := []model.PodResources{{Namespace: "ns", Name: "p", Containers: []model.NamedResources{
		{Name: "main", Resources: model.Resources{CPURequest: model.Some(100), CPULimit: model.Some(1000), MemoryRequest: model.Some(64 << 20), MemoryLimit: model.Some(128 << 20)}},
		{Name: "side"}, {Name: "odd"},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
