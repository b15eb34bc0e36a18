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
			_, err := fmt.Fprintf(e.stdout, "ksnap %s (bundle format v%d, %s %s/%s)\n",
				buildinfo.Version(), bundle.FormatVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
