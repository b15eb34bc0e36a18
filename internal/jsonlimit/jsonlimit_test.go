package jsonlimit

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/internal/gen"
	"github.com/tidwall/gjson"
)

func TestCheckLimits(t *testing.T) {
	t.Parallel()
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name, in string
		want     string
	}{
		{"flat", `{"a":[1,2,{"b":"c"}]}`, ""},
		{"at the depth limit", deep(4), ""},
		{"one past the depth limit", deep(5), "JSON nests deeper than 4 levels at byte 4"},
		{"objects count too", `{"a":{"b":{"c":{"d":{}}}}}`, "JSON nests deeper than 4 levels at byte 20"},
		{"brackets in strings do not count", `["[[[[[{{{{"]`, ""},
		{"escaped quote keeps the string open", `["\"[[[[[[[[", "x"]`, ""},
		{"escaped backslash closes it", `["\\", [[[[]]]]]`, "JSON nests deeper than 4 levels at byte 10"},
		{"string at the length limit", `["` + strings.Repeat("x", 10) + `"]`, ""},
		{"string past the length limit", `[1,"` + strings.Repeat("x", 11) + `"]`, "a JSON string at byte 3 is longer than 10 bytes"},
		{"long key", `{"` + strings.Repeat("k", 11) + `":1}`, "a JSON string at byte 1 is longer than 10 bytes"},
		{"unterminated long string", `["` + strings.Repeat("x", 20), "a JSON string at byte 1 is longer than 10 bytes"},
		{"unbalanced closers are the parser's business", `]]]]]]]][[[[`, ""},
		{"invalid bytes are the parser's business", "\x00\xff[1]", ""},
	}
	for _, tt := range tests {
		err := CheckLimits([]byte(tt.in), 4, 10)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A few MB of "[" crash gjson (and any recursive descent) with a stack
// overflow; Check refuses them after MaxDepth bytes.
func TestCheckDeepDocument(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("["), 8<<20)
	err := Check(data)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrTooDeep) || e.Offset != MaxDepth {
		t.Fatalf("err = %v", err)
	}
}

// FuzzCheck: Check never panics, and whatever it accepts gjson can
// validate without recursing deeper than MaxDepth (checked here by
// nesting depth measured independently).
func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{"a":[1,"]",{"b":"\\"}]}`))
	f.Add([]byte(`[[[[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := CheckLimits(data, 8, 16)
		if err != nil {
			return
		}
		// Accepted: the depth of every valid document is at most 8.
		if gjson.ValidBytes(data) && maxDepth(data) > 8 {
			t.Fatalf("accepted a document %d deep", maxDepth(data))
		}
	})
}

// maxDepth is the nesting depth of valid JSON, byte by byte.
func maxDepth(data []byte) int {
	d, m, in, esc := 0, 0, false, false
	for _, c := range data {
		switch {
		case in && esc:
			esc = false
		case in && c == '\\':
			esc = true
		case in && c == '"':
			in = false
		case in:
		case c == '"':
			in = true
		case c == '[' || c == '{':
			d++
			m = max(m, d)
		case c == ']' || c == '}':
			d--
		}
	}
	return m
}

// BenchmarkCheck is the cost capture and import add before gjson's
// validation: one pass over a 10,000-pod pods.json.
func BenchmarkCheck(b *testing.B) {
	data := gen.Generate(gen.Options{Pods: 10000}).Member("pods.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Check(data); err != nil {
			b.Fatal(err)
		}
	}
}
