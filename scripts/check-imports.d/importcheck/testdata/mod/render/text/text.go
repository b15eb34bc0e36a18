// Package text is a renderer that reaches for a file and for capture.
package text

import (
	"io"
	"os"

	"example.com/bad/capture"
)

// W writes to a file instead of the writer it is given.
func W(w io.Writer) (int, error) { _ = capture.X; return os.Stdout.Write(nil) }
