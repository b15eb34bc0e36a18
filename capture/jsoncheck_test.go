package capture

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/internal/jsonlimit"
	"github.com/tidwall/gjson"
)

// streamCheck feeds data to a jsonCheck in pieces of the given sizes
// (cycled) and returns its verdict.
func streamCheck(data []byte, maxDepth, maxString int, pieces []int) (string, bool) {
	v := newJSONCheck(maxDepth, maxString)
	for i, k := 0, 0; i < len(data); k++ {
		n := min(pieces[k%len(pieces)], len(data)-i)
		v.Write(data[i : i+n])
		i += n
	}
	limit, valid := v.problem()
	if limit != nil {
		return limit.Error(), false
	}
	return "", valid
}

// refCheck is checkJSON with other limits: jsonlimit on the whole
// document first, then gjson.
func refCheck(data []byte, maxDepth, maxString int) (string, bool) {
	if err := jsonlimit.CheckLimits(data, maxDepth, maxString); err != nil {
		return err.Error(), false
	}
	return "", gjson.ValidBytes(data)
}

func streamValid(data []byte, piece int) bool {
	limit, valid := streamCheck(data, jsonlimit.MaxDepth, jsonlimit.MaxString, []int{piece})
	return limit == "" && valid
}

// TestJSONCheckMatchesGjson: within the limits, the checker accepts exactly
// what gjson.ValidBytes accepts, whatever the cut into pieces.
func TestJSONCheckMatchesGjson(t *testing.T) {
	t.Parallel()
	docs := []string{
		``, ` `, `{}`, `[]`, `[`, `]`, `{"a":1}`, `{"a":1,}`, `[1,]`, `[,1]`, `{"a" : [ true , false , null ] }`,
		`0`, `-0`, `-`, `01`, `1.`, `1.5`, `1e`, `1e+`, `1e+5`, `1E-05`, `-1.5e3`, `1.e3`, `.5`, `+1`,
		`"a"`, `"a`, `"\u00e9"`, `"\u00g9"`, `"\x"`, "\"a\tb\"", `"\/\b\f\n\r\t\"\\"`, "\"é\xff\"",
		`true`, `tru`, `truex`, `nul`, `null null`, `{"a":1}{}`, `[1 2]`, `{"a" "b"}`, `{1:2}`, `{"a":}`,
		"\r\n\t {\"k\":[{},[],\"\",0]} \n", `[[[[[]]]]]`, `[[[[[]]]]`, `{"a":{"b":{"c":[1,{"d":"e"}]}}}`,
		`"abc"  x`, `[-]`, `[-a]`, `[0.]`, `[0e]`, `[1,2,3]`, `{"":""}`,
	}
	for _, d := range docs {
		want := gjson.Valid(d)
		for _, piece := range []int{1, 2, 3, 5, 1 << 20} {
			if got := streamValid([]byte(d), piece); got != want {
				t.Errorf("%q in pieces of %d: valid %v, gjson says %v", d, piece, got, want)
			}
		}
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("[]{}\",:\\ 01-.eE+tuflsanrx\n")
	for range 50000 {
		b := make([]byte, rng.Intn(24))
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		want := gjson.ValidBytes(b)
		if got := streamValid(b, 1+rng.Intn(4)); got != want {
			t.Fatalf("%q: valid %v, gjson says %v", b, got, want)
		}
	}
	// Long strings and whitespace runs (the eight-byte paths), with any byte.
	fill := []byte(" \t\n\rab\"\\\x00\x1f\x7f\x80\xff/u0")
	for range 50000 {
		b := []byte(`[ "`)
		for range rng.Intn(40) {
			b = append(b, fill[rng.Intn(len(fill))])
		}
		b = append(b, `" ,`...)
		for range rng.Intn(20) {
			b = append(b, " \t\n\r"[rng.Intn(4)])
		}
		b = append(b, "1]"[:1+rng.Intn(2)]...)
		want := gjson.ValidBytes(b)
		if got := streamValid(b, 1+rng.Intn(64)); got != want {
			t.Fatalf("%q: valid %v, gjson says %v", b, got, want)
		}
	}
	// A kubectl-like document, indented, cut at every length.
	doc, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "items": []any{
		map[string]any{"metadata": map[string]any{"name": "p-1", "labels": map[string]string{"a": "b\"c"}}, "n": -1.5e3, "ok": true, "x": nil},
	}, "kind": "List"}, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(doc) + 1 {
		if got, want := streamValid(doc[:n], 7), gjson.ValidBytes(doc[:n]); got != want {
			t.Fatalf("prefix of %d bytes: valid %v, gjson says %v", n, got, want)
		}
	}
}

