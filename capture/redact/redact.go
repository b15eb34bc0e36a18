// Package redact derives a shareable copy of a bundle: env values,
// Secret-looking fields (keys naming a token, password, secret, credential
// or API key), the last-applied-configuration annotation (a copy of the
// whole spec, env included), the --kubeconfig paths in the manifest's argv,
// and whatever a rules file names are replaced by a marker. Everything the
// analyzer judges (names, phases, counters, conditions, states, times,
// events) is kept, so a redacted bundle gives the same verdicts. The
// original is only read; the copy records that it is redacted, the rules'
// sha256 and the original's sha256. It never prints and never runs kubectl.
package redact

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/jsonlimit"
	"github.com/ksnap/ksnap/internal/regfile"
)

// Marker replaces every redacted value.
const Marker = "[REDACTED]"

// secretKey matches object keys whose string values are credentials.
var secretKey = regexp.MustCompile(`(?i)(token|passw(or)?d|secret|credential|api[-_]?key|private[-_]?key|access[-_]?key|auth)`)

// lastApplied is a copy of the whole object, env values included.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// Rules are the user's additions: object keys whose string values are
// redacted, and patterns replaced wherever they occur in a string value or
// a log.
type Rules struct {
	Keys   []*regexp.Regexp
	Values []*regexp.Regexp
	// SHA256 is the hex sha256 of the rules file ("" without one).
	SHA256 string
}

// ParseRules reads a rules file: one rule per line, "key REGEX" (redact
// the string value of any object key matching REGEX) or "value REGEX"
// (replace matches in every string value and log line); blank lines and
// lines starting with # are ignored. Errors name the line.
func ParseRules(data []byte) (*Rules, error) {
	sum := sha256.Sum256(data)
	r := &Rules{SHA256: hex.EncodeToString(sum[:])}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, expr, _ := strings.Cut(line, " ")
		re, err := regexp.Compile(strings.TrimSpace(expr))
		if err != nil || strings.TrimSpace(expr) == "" {
			return nil, fmt.Errorf("line %d: %q is not a valid regular expression", n, strings.TrimSpace(expr))
		}
		switch kind {
		case "key":
			r.Keys = append(r.Keys, re)
		case "value":
			r.Values = append(r.Values, re)
		default:
			return nil, fmt.Errorf("line %d: want \"key REGEX\" or \"value REGEX\", got %q", n, line)
		}
	}
	return r, sc.Err()
}

// LoadRules reads and parses the rules file at path (a regular file of at
// most 1 MiB); errors name the file and line.
func LoadRules(path string) (*Rules, error) {
	data, err := regfile.ReadFile(path, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("rules %s: %w", path, err)
	}
	r, err := ParseRules(data)
	if err != nil {
		return nil, fmt.Errorf("rules %s: %w", path, err)
	}
	return r, nil
}

func (r *Rules) key(k string) bool {
	if secretKey.MatchString(k) || k == lastApplied {
		return true
	}
	for _, re := range r.Keys {
		if re.MatchString(k) {
			return true
		}
	}
	return false
}

func (r *Rules) text(s string) string {
	for _, re := range r.Values {
		s = re.ReplaceAllLiteralString(s, Marker)
	}
	return s
}

// Options name a redaction: the bundle to read, where to write the copy
// (a directory, or a path ending in .tar.zst) and an optional rules file.
type Options struct {
	In, Out, RulesFile string
}

// Run verifies the bundle In, writes its redacted copy to Out and returns
// the copy's path.
func Run(o Options) (string, error) {
	var rules *Rules
	if o.RulesFile != "" {
		var err error
		if rules, err = LoadRules(o.RulesFile); err != nil {
			return "", err
		}
	}
	b, err := bundle.Open(o.In)
	if err != nil {
		return "", err
	}
	m, ms, err := Bundle(b, rules)
	if err != nil {
		return "", err
	}
	return bundle.WriteTo(o.Out, m, ms)
}

// Bundle returns the redacted copy of b: the same members, each JSON list
// rewritten (compact) with the redactions, logs and other text with the
// value rules applied; the manifest marked redacted. rules may be nil.
func Bundle(b *bundle.Bundle, rules *Rules) (*bundle.Manifest, []bundle.Member, error) {
	var ms []bundle.Member
	for _, name := range b.Names() {
		data, err := b.Member(name)
		if err != nil {
			return nil, nil, err
		}
		ms = append(ms, bundle.Member{Name: name, Data: data})
	}
	m, out, err := Apply(b.Manifest, ms, b.SHA256, rules)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", b.Path, err)
	}
	return m, out, nil
}

