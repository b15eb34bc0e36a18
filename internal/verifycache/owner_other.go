//go:build !unix

package verifycache

import (
	"errors"
	"os"
)

// canCheckOwner is false: Open refuses every root here.
const canCheckOwner = false

// ownedByMe cannot tell who owns a directory here (Windows has ACLs, not
// a uid and mode bits), so it refuses every root: the cache is off and
// members are hashed on every read, which costs time and never trust.
func ownedByMe(os.FileInfo) error {
	return errors.New("ownership cannot be checked on this platform; the verify cache is off")
}
