// Command importcheck is scripts/check-imports' checker: it enforces the
// dependency rules of STYLE.md §3 on a Go module, from `go list -json` and
// the type-checked source, and prints one line per violation:
//
//	check-imports: PACKAGE imports IMPORT: WHY
//	check-imports: FILE:LINE:COL: SYMBOL: WHY
//
// Rules (package patterns are relative to the module; "x/..." is x and
// everything below it; test files are not checked):
//
//   - only cmd/... imports cobra or pflag;
//   - only renderers (render/...) import html/template, text/template or
//     encoding/xml;
//   - only notifiers (notify/...), remote stores (history/postgres/...,
//     bundle/s3/..., capture/bundle/s3/...), the server (serve/...) and the
//     test-only HTTP fake (internal/httpfake)
//     import net, net/http, net/rpc or net/smtp (net/url and net/netip
//     only parse, and are allowed);
//   - renderers (render/...) never import os, net, net/http, capture or
//     cmd, and analyze/... and history/... never import a renderer;
//   - evaluation (analyze/..., history, render/...) never uses a
//     forbidden symbol: the wall clock, timers, the machine's time zone or
//     the environment (see forbiddenSymbols). Symbols are resolved by the
//     type checker, so a renamed or dot import is caught and a local
//     variable that happens to be called time is not.
//
// Usage: importcheck [-C DIR] [PATTERN...] (default ./...). Exit status 0:
// no violation; 1: violations; 2: the check could not run. It is a
// build-time tool, not part of ksnap.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	dir := flag.String("C", ".", "module directory to check")
	flag.Parse()
	patterns := flag.Args()
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	vs, err := Check(*dir, patterns...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "check-imports: %v\n", err)
		os.Exit(2)
	}
	for _, v := range vs {
		fmt.Println("check-imports: " + v)
	}
	if len(vs) > 0 {
		os.Exit(1)
	}
}
