package vfs_test

import "syscall"

var errnos = map[string]syscall.Errno{
	"ENOENT": syscall.ENOENT, "ENOTDIR": syscall.ENOTDIR, "EISDIR": syscall.EISDIR,
	"EEXIST": syscall.EEXIST, "ENOTEMPTY": syscall.ENOTEMPTY, "EBUSY": syscall.EBUSY,
	"EXDEV": syscall.EXDEV, "EPERM": syscall.EPERM, "EINVAL": syscall.EINVAL,
	"ELOOP": syscall.ELOOP, "ENAMETOOLONG": syscall.ENAMETOOLONG, "EACCES": syscall.EACCES,
	"EBADF": syscall.EBADF, "ENODEV": syscall.ENODEV, "ENXIO": syscall.ENXIO,
	"EAGAIN": syscall.EAGAIN, "ESPIPE": syscall.ESPIPE, "EPIPE": syscall.EPIPE,
}

// errno returns the Errno called name, or nil for "ok".
func errno(name string) error {
	if name == "ok" || name == "" {
		return nil
	}
	e, ok := errnos[name]
	if !ok {
		panic("unknown errno " + name)
	}
	return e
}
