package inotifyfem

// illumos's libc routines over the device (usr/src/lib/libc/port/sys/
// inotify.c): on illumos inotify_init, inotify_init1, inotify_add_watch
// and inotify_rm_watch are library functions, and what they open, read
// and close are vnode operations any active watch sees.

import (
	"syscall"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// DIRBUF is the buffer of libc's readdir (getdents), in bytes.
const DIRBUF = 8192

// InotifyInit1 is libc's inotify_init1 (and inotify_init, flags 0):
// open("/dev/inotify", O_RDWR), with O_NONBLOCK for IN_NONBLOCK and
// O_CLOEXEC for IN_CLOEXEC; other flags are ignored. The open is
// inotify_open (EMFILE past inotify_maxinstances for the caller's cred_t).
func (in *Inotify) InotifyInit1(c hooks.Caller, flags int) (int, error) {
	cur := c.Cur()
	oflags := uapi.O_RDWR
	if flags&uapi.IN_NONBLOCK != 0 {
		oflags |= uapi.O_NONBLOCK
	}
	state, err := in.inotifyOpen(cur, c.Ctx().Cred)
	if err != nil {
		return -1, err
	}
	f := c.VFS().NewAnonFile(cur, state, oflags)
	fd, err := c.InstallFile(f, flags&uapi.IN_CLOEXEC != 0)
	if err != nil {
		vfs.Fput(cur, f) // inotify_close
		return -1, err
	}
	return fd, nil
}

// InotifyAddWatch is libc's inotify_add_watch: it opens path (O_RDONLY,
// O_NOFOLLOW for IN_DONT_FOLLOW, so a symlink is ELOOP), fstats it, fails
// with ENOTDIR itself for IN_ONLYDIR on a non-directory, and asks for the
// watch (INOTIFYIOC_ADD_WATCH on the open file). For a directory and a
// mask with child events it then reads the directory and asks for a child
// watch on each entry (INOTIFYIOC_ADD_CHILD; an entry gone meanwhile is
// skipped, ENXIO, EFAULT or EBADF remove the watch and fail the call);
// then INOTIFYIOC_ACTIVATE and close. Until the activation the watch
// queues nothing, so the routine's own directory reads and close reach
// only other watches; on a file, or a directory without child events, the
// close comes after the activation, and a watch asking for
// IN_CLOSE_NOWRITE gets one at once.
func (in *Inotify) InotifyAddWatch(c hooks.Caller, fd int, path string, mask uint32) (int, error) {
	v, ctx := c.VFS(), c.Ctx()
	oflags := uapi.O_RDONLY
	if uapi.Mask(mask)&uapi.IN_DONT_FOLLOW != 0 {
		oflags |= uapi.O_NOFOLLOW
	}
	f, err := v.Open(ctx, path, oflags, 0)
	if err != nil {
		return -1, err
	}
	dirfd, err := c.InstallFile(f, false)
	if err != nil {
		vfs.Fput(c.Cur(), f)
		return -1, err
	}
	isDir := f.Path.Dentry.Inode(c.Cur()).IsDir() // fstat
	if uapi.Mask(mask)&uapi.IN_ONLYDIR != 0 && !isDir {
		_ = c.CloseFd(dirfd)
		return -1, syscall.ENOTDIR
	}
	wd, err := in.InotifyIoctl(c, fd, uapi.INOTIFYIOC_ADD_WATCH, uapi.InotifyAddwatch{Fd: int32(dirfd), Mask: mask})
	if err != nil {
		_ = c.CloseFd(dirfd)
		return -1, err
	}
	if !isDir || uapi.Mask(mask)&uapi.IN_CHILD_EVENTS == 0 {
		_, _ = in.InotifyIoctl(c, fd, uapi.INOTIFYIOC_ACTIVATE, int64(wd))
		_ = c.CloseFd(dirfd)
		return wd, nil
	}
	// fdopendir, then readdir until the end: each getdents is a
	// VOP_READDIR.
	for {
		ents, err := getdents(c, dirfd)
		if err != nil || len(ents) == 0 {
			break
		}
		for _, e := range ents {
			if e.Name == "." || e.Name == ".." {
				continue
			}
			_, err := in.InotifyIoctl(c, fd, uapi.INOTIFYIOC_ADD_CHILD, uapi.InotifyAddchild{Name: e.Name, Fd: int32(dirfd)})
			switch err {
			case syscall.ENXIO, syscall.EFAULT, syscall.EBADF:
				_ = c.CloseFd(dirfd) // closedir
				_ = in.InotifyRmWatch(c, fd, wd)
				return -1, err
			}
		}
	}
	_ = c.CloseFd(dirfd) // closedir
	_, _ = in.InotifyIoctl(c, fd, uapi.INOTIFYIOC_ACTIVATE, int64(wd))
	return wd, nil
}

// getdents is one getdents(2) of DIRBUF bytes on fd.
func getdents(c hooks.Caller, fd int) ([]vfs.Dirent, error) {
	f, err := c.Fget(fd)
	if err != nil {
		return nil, err
	}
	defer vfs.Fput(c.Cur(), f)
	return c.VFS().Getdents(c.Ctx(), f, DIRBUF)
}

// InotifyRmWatch is libc's inotify_rm_watch: ioctl(fd,
// INOTIFYIOC_RM_WATCH, wd). On a file that is no instance the ioctl is the
// file's own (ENOTTY).
func (in *Inotify) InotifyRmWatch(c hooks.Caller, fd int, wd int) error {
	_, err := in.InotifyIoctl(c, fd, uapi.INOTIFYIOC_RM_WATCH, int64(wd))
	return err
}
