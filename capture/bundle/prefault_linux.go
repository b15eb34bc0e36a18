package bundle

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14): back a range with
// writable memory now, without changing its contents.
const madvPopulateWrite = 23

// prefault backs buf with memory ahead of the zstd decoder that is about to
// fill it. A 10,000-pod bundle decodes to 170 MB, and taking that as 40,000
// separate page faults cost as much as the decoding itself; one madvise per
// 4 MiB chunk, run on its own thread, takes the faults off the decoder's
// path. It never touches the bytes, so the decoder may write to the same
// pages meanwhile. Call the returned stop when decoding ends. Kernels before
// 5.14 refuse the advice, and then this does nothing.
func prefault(buf []byte) (stop func()) {
	const page, chunk = 4096, 4 << 20
	if len(buf) < 2*chunk {
		return func() {}
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	skip := int((page - start%page) % page)
	buf = buf[skip:]
	var done atomic.Bool
	go func() {
		for off := 0; off < len(buf) && !done.Load(); off += chunk {
			if syscall.Madvise(buf[off:min(off+chunk, len(buf))], madvPopulateWrite) != nil {
				return
			}
		}
	}()
	return func() { done.Store(true) }
}
