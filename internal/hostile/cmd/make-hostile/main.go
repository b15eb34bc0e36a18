// Command make-hostile writes ksnap's hostile corpus (package
// internal/hostile) into a directory: make-hostile DIR.
package main

import (
	"fmt"
	"os"

	"github.com/ksnap/ksnap/internal/hostile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: make-hostile DIR")
		os.Exit(2)
	}
	paths, err := hostile.Write(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "make-hostile:", err)
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}