// TestJSONCheckMatchesCheckJSON: with small limits, the checker gives
// checkJSON's verdict (the first limit passed, else gjson's), whatever the
// cut into pieces, in valid and invalid documents alike: a limit passed
// after a syntax error still comes first.
func TestJSONCheckMatchesCheckJSON(t *testing.T) {
	t.Parallel()
	docs := []string{
		``, `{}`, `[[[`, `[[[]]]`, `[[[[]]]]`, `"abc`, `"ab\`, `"abcdefgh"`, `"abcdefghi"`,
		`{"a":"\\\"xxxxxxxxxx"}`, `["0123456789abcdefghij"]`, `]]]]][[[[`, `[}[[[[[`, `tru"abcdefghijk"`,
		`{"a":[1,"]",{"b":"\\"}]}`, `"\"\"\"\"\"\"\"\"\""`, `[{"k":"v"},[[[[[[[[["x"]]]]]]]]]]`,
		"[\"a\x01bcdefghijkl\"]", `["\q[[[[[[["]`, `["\u12x[[[[[["]`, `{"k" 1, "abcdefghijkl"}`, `1 2 [[[[[[`,
		`["abcdefgh", "abcdefgh"]`, `{"abcdefgh":"abcdefghi"}`, `[[[[]]]] [[[[[`, `"abcdefgh\`, `"abcdefg\`,
	}
	pieceSets := [][]int{{1}, {2}, {3}, {7}, {8}, {9}, {1, 5, 2}, {1 << 20}}
	for _, d := range docs {
		wantLimit, wantValid := refCheck([]byte(d), 4, 8)
		for _, ps := range pieceSets {
			if gotLimit, gotValid := streamCheck([]byte(d), 4, 8, ps); gotLimit != wantLimit || gotValid != wantValid {
				t.Errorf("%q in pieces %v: got (%q, %v), want (%q, %v)", d, ps, gotLimit, gotValid, wantLimit, wantValid)
			}
		}
	}
	rng := rand.New(rand.NewSource(2))
	alphabet := []byte(`[]{}"\ab ,:01-e.tnu` + "\x01\n")
	for range 100000 {
		b := make([]byte, rng.Intn(64))
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		// Half of them start valid, so the hand-over comes late.
		if rng.Intn(2) == 0 {
			b = append([]byte(`{"k": ["abc", 1, {"x": null}], "l": `), b...)
		}
		ps := []int{1 + rng.Intn(10), 1 + rng.Intn(20)}
		wantLimit, wantValid := refCheck(b, 3, 6)
		if gotLimit, gotValid := streamCheck(b, 3, 6, ps); gotLimit != wantLimit || gotValid != wantValid {
			t.Fatalf("%q in pieces %v: got (%q, %v), want (%q, %v)", b, ps, gotLimit, gotValid, wantLimit, wantValid)
		}
	}
}

// TestJSONCheckRealLimits: the limits of checkJSON itself, at their edges.
func TestJSONCheckRealLimits(t *testing.T) {
	t.Parallel()
	deep := func(n int) []byte { return []byte(strings.Repeat("[", n) + strings.Repeat("]", n)) }
	long := func(n int) []byte { return []byte(`{"k": "` + strings.Repeat("x", n) + `"}`) }
	for _, d := range [][]byte{deep(jsonlimit.MaxDepth), deep(jsonlimit.MaxDepth + 1), long(jsonlimit.MaxString), long(jsonlimit.MaxString + 1)} {
		wantLimit, wantValid := refCheck(d, jsonlimit.MaxDepth, jsonlimit.MaxString)
		gotLimit, gotValid := streamCheck(d, jsonlimit.MaxDepth, jsonlimit.MaxString, []int{32 << 10, 4096})
		if gotLimit != wantLimit || gotValid != wantValid {
			t.Errorf("%d bytes: got (%q, %v), want (%q, %v)", len(d), gotLimit, gotValid, wantLimit, wantValid)
		}
	}
	if limit, _ := streamCheck(deep(jsonlimit.MaxDepth+1), jsonlimit.MaxDepth, jsonlimit.MaxString, []int{7}); limit == "" {
		t.Error("one level too deep was not refused")
	}
	if limit, _ := streamCheck(long(jsonlimit.MaxString+1), jsonlimit.MaxDepth, jsonlimit.MaxString, []int{7}); limit == "" {
		t.Error("a string one byte too long was not refused")
	}
}

// FuzzJSONCheck: the checker and checkJSON (with small limits, so that
// the fuzzer reaches them) agree on any input and any cut.
func FuzzJSONCheck(f *testing.F) {
	f.Add([]byte(`{"a":[1,-2.5e3,"\u00e9",true,null]}`), uint8(3))
	f.Add([]byte(`[01]`), uint8(1))
	f.Add([]byte(`[}[[[[[[[[[`), uint8(2))
	f.Add([]byte(`["\q", "abcdefghijklmnopq"]`), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, piece uint8) {
		ps := []int{int(piece%16) + 1}
		for _, lim := range [][2]int{{8, 16}, {jsonlimit.MaxDepth, jsonlimit.MaxString}} {
			wantLimit, wantValid := refCheck(data, lim[0], lim[1])
			if gotLimit, gotValid := streamCheck(data, lim[0], lim[1], ps); gotLimit != wantLimit || gotValid != wantValid {
				t.Fatalf("limits %v, pieces of %d: got (%q, %v), want (%q, %v)", lim, ps[0], gotLimit, gotValid, wantLimit, wantValid)
			}
		}
	})
}

// kubectlLike is an indented pod list in kubectl's shape (labels,
// managedFields, containers, conditions), about 2.4 KB per pod.
func kubectlLike(tb testing.TB, pods int) []byte {
	tb.Helper()
	items := make([]any, pods)
	for k := range items {
		name := fmt.Sprintf("job-%05d-abcde", k)
		items[k] = map[string]any{
			"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{
				"name": name, "namespace": "batch", "uid": "41b94ade-2944-4784-a8b3-1fe9d7d26644",
				"creationTimestamp": "2025-11-16T09:10:00Z", "resourceVersion": fmt.Sprint(100000 + k),
				"labels": map[string]string{"app": "gen", "batch.kubernetes.io/job-name": name, "controller-uid": "41b94ade-2944-4784-a8b3-1fe9d7d26644"},
				"managedFields": []any{map[string]any{"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kube-controller-manager", "operation": "Update",
					"fieldsV1": map[string]any{"f:metadata": map[string]any{"f:labels": map[string]any{".": map[string]any{}, "f:app": map[string]any{}}}}}},
				"ownerReferences": []any{map[string]any{"apiVersion": "batch/v1", "kind": "Job", "name": name, "controller": true, "blockOwnerDeletion": true}},
			},
			"spec": map[string]any{"restartPolicy": "Never", "containers": []any{map[string]any{"name": "main", "image": "busybox:1.36",
				"command": []string{"sh", "-c", "exit 1"}, "resources": map[string]any{"limits": map[string]string{"cpu": "100m", "memory": "64Mi"}}}}},
			"status": map[string]any{"phase": "Failed", "conditions": []any{
				map[string]any{"type": "Ready", "status": "False", "lastTransitionTime": "2025-11-16T09:10:05Z", "reason": "PodFailed"},
				map[string]any{"type": "PodScheduled", "status": "True", "lastTransitionTime": "2025-11-16T09:10:00Z"}},
				"containerStatuses": []any{map[string]any{"name": "main", "restartCount": 0, "ready": false,
					"state": map[string]any{"terminated": map[string]any{"exitCode": 1, "reason": "Error", "finishedAt": "2025-11-16T09:10:04Z"}}}}},
		}
	}
	doc, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "kind": "List", "items": items, "metadata": map[string]any{"resourceVersion": ""}}, "", "    ")
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

// BenchmarkJSONCheck: capture's JSON check of a kubectl-like pod list,
// in the 1 MiB pieces spill.ReadFrom writes (MB/s is what counts here).
func BenchmarkJSONCheck(b *testing.B) {
	doc := kubectlLike(b, 4000)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		v := newJSONCheck(jsonlimit.MaxDepth, jsonlimit.MaxString)
		for i := 0; i < len(doc); i += spillChunk {
			v.Write(doc[i:min(i+spillChunk, len(doc))])
		}
		if limit, valid := v.problem(); limit != nil || !valid {
			b.Fatal(limit, valid)
		}
	}
}
