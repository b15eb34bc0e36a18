package bundle

import (
	"errors"
	"fmt"
	"github.com/ksnap/ksnap/internal/regfile"
)

// Resource limits of format v1. A bundle is untrusted input (it may come
// from another site, years later, or from an attacker): every reader
// enforces these while streaming, before allocating, and the writer refuses
// to produce what a reader would refuse. docs/bundle-format.md lists them.
const (
	// MaxFileSize caps the compressed bundle file (1 GiB).
	MaxFileSize = 1 << 30
	// MaxBundleSize caps the decompressed tar stream of a whole bundle
	// (2 GiB), headers and padding included.
	MaxBundleSize = 2 << 30
	// BaseAllowance and MaxRatio bound the decompressed size by the file
	// size: at most BaseAllowance + MaxRatio × file size (and MaxBundleSize).
	// kubectl JSON compresses 5-50× (generated benchmark data 54×); a
	// zstd bomb compresses thousands of times better.
	BaseAllowance = 64 << 20
	MaxRatio      = 64
	// MaxMemberSize caps one member (1 GiB).
	MaxMemberSize = 1 << 30
	// MaxManifestSize caps manifest.json (64 MiB).
	MaxManifestSize = 64 << 20
	// MaxMembers caps the number of tar entries, the manifest included.
	MaxMembers = 100_000
	// MaxPadding caps the zero bytes allowed after the tar end-of-archive
	// marker (tar tools pad archives to a record size, 10 KiB by default).
	MaxPadding = 1 << 20
	// MaxWindow caps the zstd window a frame may ask for (32 MiB; format v1
	// writes 8 MiB, zstd levels up to 19 use at most 8 MiB).
	MaxWindow = 32 << 20
	// MaxLogTail caps one log member: capture keeps the last MaxLogTail
	// bytes of a longer kubectl logs output, starting at a line, and records
	// the cut (stdout_truncated, stdout_size).
	MaxLogTail = 4 << 20
	// MaxLogTotal caps the log members of one bundle together: once it is
	// spent, further log tails are cut to what is left (possibly nothing).
	MaxLogTotal = 32 << 20
)

// DecodeLimit is the most a bundle file of fileSize bytes may decompress to.
func DecodeLimit(fileSize int64) int64 {
	if fileSize < 0 || fileSize > MaxFileSize {
		return 0
	}
	return min(int64(BaseAllowance)+MaxRatio*fileSize, MaxBundleSize)
}

// ErrLimit is wrapped by every *LimitError, for errors.Is.
var ErrLimit = errors.New("limit exceeded")

// LimitError says an input exceeds one of the documented limits: What names
// the limit, Limit its value and Got what the input has (or claims; at
// least Limit+1 when the exact amount was not read).
type LimitError struct {
	What  string
	Limit int64
	Got   int64
}

func (e *LimitError) Error() string {
	if e.Got > e.Limit {
		return fmt.Sprintf("%s of %d exceeds the limit of %d", e.What, e.Got, e.Limit)
	}
	return fmt.Sprintf("%s exceeds the limit of %d", e.What, e.Limit)
}

func (e *LimitError) Unwrap() error { return ErrLimit }

// ErrNotRegular is wrapped by the error of opening anything but a regular
// file (a FIFO, a device, a directory) as a bundle.
var ErrNotRegular = regfile.ErrNotRegular
