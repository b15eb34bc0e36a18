// Package buildinfo owns ksnap's version string: the one value stamped into
// every bundle manifest and printed by `ksnap version`.
package buildinfo

import "runtime/debug"

// version is set at link time with -ldflags "-X github.com/ksnap/ksnap/internal/buildinfo.version=v1.2.3".
var version = ""

// Version returns the ksnap version: the linker-stamped value, else the main
// module version from the Go build info, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
