package jsonlimit

import (
	"fmt"
	"math/rand"
	"testing"
)

// streamCheck feeds data to a Stream in pieces of the given sizes (cycled).
func streamCheck(data []byte, maxDepth, maxString int, pieces []int) error {
	s := NewStreamLimits(maxDepth, maxString)
	for i, k := 0, 0; i < len(data); k++ {
		n := min(pieces[k%len(pieces)], len(data)-i)
		s.Write(data[i : i+n])
		i += n
	}
	return s.Err()
}

func sameErr(a, b error) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// refLimits is CheckLimits written the slow, obvious way: one byte at a
// time, the oracle of the tests below.
func refLimits(data []byte, maxDepth, maxString int) error {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '[', '{':
			if depth++; depth > maxDepth {
				return &Error{Offset: int64(i), Err: ErrTooDeep, Limit: maxDepth}
			}
		case ']', '}':
			depth = max(0, depth-1)
		case '"':
			start := i
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
			// Measured to just past the closing quote; an unterminated
			// string to the end (one past it after a final backslash).
			end := i + 1
			if i >= len(data) {
				end = i
			}
			if end-start-2 > maxString {
				return &Error{Offset: int64(start), Err: ErrStringLong, Limit: maxString}
			}
		}
	}
	return nil
}

// TestStreamMatchesCheck: whatever the cut into pieces, Stream reports
// what the slow reference reports on the whole document, as CheckLimits does.
func TestStreamMatchesCheck(t *testing.T) {
	t.Parallel()
	docs := []string{
		``, `{}`, `[[[`, `[[[]]]`, `"abc`, `"ab\`, `"abcdefgh"`, `"abcdefghi"`,
		`{"a":"\\\"xxxxxxxxxx"}`, `["0123456789abcdefghij"]`, `]]]]][[[[`,
		`{"a":[1,"]",{"b":"\\"}]}`, `"\"\"\"\"\"\"\"\"\""`, `[{"k":"v"},[[[[[[[[["x"]]]]]]]]]]`,
	}
	pieceSets := [][]int{{1}, {2}, {3}, {7}, {8}, {9}, {1, 5, 2}, {1 << 20}}
	for _, d := range docs {
		for _, ps := range pieceSets {
			want := refLimits([]byte(d), 4, 8)
			if got := streamCheck([]byte(d), 4, 8, ps); !sameErr(got, want) || !sameErr(CheckLimits([]byte(d), 4, 8), want) {
				t.Errorf("%q in pieces %v: got %v, want %v", d, ps, got, want)
			}
		}
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte(`[]{}"\ab ,:`)
	for range 20000 {
		b := make([]byte, rng.Intn(64))
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		ps := []int{1 + rng.Intn(10), 1 + rng.Intn(20)}
		want := refLimits(b, 3, 6)
		if got := streamCheck(b, 3, 6, ps); !sameErr(got, want) || !sameErr(CheckLimits(b, 3, 6), want) {
			t.Fatalf("%q in pieces %v: got %v, want %v", b, ps, got, want)
		}
	}
}

// FuzzStream: Stream, CheckLimits and the reference agree on any input
// and any cut.
func FuzzStream(f *testing.F) {
	f.Add([]byte(`{"a":[1,"]",{"b":"\\"}]}`), uint8(3))
	f.Add([]byte(`"ab\`), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, piece uint8) {
		ps := []int{int(piece%16) + 1}
		want := refLimits(data, 8, 16)
		if got := streamCheck(data, 8, 16, ps); !sameErr(got, want) || !sameErr(CheckLimits(data, 8, 16), want) {
			t.Fatalf("pieces of %d: got %v, want %v", ps[0], got, want)
		}
	})
}
