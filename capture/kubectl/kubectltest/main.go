package kubectltest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/capture/kubectl"
)

// Main is a strict fake kubectl program for testscript. It reads the spec
// file named by $KSNAP_FAKE_KUBECTL, one expected call per line:
//
//	ARGS... => EXIT STDOUT_FILE [STDERR_FILE] [sleep=DURATION]
//
// ARGS are the exact arguments (split on spaces), files are relative to the
// spec file ("-" for none), and # starts a comment. Every call is first
// passed through kubectl.CheckReadOnly (refused: exit 98) and appended to
// $KSNAP_FAKE_KUBECTL_LOG when set; a call not in the spec exits 99 with a
// message, so a test can never pass on an unexpected kubectl call.
func Main() {
	os.Exit(fakeMain(os.Args[1:]))
}

func fakeMain(args []string) int {
	if err := kubectl.CheckReadOnly(args); err != nil {
		fmt.Fprintf(os.Stderr, "kubectltest: %v\n", err)
		return 98
	}
	call := strings.Join(args, " ")
	if log := os.Getenv("KSNAP_FAKE_KUBECTL_LOG"); log != "" {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err == nil {
			fmt.Fprintln(f, call)
			f.Close()
		}
	}
	spec := os.Getenv("KSNAP_FAKE_KUBECTL")
	if spec == "" {
		fmt.Fprintln(os.Stderr, "kubectltest: KSNAP_FAKE_KUBECTL is not set")
		return 97
	}
	f, err := os.Open(spec)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubectltest: %v\n", err)
		return 97
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lhs, rhs, ok := strings.Cut(line, " => ")
		if !ok || strings.Join(strings.Fields(lhs), " ") != call {
			continue
		}
		fields := strings.Fields(rhs)
		if len(fields) < 2 {
			fmt.Fprintf(os.Stderr, "kubectltest: bad spec line %q\n", line)
			return 97
		}
		code, err := strconv.Atoi(fields[0])
		if err != nil {
			fmt.Fprintf(os.Stderr, "kubectltest: bad exit code in %q\n", line)
			return 97
		}
		var stderrFile string
		for _, fl := range fields[2:] {
			if d, ok := strings.CutPrefix(fl, "sleep="); ok {
				dur, err := time.ParseDuration(d)
				if err != nil {
					fmt.Fprintf(os.Stderr, "kubectltest: bad sleep in %q\n", line)
					return 97
				}
				time.Sleep(dur)
			} else {
				stderrFile = fl
			}
		}
		if err := copyFile(filepath.Dir(spec), fields[1], os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "kubectltest: %v\n", err)
			return 97
		}
		if err := copyFile(filepath.Dir(spec), stderrFile, os.Stderr); err != nil {
			fmt.Fprintf(os.Stderr, "kubectltest: %v\n", err)
			return 97
		}
		return code
	}
	fmt.Fprintf(os.Stderr, "kubectltest: unexpected kubectl call: %s\n", call)
	return 99
}

func copyFile(dir, name string, w *os.File) error {
	if name == "" || name == "-" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
