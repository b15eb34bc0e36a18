// Package lib is a library: no cobra.
package lib

import "github.com/spf13/cobra"

// C keeps cobra used.
var C cobra.Command
