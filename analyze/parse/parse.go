// Package parse turns the bytes of bundle members (kubectl's JSON for jobs,
// pods and events, and log tails) into analyze/model values. It is the only
// package of the analyzer that imports gjson (capture reads pod names with
// it, and history its own records).
//
// Each member is validated and read in a single pass (walk.go): the list's
// items and each item's keys are walked in order, checking the JSON grammar
// as gjson.Valid would, descending only into the fields the models need and
// skipping (and validating) the rest (managedFields, specs, ...) without
// scanning anything twice; scalars are read as gjson.Result values. A member may be a List (kind List, JobList,
// PodList, EventList, ...) with items (an array, or null), a bare JSON
// array of objects, or a single object. An item that cannot be read (wrong
// type, unparseable time, missing name) is skipped and reported as an
// *ItemError naming the member, the item index and the field; the other
// items still count. A member that is not JSON at all,
// or not a list or object, gives a *MemberError; so does a value nested
// more than jsonlimit.MaxDepth levels inside a skipped field, or a string
// read longer than jsonlimit.MaxString.
//
// The package opens no files, reads no clock and decides no health. The
// returned models may share memory with the input: callers must not modify
// the input bytes afterwards (bundle members are read-only).
package parse

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/tidwall/gjson"
)

// MemberError says a whole member could not be read.
type MemberError struct {
	Member string
	Err    error
}

func (e *MemberError) Error() string { return "member " + e.Member + ": " + e.Err.Error() }

func (e *MemberError) Unwrap() error { return e.Err }

// ItemError says one item of a member could not be read and was skipped.
// Index is the item's position in the list (0 for a single object); Field is
// the JSON path inside the item, empty when the item as a whole is wrong.
type ItemError struct {
	Member string
	Index  int
	Field  string
	Err    error
}

