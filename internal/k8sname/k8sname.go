// Package k8sname holds the Kubernetes naming rules ksnap applies before a
// name reaches a file name, a member name or a kubectl argv: a value from
// a flag or from the cluster is data, never a path or a flag. It owns only
// these pure checks; it opens nothing and never prints.
package k8sname

import (
	"fmt"
	"strings"
)

// Rules, as Kubernetes states them (k8s.io/apimachinery validation).
const (
	// MaxLabel is the longest DNS-1123 label (namespaces, container names).
	MaxLabel = 63
	// MaxSubdomain is the longest DNS-1123 subdomain (pod and Job names).
	MaxSubdomain = 253
	// MaxSelector and MaxContext bound the values ksnap passes on as given.
	MaxSelector = 4096
	MaxContext  = 1024
)

// Error says which value broke which rule. Value is quoted (control
// characters escaped) and cut in the message, so it stays one short line.
type Error struct {
	Field string
	Value string
	Rule  string
}

func (e *Error) Error() string {
	v := e.Value
	if len(v) > 80 {
		v = v[:80] + "..."
	}
	return fmt.Sprintf("%s %q %s", e.Field, v, e.Rule)
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// label reports whether s is a DNS-1123 label: 1-63 of [a-z0-9-], starting
// and ending with [a-z0-9].
func label(s string) bool {
	if len(s) == 0 || len(s) > MaxLabel || !isLower(s[0]) || !isLower(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLower(c) && c != '-' {
			return false
		}
	}
	return true
}

// Namespace checks a namespace name (DNS-1123 label).
func Namespace(s string) error {
	if !label(s) {
		return &Error{"namespace", s, "is not a valid namespace name (lowercase letters, digits and '-', at most 63, starting and ending with a letter or digit)"}
	}
	return nil
}

// Container checks a container name (DNS-1123 label).
func Container(s string) error {
	if !label(s) {
		return &Error{"container", s, "is not a valid container name (a DNS-1123 label)"}
	}
	return nil
}

// Object checks a pod or Job name (DNS-1123 subdomain: dot-separated
// labels, at most 253 bytes).
func Object(field, s string) error {
	ok := len(s) > 0 && len(s) <= MaxSubdomain
	for _, part := range strings.Split(s, ".") {
		ok = ok && label(part)
	}
	if !ok {
		return &Error{field, s, "is not a valid object name (a DNS-1123 subdomain)"}
	}
	return nil
}

// Selector checks a label selector as passed to kubectl -l: the characters
// of its grammar (keys, values, = == != , ! in notin ( ) and spaces), not
// starting with '-', at most MaxSelector bytes. Empty selects everything.
func Selector(s string) error {
	if s == "" {
		return nil
	}
	bad := len(s) > MaxSelector || s[0] == '-'
	for i := 0; i < len(s) && !bad; i++ {
		c := s[i]
		bad = !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_./=!,() ", c) >= 0)
	}
	if bad {
		return &Error{"selector", s, "is not a label selector (letters, digits, '-_./' and = == != , ! in notin ( ) only, not starting with '-')"}
	}
	return nil
}

// Context checks a kube context name. Kubeconfig files allow almost any
// string ("arn:aws:eks:...:cluster/x", "user@cluster"), so only what could
// be mistaken for a flag or break a line is refused: empty, a leading
// '-', control characters, more than MaxContext bytes.
func Context(s string) error {
	bad := s == "" || len(s) > MaxContext || s[0] == '-'
	for i := 0; i < len(s) && !bad; i++ {
		bad = s[i] < ' ' || s[i] == 0x7f
	}
	if bad {
		return &Error{"context", s, "is not a usable context name (non-empty, no control characters, not starting with '-')"}
	}
	return nil
}
