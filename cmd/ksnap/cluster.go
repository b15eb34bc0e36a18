package main

import "github.com/spf13/cobra"

// clusterName resolves --cluster: the flag, else $KSNAP_CLUSTER, else the
// kube context name (empty in a pod using its ServiceAccount, where the
// deployment sets KSNAP_CLUSTER).
func clusterName(cmd *cobra.Command, e *env, flag, contextName string) string {
	if cmd.Flags().Changed("cluster") {
		return flag
	}
	if v := e.getenv("KSNAP_CLUSTER"); v != "" {
		return v
	}
	return contextName
}
