// Package jsonlimit checks the two JSON properties that can hurt a
// recursive or copying parser before one runs: nesting depth (gjson's
// validator and ksnap's walker recurse once per level, so a few MB of "[["
// overflow the goroutine stack, a fatal error no recover catches) and
// string length (a 2 GB name copied into every report and renderer). The
// check is one loop with no recursion and no allocation; it validates
// nothing else, so it runs before, never instead of, a parser's own
// validation. It owns no I/O and never prints.
package jsonlimit

import (
	"errors"
	"fmt"
	"math/bits"
)

// Limits of ksnap's JSON readers, listed in docs/bundle-format.md.
const (
	// MaxDepth is the deepest nesting of arrays and objects accepted (the
	// document's own brackets are level 1). Kubernetes objects nest about
	// 20 levels (managedFields mirror the object); the API server refuses
	// 10,000.
	MaxDepth = 512
	// MaxString is the longest JSON string accepted, in bytes as written
	// (escapes included). etcd stores no object larger than 1.5 MiB.
	MaxString = 2 << 20
)

// Sentinel causes, for errors.Is.
var (
	ErrTooDeep    = errors.New("nesting too deep")
	ErrStringLong = errors.New("string too long")
)

// Error says where the document passed a limit.
type Error struct {
	// Offset is the byte offset of the bracket or string that passed it.
	Offset int64
	Err    error
	Limit  int
}

func (e *Error) Error() string {
	if errors.Is(e.Err, ErrTooDeep) {
		return fmt.Sprintf("JSON nests deeper than %d levels at byte %d", e.Limit, e.Offset)
	}
	return fmt.Sprintf("a JSON string at byte %d is longer than %d bytes", e.Offset, e.Limit)
}

func (e *Error) Unwrap() error { return e.Err }

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

func load64(s []byte, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// eq flags the bytes of x equal to c (the lowest flag is exact; flags above
// it may be false positives, so only the lowest is used).
func eq(x uint64, c byte) uint64 {
	y := x ^ (uint64(c) * ones)
	return (y - ones) &^ y & highs
}

// Check returns nil, or an *Error for the first place where data nests
// deeper than MaxDepth or holds a string longer than MaxString. Brackets
// inside strings do not count; unbalanced or invalid JSON is left to the
// parser.
func Check(data []byte) error { return CheckLimits(data, MaxDepth, MaxString) }

// CheckLimits is Check with other limits: one Stream over the whole.
func CheckLimits(data []byte, maxDepth, maxString int) error {
	s := NewStreamLimits(maxDepth, maxString)
	s.Write(data)
	return s.Err()
}

// Stream is Check for a document that arrives in pieces: Write each piece
// in order, then Err. Whatever the cut, it finds the same first *Error as
// on the whole document, in one pass with no allocation; memory does not
// grow with the document.
type Stream struct {
	maxDepth, maxString int
	depth               int
	off                 int64 // offset of the next byte written
	inString            bool
	skip                bool  // the previous piece ended on a backslash in a string
	strStart            int64 // offset of the open string's quote
	err                 *Error
}

// NewStream returns a Stream with the limits of Check.
func NewStream() *Stream { return NewStreamLimits(MaxDepth, MaxString) }

// NewStreamLimits returns a Stream with other limits.
func NewStreamLimits(maxDepth, maxString int) *Stream {
	return &Stream{maxDepth: maxDepth, maxString: maxString}
}

// ResumeStream is a Stream that takes over at byte off of a document
// whose bytes before off another scanner read (capture's JSON checker,
// after the first syntax error): depth open brackets, inside a string
// opened at strStart when inString, no limit passed yet. Writing the rest
// of the document to it finds what CheckLimits finds on the whole.
func ResumeStream(maxDepth, maxString, depth int, off int64, inString bool, strStart int64) *Stream {
	return &Stream{maxDepth: maxDepth, maxString: maxString, depth: depth, off: off, inString: inString, strStart: strStart}
}

// Write scans p; it never fails (the verdict is Err's).
func (s *Stream) Write(p []byte) (int, error) {
	if s.err == nil && len(p) > 0 {
		s.scan(p)
	}
	s.off += int64(len(p))
	return len(p), nil
}

// Err returns the first limit passed by everything written, or nil.
func (s *Stream) Err() error {
	if s.err != nil {
		return s.err
	}
	if s.inString {
		// CheckLimits measures an unterminated string up to the end, less
		// one (or to one past it after a final backslash).
		end := s.off
		if s.skip {
			end++
		}
		if end-s.strStart-2 > int64(s.maxString) {
			return &Error{Offset: s.strStart, Err: ErrStringLong, Limit: s.maxString}
		}
	}
	return nil
}

func (s *Stream) scan(data []byte) {
	i, n := 0, len(data)
	if s.skip {
		s.skip = false
		i = 1
	}
	for i < n {
		if s.inString {
			for i+8 <= n {
				x := load64(data, i)
				if m := eq(x, '"') | eq(x, '\\'); m != 0 {
					i += bits.TrailingZeros64(m) >> 3
					break
				}
				i += 8
			}
			for i < n && data[i] != '"' && data[i] != '\\' {
				i++
			}
			if i >= n {
				return
			}
			if data[i] == '\\' {
				i += 2
				if i > n {
					s.skip = true
					return
				}
				continue
			}
			i++ // the closing quote
			s.inString = false
			if s.off+int64(i)-s.strStart-2 > int64(s.maxString) {
				s.err = &Error{Offset: s.strStart, Err: ErrStringLong, Limit: s.maxString}
				return
			}
			continue
		}
		for i+8 <= n {
			x := load64(data, i)
			lo := x | 0x20*ones
			if m := eq(x, '"') | eq(lo, '{') | eq(lo, '}'); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= n {
			return
		}
		switch data[i] {
		case '[', '{':
			s.depth++
			if s.depth > s.maxDepth {
				s.err = &Error{Offset: s.off + int64(i), Err: ErrTooDeep, Limit: s.maxDepth}
				return
			}
		case ']', '}':
			if s.depth > 0 {
				s.depth--
			}
		case '"':
			s.inString, s.strStart = true, s.off+int64(i)
		}
		i++
	}
}
