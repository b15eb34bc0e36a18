//go:build !linux

package bundle

// prefault does nothing outside Linux (see prefault_linux.go).
func prefault(buf []byte) (stop func()) { return func() {} }
