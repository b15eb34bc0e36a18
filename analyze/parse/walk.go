package parse

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// The walker reads a document that gjson.Valid has already accepted, in
// one pass: object and array walks hand each member's start offset to a
// callback, which either descends (returning the offset after the value) or
// skips it. gjson's ForEach would first find the end of every value and then
// scan it again when descending, so a deep, large field such as
// metadata.managedFields would be scanned once per nesting level; here
// every byte is scanned once. Scalars become gjson.Result values, so the
// field readers use gjson's types and unescaping.

// structural marks the bytes skip must look at inside objects and arrays.
var structural = func() (t [256]bool) {
	for _, c := range `"{}[]` {
		t[c] = true
	}
	return t
}()

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func ws(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// skipString returns the offset after the string starting at s[i] == '"'
// and whether it holds an escape.
func skipString(s string, i int) (int, bool) {
	start := i + 1
	esc := false
	for j := start; ; {
		k := strings.IndexByte(s[j:], '"')
		if k < 0 {
			return len(s), esc
		}
		k += j
		n := 0
		for k-1-n >= start && s[k-1-n] == '\\' {
			n++
		}
		if n > 0 {
			esc = true
		}
		if n%2 == 0 {
			if !esc && strings.IndexByte(s[start:k], '\\') >= 0 {
				esc = true
			}
			return k + 1, esc
		}
		j = k + 1
	}
}

// skip returns the offset after the value starting at s[i].
func skip(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '"':
		e, _ := skipString(s, i)
		return e
	case '{', '[':
		depth := 0
		for i < len(s) {
			for !structural[s[i]] {
				if i++; i == len(s) {
					return i
				}
			}
			switch s[i] {
			case '"':
				i, _ = skipString(s, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(s) && s[i] != ',' && s[i] != '}' && s[i] != ']' && !isSpace(s[i]) {
		i++
	}
	return i
}

// value reads the value at s[i]: scalars fully, objects and arrays as raw
// JSON (scanning them; use object/array to descend instead).
func value(s string, i int) (gjson.Result, int) {
	if i >= len(s) {
		return gjson.Result{}, i
	}
	switch c := s[i]; c {
	case '"':
		e, esc := skipString(s, i)
		raw := s[i:e]
		r := gjson.Result{Type: gjson.String, Raw: raw, Index: i}
		if esc {
			r.Str = gjson.Parse(raw).Str
		} else if len(raw) >= 2 {
			r.Str = raw[1 : len(raw)-1]
		}
		return r, e
	case '{', '[':
		e := skip(s, i)
		return gjson.Result{Type: gjson.JSON, Raw: s[i:e], Index: i}, e
	case 't':
		return gjson.Result{Type: gjson.True, Raw: "true", Index: i}, i + 4
	case 'f':
		return gjson.Result{Type: gjson.False, Raw: "false", Index: i}, i + 5
	case 'n':
		return gjson.Result{Type: gjson.Null, Raw: "null", Index: i}, i + 4
	}
	e := skip(s, i)
	raw := s[i:e]
	r := gjson.Result{Type: gjson.Number, Raw: raw, Index: i}
	if strings.ContainsAny(raw, ".eE") {
		r.Num, _ = strconv.ParseFloat(raw, 64)
	} else if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		r.Num = float64(n)
	}
	return r, e
}

// object walks the object at s[i] == '{', calling fn with each key and the
// offset of its value; fn returns the offset after the value. It returns
// the offset after the closing brace.
func object(s string, i int, fn func(key string, i int) int) int {
	i++
	for i < len(s) {
		i = ws(s, i)
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '}':
			return i + 1
		case ',':
			i++
			continue
		}
		start := i
		end, esc := skipString(s, i)
		var key string
		if esc {
			key = gjson.Parse(s[start:end]).Str
		} else {
			key = s[start+1 : end-1]
		}
		i = ws(s, end)
		if i < len(s) && s[i] == ':' {
			i++
		}
		v := ws(s, i)
		if i = fn(key, v); i <= v {
			i = skip(s, v) // never loop on a callback that did not advance
		}
	}
	return i
}

// array walks the array at s[i] == '[' like object, with element indexes.
func array(s string, i int, fn func(n, i int) int) int {
	i++
	n := 0
	for i < len(s) {
		i = ws(s, i)
		if i >= len(s) {
			break
		}
		switch s[i] {
		case ']':
			return i + 1
		case ',':
			i++
			continue
		}
		v := i
		if i = fn(n, v); i <= v {
			i = skip(s, v)
		}
		n++
	}
	return i
}
