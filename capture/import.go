package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/buildinfo"
	"github.com/ksnap/ksnap/internal/jsonlimit"
	"github.com/ksnap/ksnap/internal/k8sname"
	"github.com/ksnap/ksnap/internal/regfile"
	"github.com/tidwall/gjson"
	"sigs.k8s.io/yaml"
)

// ImportOptions name the files of a capture made by hand elsewhere, e.g. with
// `kubectl get jobs -o json` at an air-gapped site.
type ImportOptions struct {
	// JobsFile, PodsFile, EventsFile are kubectl outputs (JSON or YAML); an
	// empty name records that list as not captured.
	JobsFile, PodsFile, EventsFile string
	// LogsDir holds POD/CONTAINER.log (and CONTAINER.previous.log) files.
	LogsDir   string
	Namespace string
	Selector  string
	Context   string
	// CapturedAt is when the files were captured: "now" for every analysis.
	CapturedAt time.Time
	// Out is a directory, or a file path ending in .tar.zst.
	Out string
	// Stdin is read for the one input whose file name is "-".
	Stdin io.Reader
}

// ImportError names the input file and what is wrong with it. Input is
// the list it was given as (bundle.KindJobs, KindPods, KindEvents) or
// "logs" for a file of LogsDir.
type ImportError struct {
	Input string
	Path  string
	Err   error
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *ImportError) Unwrap() error { return e.Err }

// kinds accepted per list: the List kinds and the single-object kind.
var importKinds = map[string]struct{ list, item string }{
	bundle.KindJobs:   {"JobList", "Job"},
	bundle.KindPods:   {"PodList", "Pod"},
	bundle.KindEvents: {"EventList", "Event"},
}

// Import builds a bundle from kubectl output files and returns its path. The
// same inputs always give the same bundle bytes. JSON is stored byte for
// byte; YAML is stored converted to JSON, with the original bytes kept as
// source/FILE.
func Import(opts ImportOptions) (string, error) {
	if opts.Namespace == "" {
		return "", errors.New("a namespace is required")
	}
	if err := k8sname.Namespace(opts.Namespace); err != nil {
		return "", err
	}
	if err := k8sname.Selector(opts.Selector); err != nil {
		return "", err
	}
	if opts.Context != "" {
		if err := k8sname.Context(opts.Context); err != nil {
			return "", err
		}
	}
	if opts.CapturedAt.IsZero() {
		return "", errors.New("the capture time is required")
	}
	if opts.Out == "" {
		return "", errors.New("an output directory or FILE.tar.zst is required")
	}
	if opts.JobsFile == "" && opts.PodsFile == "" && opts.EventsFile == "" {
		return "", errors.New("nothing to import: no jobs, pods or events file")
	}
	var members []bundle.Member
	var cmds []bundle.Command
	inputs := []struct{ kind, path, member string }{
		{bundle.KindJobs, opts.JobsFile, bundle.JobsMember},
		{bundle.KindPods, opts.PodsFile, bundle.PodsMember},
		{bundle.KindEvents, opts.EventsFile, bundle.EventsMember},
	}
	stdinUsed := false
	sources := map[string]bool{}
	for _, in := range inputs {
		c := bundle.Command{Kind: in.kind, Argv: []string{}, Status: bundle.StatusNotCaptured, ExitCode: -1,
			Error: "not given to import"}
		if in.path == "" {
			cmds = append(cmds, c)
			continue
		}
		var raw []byte
		var err error
		if in.path == "-" {
			if stdinUsed || opts.Stdin == nil {
				err = errors.New("standard input can be read for one input only")
			} else {
				stdinUsed = true
				raw, err = readBounded(opts.Stdin, bundle.MaxMemberSize)
			}
		} else {
			raw, err = regfile.ReadFile(in.path, bundle.MaxMemberSize)
		}
		if err != nil {
			return "", &ImportError{Input: in.kind, Path: in.path, Err: err}
		}
		data, format, err := toJSON(raw)
		if err != nil {
			return "", &ImportError{Input: in.kind, Path: in.path, Err: err}
		}
		if err := checkKind(data, importKinds[in.kind].list, importKinds[in.kind].item); err != nil {
			return "", &ImportError{Input: in.kind, Path: in.path, Err: err}
		}
		c.Status, c.ExitCode, c.Error = bundle.StatusOK, 0, ""
		c.Member = in.member
		c.SourceFile = filepath.Base(in.path)
		c.SourceFormat = format
		members = append(members, bundle.Member{Name: in.member, Data: data})
		if format == "yaml" {
			src := "source/" + in.kind + "-" + sanitize(filepath.Base(in.path))
			if sources[src] {
				return "", &ImportError{Input: in.kind, Path: in.path, Err: errors.New("the same file name is given twice")}
			}
			sources[src] = true
			members = append(members, bundle.Member{Name: src, Data: raw})
		}
		cmds = append(cmds, c)
	}
	if opts.LogsDir != "" {
		logCmds, logMembers, err := importLogs(opts.LogsDir)
		if err != nil {
			return "", err
		}
		cmds = append(cmds, logCmds...)
		members = append(members, logMembers...)
	}
	at := bundle.FormatTime(opts.CapturedAt)
	m := &bundle.Manifest{
		Format:        bundle.Format,
		FormatVersion: bundle.FormatVersion,
		KsnapVersion:  buildinfo.Version(),
		Source:        bundle.SourceImport,
		CapturedAt:    at,
		FinishedAt:    at,
		Namespace:     opts.Namespace,
		Selector:      opts.Selector,
		Context:       opts.Context,
		Options:       bundle.Options{Logs: string(LogsNone)},
		Commands:      cmds,
	}
	if opts.LogsDir != "" {
		m.Options.Logs = string(LogsAll)
	}
	return bundle.WriteTo(opts.Out, m, members)
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, s)
}

