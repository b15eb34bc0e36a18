package analyze

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/parse"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/gen"
)

// TestDedupeAgreesWithOneMap: the chained dedupe gives exactly the groups,
// in exactly the order, of one map over every key, for random event lists
// with few objects, kinds, namespaces, uids, types and reasons (so groups
// merge), adjacent and scattered, and objects with long chains.
func TestDedupeAgreesWithOneMap(t *testing.T) {
	t0 := time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)
	for seed := uint64(0); seed < 300; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		nObj, nReason := 1+r.IntN(6), 1+r.IntN(3)
		if seed%10 == 0 {
			nReason = 60 // past maxChain
		}
		var evs []model.Event
		for i := 0; i < r.IntN(400); i++ {
			o := r.IntN(nObj)
			if r.IntN(3) == 0 && i > 0 { // repeat the previous object: kubectl's order
				evs = append(evs, evs[len(evs)-1])
				evs[len(evs)-1].Reason = fmt.Sprint("R", r.IntN(nReason))
				evs[len(evs)-1].Count = int64(1 + r.IntN(3))
				evs[len(evs)-1].Last = t0.Add(time.Duration(r.IntN(100)) * time.Second)
				continue
			}
			e := model.Event{
				Namespace: []string{"", "a", "b"}[r.IntN(3)],
				Type:      []string{"Normal", "Warning"}[r.IntN(2)],
				Reason:    fmt.Sprint("R", r.IntN(nReason)),
				Message:   fmt.Sprint("m", i),
				Source:    []string{"", "kubelet"}[r.IntN(2)],
				Count:     int64(1 + r.IntN(3)),
				Object: model.ObjectRef{
					Kind:      []string{"Pod", "Job"}[(o+r.IntN(2)*int(seed%2))%2], // odd seeds: one name, both kinds
					Name:      fmt.Sprint("obj", o),
					Namespace: []string{"", "a"}[r.IntN(2)],
					UID:       []string{"", "u1", "u2"}[r.IntN(3)],
				},
			}
			if r.IntN(4) > 0 {
				e.First = t0.Add(time.Duration(r.IntN(100)) * time.Second)
			}
			if r.IntN(4) > 0 {
				e.Last = t0.Add(time.Duration(r.IntN(100)) * time.Second)
			}
			evs = append(evs, e)
		}
		want := derefGroups(dedupeMap(evs, "def"))
		groups, objs := dedupe(evs, "def")
		got := derefGroups(groups)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: %d events: chained dedupe gives %d groups, one map %d:\n got %+v\nwant %+v", seed, len(evs), len(got), len(want), got, want)
		}
		// objs names the same index exactly for the groups of one object.
		if len(objs) != len(groups) {
			t.Fatalf("seed %d: %d groups, %d object indexes", seed, len(groups), len(objs))
		}
		for i, gi := range groups {
			for j, gj := range groups {
				same := gi.Kind == gj.Kind && gi.Namespace == gj.Namespace && gi.Name == gj.Name && gi.UID == gj.UID
				if (objs[i] == objs[j]) != same {
					t.Fatalf("seed %d: groups %d and %d: object indexes %d and %d, same object %v", seed, i, j, objs[i], objs[j], same)
				}
			}
		}
	}
}

func generatedEvents(b *testing.B) []model.Event {
	g := gen.Generate(gen.Options{Pods: 10000})
	for _, m := range g.Members {
		if m.Name == bundle.EventsMember {
			evs, _, err := parse.Events(m.Name, m.Data)
			if err != nil {
				b.Fatal(err)
			}
			return evs
		}
	}
	b.Fatal("no events member")
	return nil
}

func BenchmarkDedupe(b *testing.B) {
	evs := generatedEvents(b)
	b.Run("chained", func(b *testing.B) {
		for b.Loop() {
			dedupe(evs, "batch")
		}
	})
	b.Run("one-map", func(b *testing.B) {
		for b.Loop() {
			dedupeMap(evs, "batch")
		}
	})
}
