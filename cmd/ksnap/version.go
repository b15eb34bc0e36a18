package main

import (
	"fmt"
	"runtime"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/buildinfo"
	"github.com/spf13/cobra"
)

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the ksnap version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(e.stdout, versionLine())
			return err
		},
	}
}

// versionLine is what ksnap version and ksnap --version print.
func versionLine() string {
	return fmt.Sprintf("ksnap %s (bundle format v%d, %s %s/%s)",
		buildinfo.Version(), bundle.FormatVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
