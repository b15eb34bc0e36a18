package main

import (
	"errors"
	"flag"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/ksnap/ksnap/capture/kubectl/kubectltest"
	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite golden files and testscript cmp targets")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ksnap":   main,
		"kubectl": kubectltest.Main,
		// The same binary under its kubectl plugin name (kubectl ksnap ...).
		pluginName:           main,
		pluginCompletionName: main,
	})
}

// TestScripts runs the CLI end to end from testdata/script/*.txtar with the
// real ksnap binary and the strict fake kubectl. Scripts run with TZ and
// locale unset apart from what they set.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// status N PROG ARGS... runs PROG like exec and requires exit
			// status N (exec itself only tells zero from non-zero).
			"status": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: status N PROG [ARGS...]")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("%v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("exit status %d, want %d", got, want)
				}
			},
			// globenv VAR PATTERN sets $VAR to the single file matching
			// PATTERN (relative to $WORK): bundle names carry a capture time.
			"globenv": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: globenv VAR PATTERN")
				}
				m, err := filepath.Glob(ts.MkAbs(args[1]))
				ts.Check(err)
				sort.Strings(m)
				if len(m) != 1 {
					ts.Fatalf("globenv: %d files match %s: %q", len(m), args[1], m)
				}
				ts.Setenv(args[0], m[0])
			},
		},
		Setup: func(e *testscript.Env) error {
			e.Setenv("KSNAP_FAKE_KUBECTL_LOG", e.WorkDir+"/kubectl.log")
			e.Setenv("HOME", e.WorkDir+"/home")
			e.Setenv("KUBECONFIG", "")
			return nil
		},
	})
}
