// Command benchtool is scripts/bench's helper: it generates the benchmark
// inputs (bundles with internal/gen, their raw kubectl JSON, a history
// file), times whole processes (median wall time and peak RSS from
// getrusage, so no /usr/bin/time is needed), and prints the final table
// from Go benchmark output and those timings. It is a build-time tool, not
// part of ksnap.
//
// Usage:
//
//	benchtool gen-bundle -pods N -dir DIR -raw DIR
//	benchtool gen-batch -n N -pods P -dir DIR
//	benchtool gen-history -n N -out FILE
//	benchtool time -runs N -name NAME -out FILE [-stdout FILE] -- PROG ARGS...
//	benchtool table -bench FILE -procs FILE [-md FILE] [-quick]
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "gen-bundle":
		err = genBundle(args)
	case "gen-batch":
		err = genBatch(args)
	case "gen-history":
		err = genHistory(args)
	case "time":
		err = timeCmd(args)
	case "table":
		err = table(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchtool %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchtool gen-bundle|gen-batch|gen-history|time|table [flags]")
	os.Exit(2)
}

func parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(os.Stderr)
	return fs.Parse(args)
}
