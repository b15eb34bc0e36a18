package kubectl

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnlyThisPackageStartsProcesses pins the read-only guarantee
// structurally: outside tests and scripts, the only code that starts a
// process is the exec runner in this package, which always passes
// CheckReadOnly first. (Seed-spec §5.1 22/23, §5.4 27: the old tool grepped
// its sources for mutating kubectl verbs; this is the Go equivalent.)
func TestOnlyThisPackageStartsProcesses(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	var offenders []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "scripts", "e2e", "fixtures":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		src := string(b)
		for _, call := range []string{"exec.Command", "os.StartProcess", "syscall.Exec", "syscall.ForkExec"} {
			if strings.Contains(src, call) && filepath.ToSlash(p) != "../../capture/kubectl/kubectl.go" {
				offenders = append(offenders, p+": "+call)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(offenders) > 0 {
		t.Errorf("processes may only be started by capture/kubectl/kubectl.go; found:\n%s", strings.Join(offenders, "\n"))
	}
}
