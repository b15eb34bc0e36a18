package main

import (
	"context"
	"errors"

	"github.com/ksnap/ksnap/internal/buildinfo"

	"github.com/spf13/cobra"
)

// run builds the command tree, runs it and returns the exit code.
func run(ctx context.Context, args []string, e *env) (code int) {
	defer func() {
		if r := recover(); r != nil {
			// A bug must still give one line and a documented code, not a stack trace.
			code = exitCode(errors.New("internal error (please report it): "+panicString(r)), e.stderr)
		}
	}()
	root := newRootCmd(e)
	if e.progName == pluginCompletionName {
		args = append([]string{cobra.ShellCompRequestCmd}, args...)
	}
	root.SetArgs(args)
	return exitCode(root.ExecuteContext(ctx), e.stderr)
}

func panicString(r any) string {
	if err, ok := r.(error); ok {
		return err.Error()
	}
	if s, ok := r.(string); ok {
		return s
	}
	return "unexpected panic"
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "ksnap",
		Short: "Record kubectl snapshots of batch workloads and replay health verdicts offline",
		Long: `ksnap records what kubectl prints about the Jobs, Pods and Events of one
namespace into timestamped zstd bundles (capture), and evaluates those bundles
offline, with no cluster, into OK/WARN/ERROR verdicts (analyze) kept in a JSONL
history (history, record). ksnap only ever runs kubectl get, logs and version.
` + exitStatusHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		// ksnap completion bash|zsh|fish|powershell: cobra's generator, on purpose.
		CompletionOptions:          cobra.CompletionOptions{HiddenDefaultCmd: false},
		Version:                    buildinfo.Version(),
		SuggestionsMinimumDistance: 2,
		Args:                       cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetIn(e.stdin)
	root.SetVersionTemplate(versionLine() + "\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{suggestFlag(cmd, err)}
	})
	root.AddCommand(
		newVersionCmd(e),
		newCaptureCmd(e, nil),
		newBundleCmd(e),
		newAnalyzeCmd(e, nil),
		newRecordCmd(e, nil),
		newWatchCmd(e, nil),
		newHistoryCmd(e),
		newKeyCmd(e),
		newDiffCmd(e, nil),
		newReevaluateCmd(e, nil),
		newExportCmd(e),
		newAlertCmd(e, nil),
		newServeCmd(e, nil),
		newManCmd(e),
	)
	usageArgs(root)
	if e.progName == pluginName || e.progName == pluginCompletionName {
		asKubectlPlugin(root)
	}
	return root
}

// usageArgs wraps every command's positional-argument check so that a wrong
// argument count is a usage error (exit 3, "see --help") like a bad flag.
func usageArgs(cmd *cobra.Command) {
	if v := cmd.Args; v != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := v(c, args); err != nil {
				return &usageError{suggestCommand(c, args, err)}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		usageArgs(sub)
	}
}