// toJSON returns JSON bytes: the input itself when it is JSON, else the
// conversion of a single YAML document, as kubectl -o yaml prints it.
func toJSON(raw []byte) ([]byte, string, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return nil, "", errors.New("the file is empty; want kubectl's -o json or -o yaml output")
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		// gjson's validator recurses once per level: check depth first.
		if err := jsonlimit.Check(raw); err != nil {
			return nil, "", err
		}
		if gjson.ValidBytes(raw) {
			return raw, "json", nil
		}
		return nil, "", errors.New("not valid JSON (truncated, or several documents?); want one kubectl -o json output")
	}
	if yamlDocuments(raw) > 1 {
		return nil, "", errors.New("holds several YAML documents; want one kubectl -o yaml output")
	}
	j, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, "", fmt.Errorf("neither JSON nor YAML: %v", err)
	}
	if err := jsonlimit.Check(j); err != nil {
		return nil, "", fmt.Errorf("converted from YAML: %w", err)
	}
	return j, "yaml", nil
}

// yamlDocuments counts the non-empty documents of a YAML stream.
func yamlDocuments(raw []byte) int {
	docs, content := 0, false
	for _, line := range bytes.Split(raw, []byte("\n")) {
		t := bytes.TrimRight(line, " \t\r")
		if bytes.Equal(t, []byte("---")) || bytes.HasPrefix(t, []byte("--- ")) {
			if content {
				docs++
			}
			content = false
			continue
		}
		if len(bytes.TrimSpace(t)) > 0 && !bytes.HasPrefix(bytes.TrimSpace(t), []byte("#")) {
			content = true
		}
	}
	if content {
		docs++
	}
	return docs
}

