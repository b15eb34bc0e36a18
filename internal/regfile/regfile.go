// Package regfile opens files that must be regular files (bundles, history
// files) without ever blocking on a FIFO or reading a device: it opens with
// O_NONBLOCK, checks the mode of what was opened (so a symlink is judged by
// its target, with no race between a check and the open) and refuses
// anything else with an error wrapping ErrNotRegular. It owns nothing else
// and never prints.
package regfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// ErrNotRegular is wrapped by the error of opening anything but a regular
// file: a FIFO, a device, a directory, a socket.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by ReadFile's error for a file over its cap.
var ErrTooLarge = errors.New("file too large")

// Open opens path with flag (os.O_RDONLY, os.O_RDWR|os.O_APPEND|os.O_CREATE,
// ...) and perm, and returns it only if it is a regular file. The returned
// file is in blocking mode again.
func Open(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NONBLOCK, perm)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, ModeName(fi.Mode()))}
	}
	// O_NONBLOCK means nothing for regular files, but clear it so that the
	// descriptor is exactly what a plain open gives.
	setBlocking(f)
	return f, nil
}

// Check returns nil if path does not exist or is a regular file (following
// symlinks), and an error wrapping ErrNotRegular otherwise. It is for paths
// a library will create or lock later (history files); it never opens.
func Check(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, ModeName(fi.Mode()))}
	}
	return nil
}

// ReadFile reads the regular file at path whole, refusing it (an error
// wrapping ErrTooLarge) when it holds more than max bytes; it never reads
// more than max+1 bytes, even from a file that grows meanwhile.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := Open(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > max {
		return nil, &os.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, fi.Size(), max)}
	}
	// One allocation of the size seen; the file may still grow meanwhile.
	data := make([]byte, 0, fi.Size()+512)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if int64(len(data)) > max {
			return nil, &os.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)}
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// ModeName says what kind of file m is, for messages ("a FIFO").
func ModeName(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSymlink != 0:
		return "a symlink"
	}
	return "mode " + m.String()
}
