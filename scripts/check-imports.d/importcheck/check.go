package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// importRule says which packages may import some import paths.
type importRule struct {
	imports []string // import paths; "p/..." is p and everything below
	allowed []string // module-relative package patterns
	why     string
}

var importRules = []importRule{
	{
		imports: []string{"github.com/spf13/cobra/...", "github.com/spf13/pflag/..."},
		allowed: []string{"cmd/..."},
		why:     "flag parsing belongs to cmd/; libraries take typed options",
	},
	{
		imports: []string{"html/template", "text/template", "encoding/xml"},
		allowed: []string{"render/..."},
		why:     "only renderer packages (render/...) write documents",
	},
	{
		imports: []string{"net", "net/http/...", "net/rpc/...", "net/smtp"},
		allowed: []string{"notify/...", "history/postgres/...", "bundle/s3/...", "capture/bundle/s3/...", "serve/...", "internal/httpfake"},
		why:     "only notifiers, remote stores and ksnap serve talk to the network",
	},
}

// denyRule says which imports some packages must not have. An import
// starting with "./" is relative to the module.
type denyRule struct {
	packages []string // module-relative package patterns
	imports  []string
	why      string
}

var denyRules = []denyRule{
	{
		packages: []string{"render/..."},
		imports:  []string{"os", "net", "net/http/...", "./capture/...", "./cmd/..."},
		why:      "renderers take (io.Writer, value): no files, network or capture",
	},
	{
		packages: []string{"analyze/...", "history/..."},
		imports:  []string{"./render/..."},
		why:      "evaluation and stores return values; cmd picks the renderer",
	},
}

// evaluation are the packages that must give the same bytes for the same
// input on any machine at any time.
var evaluation = []string{"analyze/...", "history", "render/..."}

// forbiddenSymbols are what evaluation must not use: package-level names
// as "importpath.Name", methods as "importpath.Type.Method".
var forbiddenSymbols = map[string]string{
	"time.Now":          "reads the wall clock",
	"time.Since":        "reads the wall clock",
	"time.Until":        "reads the wall clock",
	"time.Tick":         "a timer reads the wall clock",
	"time.After":        "a timer reads the wall clock",
	"time.AfterFunc":    "a timer reads the wall clock",
	"time.NewTimer":     "a timer reads the wall clock",
	"time.NewTicker":    "a timer reads the wall clock",
	"time.Sleep":        "waits on the clock",
	"time.Local":        "is the machine's time zone",
	"time.LoadLocation": "reads the machine's zone database",
	"time.Time.Local":   "converts to the machine's time zone",
	"os.Getenv":         "reads the environment",
	"os.LookupEnv":      "reads the environment",
	"os.Environ":        "reads the environment",
	"os.ExpandEnv":      "reads the environment",
	"os.Hostname":       "names the machine",
	"syscall.Getenv":    "reads the environment",
}

const evaluationWhy = "evaluation must not depend on when or where it runs"

// listed is the part of `go list -json` output the checks use.
type listed struct {
	ImportPath string
	Dir        string
	Name       string
	GoFiles    []string
	Imports    []string
	ImportMap  map[string]string
	Export     string
	Standard   bool
	DepOnly    bool
	Module     *struct{ Path string }
	Error      *struct{ Err string }
}

