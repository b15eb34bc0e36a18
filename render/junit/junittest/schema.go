// Package junittest checks JUnit XML documents against the JUnit schema
// that CI systems read (the Jenkins/Ant junit.xsd as GitLab and GitHub
// accept it), for tests: Check decodes a document with encoding/xml in
// strict mode (well-formed XML 1.0, only its characters) and walks it
// against that schema's elements, attributes and counts. It needs no
// network and no XSD tool.
//
// It is imported only by _test.go files; it imports the standard library
// only.
package junittest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// element is one element of the schema.
type element struct {
	required, optional []string // attributes
	children           []string // elements allowed inside
	text               bool     // character data allowed (else only white space)
}

// schema is junit.xsd's structure: testsuites > testsuite > (properties >
// property)*, testcase > (skipped | error | failure)*, system-out,
// system-err.
var schema = map[string]element{
	"testsuites": {optional: []string{"name", "tests", "failures", "errors", "skipped", "disabled", "time", "timestamp"}, children: []string{"testsuite"}},
	"testsuite": {required: []string{"name", "tests"},
		optional: []string{"failures", "errors", "skipped", "disabled", "time", "timestamp", "hostname", "id", "package", "file"},
		children: []string{"properties", "testcase", "system-out", "system-err"}},
	"properties": {children: []string{"property"}},
	"property":   {required: []string{"name", "value"}},
	"testcase": {required: []string{"name"}, optional: []string{"classname", "time", "assertions", "status", "file", "line"},
		children: []string{"skipped", "error", "failure", "system-out", "system-err"}},
	"skipped":    {optional: []string{"message"}, text: true},
	"error":      {optional: []string{"message", "type"}, text: true},
	"failure":    {optional: []string{"message", "type"}, text: true},
	"system-out": {text: true},
	"system-err": {text: true},
}

// counted are the integer attributes; time is a decimal number of seconds.
var counted = []string{"tests", "failures", "errors", "skipped", "disabled", "assertions"}

// node is an element being read, with what its counts must match.
type node struct {
	name                    string
	attrs                   map[string]string
	cases, failures, errors int // testcases below, and those with a failure or error
	failed, errored         bool
}

// Check returns nil if doc is one well-formed JUnit document that follows
// the schema: a <testsuites> root, only the schema's elements where it
// allows them, their required attributes present and no others, counts
// and times that are numbers, and tests/failures/errors equal to the
// testcases below (and to the sums of the suites at the root).
func Check(doc []byte) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var stack []*node
	roots := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			el, ok := schema[name]
			if !ok || tok.Name.Space != "" {
				return fmt.Errorf("element <%s> is not in the schema", name)
			}
			if len(stack) == 0 {
				if name != "testsuites" {
					return fmt.Errorf("root is <%s>, want <testsuites>", name)
				}
				roots++
			} else if parent := stack[len(stack)-1]; !slices.Contains(schema[parent.name].children, name) {
				return fmt.Errorf("<%s> inside <%s>", name, parent.name)
			}
			n := &node{name: name, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				k := a.Name.Local
				if !slices.Contains(el.required, k) && !slices.Contains(el.optional, k) {
					return fmt.Errorf("<%s> has attribute %s, not in the schema", name, k)
				}
				if _, dup := n.attrs[k]; dup {
					return fmt.Errorf("<%s> has attribute %s twice", name, k)
				}
				n.attrs[k] = a.Value
				if err := checkValue(name, k, a.Value); err != nil {
					return err
				}
			}
			for _, k := range el.required {
				if _, ok := n.attrs[k]; !ok {
					return fmt.Errorf("<%s> lacks required attribute %s", name, k)
				}
			}
			if len(stack) > 0 {
				switch p := stack[len(stack)-1]; name {
				case "failure":
					p.failed = true
				case "error":
					p.errored = true
				}
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n.name == "testcase" {
				n.cases = 1
				if n.failed {
					n.failures = 1
				}
				if n.errored {
					n.errors = 1
				}
			}
			if n.name == "testsuite" || n.name == "testsuites" {
				for k, v := range map[string]int{"tests": n.cases, "failures": n.failures, "errors": n.errors} {
					if s, ok := n.attrs[k]; ok && s != strconv.Itoa(v) {
						return fmt.Errorf("<%s name=%q> says %s=%s, holds %d", n.name, n.attrs["name"], k, s, v)
					}
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.cases += n.cases
				p.failures += n.failures
				p.errors += n.errors
			}
		case xml.CharData:
			if len(stack) > 0 && !schema[stack[len(stack)-1].name].text && len(bytes.TrimSpace(tok)) > 0 {
				return fmt.Errorf("text inside <%s>", stack[len(stack)-1].name)
			}
		case xml.Directive:
			return errors.New("directive (DOCTYPE) in a JUnit document")
		}
	}
	if roots != 1 {
		return fmt.Errorf("%d root elements, want 1", roots)
	}
	return nil
}

func checkValue(el, attr, v string) error {
	switch {
	case slices.Contains(counted, attr):
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return fmt.Errorf("<%s %s=%q>: not a count", el, attr, v)
		}
	case attr == "time":
		if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 {
			return fmt.Errorf("<%s time=%q>: not a number of seconds", el, v)
		}
	}
	return nil
}
