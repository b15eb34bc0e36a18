package capture

import (
	"encoding/json"
	"math/rand"
	"testing"

	"github.com/tidwall/gjson"
)

func streamValid(data []byte, piece int) bool {
	var v jsonValidator
	for i := 0; i < len(data); i += piece {
		v.Write(data[i:min(i+piece, len(data))])
	}
	return v.Valid()
}

// TestJSONValidatorMatchesGjson: the streaming validator accepts exactly
// what gjson.ValidBytes accepts, whatever the cut into pieces.
func TestJSONValidatorMatchesGjson(t *testing.T) {
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

// FuzzJSONValidator: the streaming validator and gjson agree on any input.
func FuzzJSONValidator(f *testing.F) {
	f.Add([]byte(`{"a":[1,-2.5e3,"\u00e9",true,null]}`), uint8(3))
	f.Add([]byte(`[01]`), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, piece uint8) {
		if got, want := streamValid(data, int(piece%16)+1), gjson.ValidBytes(data); got != want {
			t.Fatalf("valid %v, gjson says %v", got, want)
		}
	})
}
