// Command tool may use cobra.
package main

import "github.com/spf13/cobra"

func main() { _ = cobra.Command{} }
