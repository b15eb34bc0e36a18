//go:build unix

package verifycache

import (
	"fmt"
	"os"
	"syscall"
)

// canCheckOwner says ownedByMe can tell who owns a directory here.
const canCheckOwner = true

// ownedByMe checks that fi belongs to the current user.
func ownedByMe(fi os.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("owned by uid %d, not %d", st.Uid, os.Geteuid())
	}
	return nil
}
