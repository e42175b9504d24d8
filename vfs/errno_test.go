package vfs_test

import (
	"syscall"

	"github.com/inosim/inosim/uapi"
)

// errno returns the Errno called name, or nil for "ok".
func errno(name string) error {
	if name == "ok" || name == "" {
		return nil
	}
	n, ok := uapi.ErrnoNumber(name)
	if !ok {
		panic("unknown errno " + name)
	}
	return syscall.Errno(n)
}
