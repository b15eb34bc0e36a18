//go:build unix

package verifycache

import (
	"fmt"
	"os"
	"syscall"
)

// ownedByMe checks that fi belongs to the current user; nil fi asks only
// whether the check can be made here (it can).
func ownedByMe(fi os.FileInfo) error {
	if fi == nil {
		return nil
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("owned by uid %d, not %d", st.Uid, os.Geteuid())
	}
	return nil
}