// goList runs go list -json in dir and decodes its stream of packages.
func goList(dir string, args ...string) ([]listed, error) {
	cmd := exec.Command("go", append([]string{"list", "-e", "-json"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	var ps []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// match reports whether path matches pattern ("p/..." is p and below).
func match(pattern, path string) bool {
	if p, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == p || strings.HasPrefix(path, p+"/")
	}
	return path == pattern
}

func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if match(p, path) {
			return true
		}
	}
	return false
}

// moduleRelative replaces a leading "./" by the module path.
func moduleRelative(mod string, patterns []string) []string {
	out := make([]string, len(patterns))
	for i, p := range patterns {
		if rest, ok := strings.CutPrefix(p, "./"); ok {
			p = mod + "/" + rest
		}
		out[i] = p
	}
	return out
}

// Check checks the packages matched by patterns in the module at dir and
// returns the violations, sorted.
func Check(dir string, patterns ...string) ([]string, error) {
	ps, err := goList(dir, patterns...)
	if err != nil {
		return nil, err
	}
	var vs []string
	var eval []listed
	for _, p := range ps {
		if p.Error != nil {
			return nil, fmt.Errorf("%s: %s", p.ImportPath, p.Error.Err)
		}
		if p.Module == nil {
			return nil, fmt.Errorf("%s: not in a module", p.ImportPath)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, p.Module.Path), "/")
		for _, imp := range p.Imports {
			for _, r := range importRules {
				if matchAny(r.imports, imp) && !matchAny(r.allowed, rel) {
					vs = append(vs, fmt.Sprintf("%s imports %s: %s", p.ImportPath, imp, r.why))
				}
			}
			for _, r := range denyRules {
				if matchAny(r.packages, rel) && matchAny(moduleRelative(p.Module.Path, r.imports), imp) {
					vs = append(vs, fmt.Sprintf("%s imports %s: %s", p.ImportPath, imp, r.why))
				}
			}
		}
		if matchAny(evaluation, rel) {
			eval = append(eval, p)
		}
	}
	if len(eval) > 0 {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		ev, err := checkSymbols(abs, eval)
		if err != nil {
			return nil, err
		}
		vs = append(vs, ev...)
	}
	sort.Strings(vs)
	return vs, nil
}

// checkSymbols type-checks each evaluation package against its
// dependencies' export data (go list -export) and reports every use of a
// forbidden symbol.
func checkSymbols(dir string, eval []listed) ([]string, error) {
	var paths []string
	for _, p := range eval {
		paths = append(paths, p.ImportPath)
	}
	deps, err := goList(dir, append([]string{"-export", "-deps"}, paths...)...)
	if err != nil {
		return nil, err
	}
	export := map[string]string{}
	for _, d := range deps {
		if d.Error != nil {
			return nil, fmt.Errorf("%s: %s", d.ImportPath, d.Error.Err)
		}
		export[d.ImportPath] = d.Export
	}
	var vs []string
	for _, p := range eval {
		pv, err := checkPackage(dir, p, export)
		if err != nil {
			return nil, err
		}
		vs = append(vs, pv...)
	}
	return vs, nil
}

// checkPackage reports p's forbidden uses, files named relative to dir.
func checkPackage(dir string, p listed, export map[string]string) ([]string, error) {
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if m, ok := p.ImportMap[path]; ok {
			path = m
		}
		f, ok := export[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	var files []*ast.File
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: imp}
	if _, err := conf.Check(p.ImportPath, fset, files, info); err != nil {
		return nil, fmt.Errorf("type-check %s: %w", p.ImportPath, err)
	}
	var vs []string
	for id, obj := range info.Uses {
		key := symbolKey(obj)
		if why, bad := forbiddenSymbols[key]; bad {
			pos := fset.Position(id.Pos())
			name, err := filepath.Rel(dir, pos.Filename)
			if err != nil {
				name = pos.Filename
			}
			vs = append(vs, fmt.Sprintf("%s:%d:%d: %s %s (%s)", filepath.ToSlash(name), pos.Line, pos.Column, key, why, evaluationWhy))
		}
	}
	return vs, nil
}

// symbolKey names a package-level object "path.Name" and a method
// "path.Type.Method"; anything else (locals, fields, builtins) is "".
func symbolKey(obj types.Object) string {
	if obj.Pkg() == nil {
		return ""
	}
	if fn, ok := obj.(*types.Func); ok {
		if recv := fn.Signature().Recv(); recv != nil {
			t := recv.Type()
			if ptr, ok := t.(*types.Pointer); ok {
				t = ptr.Elem()
			}
			named, ok := types.Unalias(t).(*types.Named)
			if !ok {
				return ""
			}
			return obj.Pkg().Path() + "." + named.Obj().Name() + "." + fn.Name()
		}
	}
	if obj.Parent() != obj.Pkg().Scope() {
		return ""
	}
	return obj.Pkg().Path() + "." + obj.Name()
}