// checkKind accepts a List or typed list whose items are of the item kind
// (items may lack kind, as in client-go typed lists), a bare array of such
// objects, or a single object of that kind (kind may be missing when it has
// metadata).
func checkKind(data []byte, listKind, itemKind string) error {
	root := gjson.ParseBytes(data)
	checkItems := func(items gjson.Result) error {
		if items.Type == gjson.Null || !items.Exists() {
			return nil
		}
		if !items.IsArray() {
			return errors.New("items is not a list")
		}
		var bad error
		i := 0
		items.ForEach(func(_, it gjson.Result) bool {
			if !it.IsObject() {
				bad = fmt.Errorf("items[%d] is not an object", i)
				return false
			}
			if k := it.Get("kind").String(); k != "" && k != itemKind {
				bad = fmt.Errorf("items[%d] is a %s, want %s", i, k, itemKind)
				return false
			}
			i++
			return true
		})
		return bad
	}
	switch {
	case root.IsArray():
		return checkItems(root)
	case root.IsObject():
		kind := root.Get("kind").String()
		switch kind {
		case "List", listKind:
			return checkItems(root.Get("items"))
		case itemKind:
			return nil
		case "":
			if root.Get("items").Exists() {
				return checkItems(root.Get("items"))
			}
			if root.Get("metadata").IsObject() {
				return nil
			}
			return fmt.Errorf("holds no kind, items or metadata: not a %s or %s", itemKind, listKind)
		default:
			return fmt.Errorf("holds kind %s, want %s, List or %s", kind, listKind, itemKind)
		}
	}
	return fmt.Errorf("holds a JSON %s, want a %s, List or %s object", root.Type, listKind, itemKind)
}

// importLogs reads DIR/POD/CONTAINER.log and DIR/POD/CONTAINER.previous.log.
func importLogs(dir string) ([]bundle.Command, []bundle.Member, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, nil, &ImportError{Input: "logs", Path: dir, Err: err}
	}
	sort.Strings(names)
	var cmds []bundle.Command
	var members []bundle.Member
	for _, rel := range names {
		parts := strings.Split(rel, "/")
		if len(parts) != 2 || !strings.HasSuffix(parts[1], ".log") {
			return nil, nil, &ImportError{Input: "logs", Path: filepath.Join(dir, rel),
				Err: errors.New("unexpected file: want POD/CONTAINER.log or POD/CONTAINER.previous.log")}
		}
		pod, file := parts[0], parts[1]
		kind, container := bundle.KindLog, strings.TrimSuffix(file, ".log")
		if strings.HasSuffix(container, ".previous") {
			kind, container = bundle.KindPreviousLog, strings.TrimSuffix(container, ".previous")
		}
		if err := k8sname.Object("pod", pod); err != nil {
			return nil, nil, &ImportError{Input: "logs", Path: filepath.Join(dir, rel), Err: err}
		}
		if err := k8sname.Container(container); err != nil {
			return nil, nil, &ImportError{Input: "logs", Path: filepath.Join(dir, rel), Err: err}
		}
		member := bundle.LogMember(pod, container, kind == bundle.KindPreviousLog)
		if err := bundle.CheckMemberName(member); err != nil {
			return nil, nil, &ImportError{Input: "logs", Path: filepath.Join(dir, rel), Err: err}
		}
		data, err := regfile.ReadFile(filepath.Join(dir, rel), bundle.MaxMemberSize)
		if err != nil {
			return nil, nil, &ImportError{Input: "logs", Path: filepath.Join(dir, rel), Err: err}
		}
		cmds = append(cmds, bundle.Command{Kind: kind, Member: member, Argv: []string{}, SourceFile: rel,
			Pod: pod, Container: container, Status: bundle.StatusOK})
		members = append(members, bundle.Member{Name: member, Data: data})
	}
	ptrs := make([]*bundle.Member, len(members))
	for i := range members {
		ptrs[i] = &members[i]
	}
	cutLogs(cmds, ptrs, bundle.MaxLogTail, bundle.MaxLogTotal)
	return cmds, members, nil
}

// readBounded reads r whole, refusing more than limit bytes.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}
