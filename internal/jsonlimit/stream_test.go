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

// TestStreamMatchesCheck: whatever the cut into pieces, Stream reports
// what CheckLimits reports on the whole document.
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
			want := CheckLimits([]byte(d), 4, 8)
			if got := streamCheck([]byte(d), 4, 8, ps); !sameErr(got, want) {
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
		want := CheckLimits(b, 3, 6)
		if got := streamCheck(b, 3, 6, ps); !sameErr(got, want) {
			t.Fatalf("%q in pieces %v: got %v, want %v", b, ps, got, want)
		}
	}
}

// FuzzStream: Stream and CheckLimits agree on any input and any cut.
func FuzzStream(f *testing.F) {
	f.Add([]byte(`{"a":[1,"]",{"b":"\\"}]}`), uint8(3))
	f.Add([]byte(`"ab\`), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, piece uint8) {
		ps := []int{int(piece%16) + 1}
		want := CheckLimits(data, 8, 16)
		if got := streamCheck(data, 8, 16, ps); !sameErr(got, want) {
			t.Fatalf("pieces of %d: got %v, want %v", ps[0], got, want)
		}
	})
}