// Apply redacts a manifest and its members (Bundle, and capture --redact,
// which never writes the raw copy: original is then ""). It does not modify
// its arguments.
func Apply(orig *bundle.Manifest, members []bundle.Member, original string, rules *Rules) (*bundle.Manifest, []bundle.Member, error) {
	if rules == nil {
		rules = &Rules{}
	}
	m := *orig
	m.Commands = append([]bundle.Command(nil), orig.Commands...)
	m.Members = nil
	m.Redaction = &bundle.Redaction{RulesSHA256: rules.SHA256, OriginalSHA256: original}
	m.Context = rules.text(m.Context)
	for i := range m.Commands {
		c := &m.Commands[i]
		c.Argv = redactArgv(c.Argv)
		c.Stderr = rules.text(c.Stderr)
		c.Error = rules.text(c.Error)
	}
	out := make([]bundle.Member, 0, len(members))
	for _, mb := range members {
		var red []byte
		if strings.HasSuffix(mb.Name, ".json") && jsonlimit.Check(mb.Data) == nil && json.Valid(mb.Data) {
			var err error
			if red, err = rewrite(mb.Data, rules); err != nil {
				return nil, nil, fmt.Errorf("member %s: %w", mb.Name, err)
			}
		} else {
			// Logs, YAML sources, output that is not JSON: the value rules only.
			red = []byte(rules.text(string(mb.Data)))
		}
		out = append(out, bundle.Member{Name: mb.Name, Data: red})
	}
	return &m, out, nil
}

// redactArgv hides the values of --kubeconfig (a path can name a token).
func redactArgv(argv []string) []string {
	out := append([]string(nil), argv...)
	for i := range out {
		if out[i] == "--kubeconfig" && i+1 < len(out) {
			out[i+1] = Marker
		}
		if strings.HasPrefix(out[i], "--kubeconfig=") {
			out[i] = "--kubeconfig=" + Marker
		}
	}
	return out
}

// frame is one open object or array of the rewrite.
type frame struct {
	object bool
	// key is the current key (objects) and wantKey whether the next
	// token is a key.
	key     string
	wantKey bool
	// parentKey is the key this container is the value of.
	parentKey string
	n         int
}

// rewrite streams data's JSON tokens into compact JSON, replacing redacted
// string values by Marker: values of secret keys, env values ("value" in an
// object inside an "env" array) and matches of the value rules.
func rewrite(data []byte, rules *Rules) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var buf bytes.Buffer
	buf.Grow(len(data))
	var stack []frame
	// inEnv reports whether the innermost object is an element of an
	// array under the key "env".
	inEnv := func() bool {
		n := len(stack)
		return n >= 2 && stack[n-1].object && !stack[n-2].object && stack[n-2].parentKey == "env"
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			buf.WriteByte(byte(d))
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].wantKey = true
			}
			continue
		}
		// A key.
		if top != nil && top.object && top.wantKey {
			k := tok.(string)
			if top.n > 0 {
				buf.WriteByte(',')
			}
			top.n++
			writeJSON(&buf, k)
			buf.WriteByte(':')
			top.key, top.wantKey = k, false
			continue
		}
		// A value.
		if top != nil && !top.object {
			if top.n > 0 {
				buf.WriteByte(',')
			}
			top.n++
		}
		parentKey := ""
		if top != nil && top.object {
			parentKey = top.key
		}
		switch v := tok.(type) {
		case json.Delim:
			buf.WriteByte(byte(v))
			stack = append(stack, frame{object: v == '{', wantKey: v == '{', parentKey: parentKey})
			continue
		case string:
			switch {
			case top != nil && top.object && (rules.key(top.key) || top.key == "value" && inEnv()):
				writeJSON(&buf, Marker)
			default:
				writeJSON(&buf, rules.text(v))
			}
		default:
			writeJSON(&buf, v)
		}
		if top != nil && top.object {
			top.wantKey = true
		}
	}
	if len(stack) != 0 {
		return nil, errors.New("unbalanced JSON")
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, v any) {
	if n, ok := v.(json.Number); ok {
		buf.WriteString(string(n))
		return
	}
	b, _ := json.Marshal(v)
	buf.Write(b)
}
