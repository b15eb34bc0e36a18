package serve

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// op is a selector requirement's operator.
type op int

const (
	opEq op = iota
	opNotEq
	opIn
	opNotIn
	opExists
	opNotExists
)

// requirement is one comma-separated term of a label or field selector.
type requirement struct {
	key    string
	op     op
	values []string
}

// labelSelector is a parsed labelSelector parameter; empty matches all.
type labelSelector []requirement

// matches reports whether labels satisfy every requirement, with the API's
// semantics: != and notin also match objects without the key.
func (s labelSelector) matches(labels map[string]string) bool {
	for _, r := range s {
		v, ok := labels[r.key]
		switch r.op {
		case opEq, opIn:
			if !ok || !slices.Contains(r.values, v) {
				return false
			}
		case opNotEq, opNotIn:
			if ok && slices.Contains(r.values, v) {
				return false
			}
		case opExists:
			if !ok {
				return false
			}
		case opNotExists:
			if ok {
				return false
			}
		}
	}
	return true
}

// parseLabelSelector parses the label selector syntax of the API:
// "k=v", "k==v", "k!=v", "k in (a,b)", "k notin (a,b)", "k" and "!k",
// joined by commas.
func parseLabelSelector(s string) (labelSelector, error) {
	var out labelSelector
	for _, term := range splitTerms(s) {
		term = strings.TrimSpace(term)
		if term == "" {
			if strings.TrimSpace(s) == "" {
				return nil, nil
			}
			return nil, fmt.Errorf("unable to parse requirement: found '', expected: identifier")
		}
		r, err := parseLabelTerm(term)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// splitTerms splits at commas outside parentheses.
func splitTerms(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func parseLabelTerm(term string) (requirement, error) {
	if strings.HasPrefix(term, "!") {
		k := strings.TrimSpace(term[1:])
		if err := checkKey(k); err != nil {
			return requirement{}, err
		}
		return requirement{key: k, op: opNotExists}, nil
	}
	for _, o := range []struct {
		tok string
		op  op
	}{{"!=", opNotEq}, {"==", opEq}, {"=", opEq}} {
		if i := strings.Index(term, o.tok); i >= 0 {
			k, v := strings.TrimSpace(term[:i]), strings.TrimSpace(term[i+len(o.tok):])
			if err := checkKey(k); err != nil {
				return requirement{}, err
			}
			if err := checkValue(v); err != nil {
				return requirement{}, err
			}
			return requirement{key: k, op: o.op, values: []string{v}}, nil
		}
	}
	if f := strings.Fields(term); len(f) >= 2 && (f[1] == "in" || f[1] == "notin") {
		k := f[0]
		rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(term[len(k):]), f[1]))
		if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
			return requirement{}, fmt.Errorf("unable to parse requirement: found %q, expected: '('", rest)
		}
		if err := checkKey(k); err != nil {
			return requirement{}, err
		}
		r := requirement{key: k, op: opIn}
		if f[1] == "notin" {
			r.op = opNotIn
		}
		for _, v := range strings.Split(rest[1:len(rest)-1], ",") {
			v = strings.TrimSpace(v)
			if err := checkValue(v); err != nil {
				return requirement{}, err
			}
			r.values = append(r.values, v)
		}
		sort.Strings(r.values)
		return r, nil
	}
	if err := checkKey(term); err != nil {
		return requirement{}, err
	}
	return requirement{key: term, op: opExists}, nil
}

// checkKey accepts a label key: an optional DNS prefix and "/", then a name
// of alphanumerics, '-', '_' and '.'.
func checkKey(k string) error {
	name := k
	if i := strings.LastIndex(k, "/"); i >= 0 {
		if i == 0 || strings.Trim(k[:i], "abcdefghijklmnopqrstuvwxyz0123456789-.") != "" {
			return fmt.Errorf("unable to parse requirement: invalid label key %q: prefix part must be a DNS subdomain", k)
		}
		name = k[i+1:]
	}
	if name == "" || len(name) > 63 || !labelChars(name) {
		return fmt.Errorf("unable to parse requirement: invalid label key %q: name part must consist of alphanumeric characters, '-', '_' or '.'", k)
	}
	return nil
}

func checkValue(v string) error {
	if len(v) > 63 || (v != "" && !labelChars(v)) {
		return fmt.Errorf("unable to parse requirement: invalid label value: %q: must be 63 characters or less and consist of alphanumeric characters, '-', '_' or '.'", v)
	}
	return nil
}

func labelChars(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// fieldSelector is a parsed fieldSelector parameter: only =, == and !=.
type fieldSelector []requirement

// parseFieldSelector parses "f=v,f2!=v2" with the API's escapes (\, \= \\)
// and checks every field against the resource's supported field labels.
func parseFieldSelector(s string, supported func(string) bool) (fieldSelector, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out fieldSelector
	for _, term := range splitEscaped(s, ',') {
		r, err := parseFieldTerm(term)
		if err != nil {
			return nil, err
		}
		if !supported(r.key) {
			return nil, fmt.Errorf("field label not supported: %s", r.key)
		}
		out = append(out, r)
	}
	return out, nil
}

func parseFieldTerm(term string) (requirement, error) {
	for i := 0; i < len(term); i++ {
		switch {
		case term[i] == '\\':
			i++
		case strings.HasPrefix(term[i:], "!="):
			return requirement{key: term[:i], op: opNotEq, values: []string{unescape(term[i+2:])}}, nil
		case strings.HasPrefix(term[i:], "=="):
			return requirement{key: term[:i], op: opEq, values: []string{unescape(term[i+2:])}}, nil
		case term[i] == '=':
			return requirement{key: term[:i], op: opEq, values: []string{unescape(term[i+1:])}}, nil
		}
	}
	return requirement{}, fmt.Errorf("invalid selector: '%s'; can't understand '%s'", term, term)
}

// splitEscaped splits s at sep where sep is not escaped with a backslash.
func splitEscaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// matches reports whether field(key) satisfies every term.
func (s fieldSelector) matches(field func(string) string) bool {
	for _, r := range s {
		v := field(r.key)
		if (v == r.values[0]) != (r.op == opEq) {
			return false
		}
	}
	return true
}