func (e *ItemError) Error() string {
	var b strings.Builder
	b.WriteString("member ")
	b.WriteString(e.Member)
	b.WriteString(": item ")
	b.WriteString(strconv.Itoa(e.Index))
	if e.Field != "" {
		b.WriteString(": field ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ItemError) Unwrap() error { return e.Err }

// Sentinel causes wrapped by ItemError and MemberError, for errors.Is.
var (
	// ErrMissing: a required field is absent or null.
	ErrMissing = errors.New("missing")
	// ErrType: a field has the wrong JSON type.
	ErrType = errors.New("wrong type")
	// ErrTime: a timestamp is not RFC 3339.
	ErrTime = errors.New("not an RFC 3339 time")
	// ErrKind: an item's kind is not the member's kind.
	ErrKind = errors.New("wrong kind")
	// ErrSyntax: the member is not valid JSON.
	ErrSyntax = errors.New("not valid JSON")
	// ErrShape: the member is JSON but not a list, an array or an object.
	ErrShape = errors.New("not a list, array or object")
)

// bstr views b as a string without copying. Callers must not modify b while
// the string (or any substring kept in a model) is in use.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// syntaxError explains invalid JSON with a byte offset. It runs only on the
// failure path, so the extra decode costs nothing for good input.
func syntaxError(member string, data []byte) error {
	var raw json.RawMessage
	err := json.Unmarshal(data, &raw)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &MemberError{Member: member, Err: fmt.Errorf("%w at byte %d: %s", ErrSyntax, se.Offset, se.Error())}
	}
	if err != nil {
		return &MemberError{Member: member, Err: fmt.Errorf("%w: %s", ErrSyntax, err.Error())}
	}
	return &MemberError{Member: member, Err: ErrSyntax}
}

func typeName(r gjson.Result) string {
	switch r.Type {
	case gjson.Null:
		return "null"
	case gjson.False, gjson.True:
		return "a boolean"
	case gjson.Number:
		return "a number"
	case gjson.String:
		return "a string"
	}
	if r.IsArray() {
		return "an array"
	}
	return "an object"
}

// items validates data and calls each for every item (list entry, array
// element, or the single object) with its index and offset; each returns
// the offset after the item and its error, if any. Items that are not
// objects are reported without calling each. A *MemberError means the
// member as a whole cannot be read; item errors and items already handed to
// each must then be discarded. grow, when not nil, is called once with an
// estimate of the item count.
//
// Validation is part of the walk (walk.go): invalid JSON anywhere, even
// after the last item, panics inside the walk and is reported here as the
// same *MemberError a separate validation pass would give.
func items(member string, data []byte, grow func(n int), each func(s string, n, at int) (int, *ItemError)) (errs []*ItemError, err error) {
	s := strings.TrimSpace(bstr(data))
	if s == "" {
		return nil, &MemberError{Member: member, Err: errors.New("empty: kubectl printed nothing")}
	}
	defer func() {
		if r := recover(); r != nil {
			if lp, ok := r.(limitPanic); ok {
				errs, err = nil, &MemberError{Member: member, Err: lp.err}
				return
			}
			if _, ok := r.(syntaxPanic); !ok {
				panic(r)
			}
			errs, err = nil, syntaxError(member, data)
		}
	}()
	one := func(n, at int) int {
		if s[at] != '{' {
			r, end := value(s, at)
			errs = append(errs, &ItemError{Member: member, Index: n, Err: fmt.Errorf("%w: item is %s, want an object", ErrType, typeName(r))})
			return end
		}
		end, e := each(s, n, at)
		if n == 0 && grow != nil {
			// Size the output once from the first item, instead of
			// growing a slice of large structs by doubling. Items vary
			// in size, so a quarter more: on a fresh heap the part never
			// filled is never touched (a reused span is zeroed, which
			// is cheap next to a doubling's copy).
			n := (len(s)-at)/(end-at+1) + 1
			grow(n + n/4)
		}
		if e != nil {
			errs = append(errs, e)
		}
		return end
	}
	// Whatever the shape, the document must be one value and nothing else.
	whole := func(end int) {
		if end != len(s) {
			errSyntax()
		}
	}
	switch s[0] {
	case '[':
		whole(array(s, 0, one))
		return errs, nil
	case '{':
	default:
		r, end := value(s, 0)
		whole(end)
		return nil, &MemberError{Member: member, Err: fmt.Errorf("%w: the document is %s", ErrShape, typeName(r))}
	}
	var shapeErr error
	hasItems, listKind := false, false
	whole(object(s, 0, func(key string, at int) int {
		switch key {
		case "items":
			hasItems = true
			switch s[at] {
			case '[':
				return array(s, at, one)
			case 'n': // items: null (k3s 2025): an empty list
			default:
				r, end := value(s, at)
				shapeErr = fmt.Errorf("%w: items is %s, want an array", ErrShape, typeName(r))
				return end
			}
		case "kind":
			r, end := value(s, at)
			listKind = r.Type == gjson.String && strings.HasSuffix(r.Str, "List")
			return end
		}
		return skip(s, at)
	}))
	switch {
	case shapeErr != nil:
		return nil, &MemberError{Member: member, Err: shapeErr}
	case hasItems || listKind:
		return errs, nil
	}
	one(0, 0) // a single object
	return errs, nil
}

// item reads the fields of one item and remembers the first problem.
type item struct {
	s      string // the whole member
	member string
	index  int
	// base and idx locate nested list entries (e.g.
	// status.containerStatuses[2]) for error messages without building
	// strings on the good path.
	base string
	idx  int
	// sub1 and sub2 are further path elements below base[idx] (for
	// example "state" and "terminated").
	sub1, sub2 string
	err        *ItemError
	// arena outlives reset: one member's items share it.
	arena arena
}

func (p *item) reset(s, member string, i int) {
	a := p.arena
	*p = item{s: s, member: member, index: i, idx: -1, arena: a}
}

// arena hands out a member's many short lists (conditions, container
// statuses, Job labels) from shared chunks: a few large allocations instead of a
// growing slice per item, whose doublings were most of what parsing a pod
// allocated. The scratch slices collect one list before it is copied in.
type arena struct {
	conds, condScratch                         []model.Condition
	labels, labelScratch                       []model.Label
	ctrs, initScratch, appScratch, bothScratch []model.ContainerStatus
}

// push appends a zero item to *out and returns it, to be parsed in place
// (the model structs are large: parsing into a local and appending it
// copied each one); drop takes it back when the item fails.
func push[T any](out *[]T) *T {
	var zero T
	*out = append(*out, zero)
	return &(*out)[len(*out)-1]
}

func drop[T any](out *[]T) {
	var zero T
	(*out)[len(*out)-1] = zero
	*out = (*out)[:len(*out)-1]
}

// sortLabels sorts ls by key in place and drops all but the last of each
// key (stable, so the last in the document is the last of its run).
func sortLabels(ls []model.Label) []model.Label {
	slices.SortStableFunc(ls, func(a, b model.Label) int { return strings.Compare(a.Key, b.Key) })
	out := ls[:0]
	for i, l := range ls {
		if i+1 < len(ls) && ls[i+1].Key == l.Key {
			continue
		}
		out = append(out, l)
	}
	return out
}

// A member's first chunk holds arenaFirst entries and each next one twice
// as many as the last, up to arenaChunk (a list longer than that gets a
// chunk of its own): a small member allocates little, a large one a few
// hundred chunks.
const (
	arenaFirst = 16
	arenaChunk = 512
)

// take copies src into chunk and returns the copy with its capacity cut to
// its length, so that appending to it copies instead of writing into the
// next list; nil for an empty src.
func take[T any](chunk *[]T, src []T) []T {
	if len(src) == 0 {
		return nil
	}
	if cap(*chunk)-len(*chunk) < len(src) {
		size := min(max(arenaFirst, 2*cap(*chunk)), arenaChunk)
		*chunk = make([]T, 0, max(size, len(src)))
	}
	start := len(*chunk)
	*chunk = append(*chunk, src...)
	return (*chunk)[start:len(*chunk):len(*chunk)]
}

// val reads the value at offset i.
func (p *item) val(i int) (gjson.Result, int) { return value(p.s, i) }

// obj reports whether the value at i is an object; null is silently
// absent, any other type is an error.
func (p *item) obj(field string, i int) bool {
	switch p.s[i] {
	case '{':
		return true
	case 'n':
		return false
	}
	r, _ := p.val(i)
	p.typeErr(field, r, "an object")
	return false
}

// arr is obj for arrays.
func (p *item) arr(field string, i int) bool {
	switch p.s[i] {
	case '[':
		return true
	case 'n':
		return false
	}
	r, _ := p.val(i)
	p.typeErr(field, r, "an array")
	return false
}

func (p *item) fail(field string, err error) {
	if p.err != nil {
		return
	}
	var parts []string
	if p.base != "" {
		b := p.base
		if p.idx >= 0 {
			b += "[" + strconv.Itoa(p.idx) + "]"
		}
		parts = append(parts, b)
	}
	for _, s := range []string{p.sub1, p.sub2, field} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	p.err = &ItemError{Member: p.member, Index: p.index, Field: strings.Join(parts, "."), Err: err}
}

func (p *item) typeErr(field string, r gjson.Result, want string) {
	p.fail(field, fmt.Errorf("%w: %s, want %s", ErrType, typeName(r), want))
}

// str reads a string; null and absent give "".
func (p *item) str(field string, r gjson.Result) string {
	switch r.Type {
	case gjson.String:
		return r.Str
	case gjson.Null:
		return ""
	}
	p.typeErr(field, r, "a string")
	return ""
}

func (p *item) boolean(field string, r gjson.Result) bool {
	switch r.Type {
	case gjson.True:
		return true
	case gjson.False, gjson.Null:
		return false
	}
	p.typeErr(field, r, "a boolean")
	return false
}

// integer reads an integral JSON number; null gives (0, false).
func (p *item) integer(field string, r gjson.Result) (int64, bool) {
	switch r.Type {
	case gjson.Null:
		return 0, false
	case gjson.Number:
		if strings.ContainsAny(r.Raw, ".eE") {
			if r.Num != float64(int64(r.Num)) {
				p.fail(field, fmt.Errorf("%w: %s is not an integer", ErrType, r.Raw))
				return 0, false
			}
			return int64(r.Num), true
		}
		v, err := strconv.ParseInt(r.Raw, 10, 64)
		if err != nil {
			p.fail(field, fmt.Errorf("%w: %s is out of range", ErrType, r.Raw))
			return 0, false
		}
		return v, true
	}
	p.typeErr(field, r, "a number")
	return 0, false
}

func errKind(got, want string) error {
	return fmt.Errorf("%w: %q, want %q", ErrKind, got, want)
}
