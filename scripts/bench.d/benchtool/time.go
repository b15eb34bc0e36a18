package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// timeCmd runs a command -runs times (after -warmup untimed runs) and
// appends one line to -out: name, runs, median/min/max wall seconds, the
// median CPU seconds (user + system: what the process did, whatever the
// other users of a shared machine did meanwhile), the
// highest peak RSS of any run (getrusage's ru_maxrss of the child, in KiB)
// and the exit code. stdout goes to -stdout (default: discarded); stderr
// is passed through. A run that cannot start, is killed by a signal or
// exits with a code not in -ok fails the whole command.
func timeCmd(args []string) error {
	fs := flag.NewFlagSet("time", flag.ContinueOnError)
	runs := fs.Int("runs", 5, "timed runs")
	warmup := fs.Int("warmup", 1, "untimed runs first (page cache, binary)")
	name := fs.String("name", "", "row name")
	out := fs.String("out", "", "file to append the result line to")
	stdout := fs.String("stdout", os.DevNull, "file for the command's stdout")
	okCodes := fs.String("ok", "0", "comma-separated exit codes that count as success")
	if err := parse(fs, args); err != nil {
		return err
	}
	argv := fs.Args()
	if len(argv) == 0 || *name == "" || *out == "" || *runs < 1 {
		return errors.New("want -name, -out, -runs >= 1 and a command after --")
	}
	ok := map[int]bool{}
	for _, s := range strings.Split(*okCodes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-ok %q: %v", *okCodes, err)
		}
		ok[n] = true
	}
	var walls, cpus []float64
	var maxRSS int64
	code := 0
	for i := range *warmup + *runs {
		w, cpu, rss, c, err := runOnce(argv, *stdout)
		if err != nil {
			return err
		}
		if !ok[c] {
			return fmt.Errorf("%s: exit status %d (want one of %s)", strings.Join(argv, " "), c, *okCodes)
		}
		if i < *warmup {
			continue
		}
		walls = append(walls, w.Seconds())
		cpus = append(cpus, cpu.Seconds())
		maxRSS = max(maxRSS, rss)
		code = c
	}
	slices.Sort(walls)
	line := fmt.Sprintf("name=%s runs=%d median_s=%.6f min_s=%.6f max_s=%.6f cpu_s=%.6f rss_kib=%d exit=%d\n",
		*name, len(walls), median(walls), walls[0], walls[len(walls)-1], median(cpus), maxRSS, code)
	fmt.Fprint(os.Stderr, "  "+line)
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runOnce runs argv and returns its wall time, CPU time (user + system),
// peak RSS in KiB and exit code.
func runOnce(argv []string, stdoutPath string) (time.Duration, time.Duration, int64, int, error) {
	so, err := os.OpenFile(stdoutPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer so.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = so, os.Stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, 0, 0, 0, err
	}
	st := cmd.ProcessState
	if ws, isWS := st.Sys().(syscall.WaitStatus); isWS && ws.Signaled() {
		return 0, 0, 0, 0, fmt.Errorf("%s: killed by %v", argv[0], ws.Signal())
	}
	var rss int64
	if ru, isRU := st.SysUsage().(*syscall.Rusage); isRU {
		rss = int64(ru.Maxrss) // KiB on Linux
	}
	return wall, st.UserTime() + st.SystemTime(), rss, st.ExitCode(), nil
}

func median(s []float64) float64 {
	if len(s) == 0 {
		return 0
	}
	s = slices.Clone(s)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
