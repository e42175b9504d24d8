package sim

import (
	"context"
	"strings"
	"syscall"

	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// Which times Utimes sets to now.
const (
	UtimeBoth  = vfs.UTIME_BOTH  // atime and mtime: IN_ATTRIB
	UtimeAtime = vfs.UTIME_ATIME // atime only: IN_ACCESS
	UtimeMtime = vfs.UTIME_MTIME // mtime only: IN_MODIFY
)

// cStrings fails with EINVAL when a string argument holds a NUL byte, as
// Go's syscall package does before it makes the call (a C caller cannot
// even express one: the kernel reads up to the first NUL).
func cStrings(args ...string) error {
	for _, a := range args {
		if strings.IndexByte(a, 0) >= 0 {
			return syscall.EINVAL
		}
	}
	return nil
}

// withFile runs fn on fd's file, holding a reference (fdget/fdput).
func (t *Task) withFile(fd int, fn func(f *vfs.File) error) error {
	f, err := t.Fget(fd)
	if err != nil {
		return err
	}
	defer vfs.Fput(t.cur, f)
	return fn(f)
}

// Mkdir is mkdir(2).
func (t *Task) Mkdir(path string, mode uint32) error {
	t.enter("mkdir")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	return t.k.vfs.Mkdir(t.ctx, path, mode)
}

// Rmdir is rmdir(2).
func (t *Task) Rmdir(path string) error {
	t.enter("rmdir")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	return t.k.vfs.Rmdir(t.ctx, path)
}

// Open is open(2): the new fd, or an errno. O_CLOEXEC marks the fd.
func (t *Task) Open(path string, flags int, mode uint32) (int, error) {
	t.enter("open")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return -1, err
	}
	return t.doSysOpen(t.ctx, path, flags, mode)
}

// doSysOpen is do_sys_openat2 once the name is checked: the file opened
// in ctx (open's own, or openat's directory), then fd_install; an fd
// that cannot be had puts the file back.
func (t *Task) doSysOpen(ctx *vfs.Context, name string, flags int, mode uint32) (int, error) {
	f, err := t.k.vfs.Open(ctx, name, flags, mode)
	if err != nil {
		return -1, err
	}
	fd, err := t.InstallFile(f, flags&uapi.O_CLOEXEC != 0)
	if err != nil {
		vfs.Fput(t.cur, f)
		return -1, err
	}
	return fd, nil
}

// Read is read(2) of up to n bytes.
func (t *Task) Read(fd, n int) ([]byte, error) {
	return t.ReadContext(context.Background(), fd, n)
}

// ReadContext is Read with a context for a special file whose read may
// block (the inotify device).
func (t *Task) ReadContext(ctx context.Context, fd, n int) ([]byte, error) {
	t.enter("read")
	defer t.exit()
	var out []byte
	err := t.withFile(fd, func(f *vfs.File) (err error) {
		out, err = t.k.vfs.ReadFile(ctx, t.ctx, f, n)
		return err
	})
	return out, err
}

// Write is write(2). EBADF on a file not open for writing.
func (t *Task) Write(fd int, data []byte) (int, error) {
	return t.WriteContext(context.Background(), fd, data)
}

// Lseek is lseek(2) with SEEK_SET. A special file returns 0.
func (t *Task) Lseek(fd int, off int64) (int64, error) {
	t.enter("lseek")
	defer t.exit()
	var pos int64
	err := t.withFile(fd, func(f *vfs.File) (err error) {
		pos, err = t.k.vfs.Lseek(t.ctx, f, off)
		return err
	})
	return pos, err
}

// Truncate is truncate(2).
func (t *Task) Truncate(path string, n int64) error {
	t.enter("truncate")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	if t.k.p.LibcTruncate {
		return t.libcTruncate(path, n)
	}
	return t.k.vfs.Truncate(t.ctx, path, n)
}

// libcTruncate is illumos libc's truncate(3C): open(path, O_WRONLY), its
// ftruncate (fcntl F_FREESP from n), close whatever came of it.
func (t *Task) libcTruncate(path string, n int64) error {
	f, err := t.k.vfs.Open(t.ctx, path, uapi.O_WRONLY, 0)
	if err != nil {
		return err
	}
	fd, err := t.InstallFile(f, false)
	if err != nil {
		vfs.Fput(t.cur, f)
		return err
	}
	err = t.withFile(fd, func(f *vfs.File) error { return t.k.vfs.Space(t.ctx, f, n) })
	_ = t.closeFd(fd)
	return err
}

// Ftruncate is ftruncate(2).
func (t *Task) Ftruncate(fd int, n int64) error {
	t.enter("ftruncate")
	defer t.exit()
	if t.k.p.LibcTruncate { // illumos libc's ftruncate(3C): fcntl(F_FREESP)
		return t.withFile(fd, func(f *vfs.File) error { return t.k.vfs.Space(t.ctx, f, n) })
	}
	if n < 0 {
		return syscall.EINVAL // do_ftruncate checks the length before fdget
	}
	return t.withFile(fd, func(f *vfs.File) error { return t.k.vfs.Ftruncate(t.ctx, f, n) })
}

// Chmod is chmod(2).
func (t *Task) Chmod(path string, mode uint32) error {
	t.enter("chmod")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	return t.k.vfs.Chmod(t.ctx, path, mode)
}

// Fchmod is fchmod(2).
func (t *Task) Fchmod(fd int, mode uint32) error {
	t.enter("fchmod")
	defer t.exit()
	return t.withFile(fd, func(f *vfs.File) error { return t.k.vfs.Fchmod(t.ctx, f, mode) })
}

// Chown is chown(2); 0xffffffff leaves an id unchanged.
func (t *Task) Chown(path string, uid, gid uint32) error {
	t.enter("chown")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	return t.k.vfs.Chown(t.ctx, path, uid, gid)
}

// Lchown is lchown(2).
func (t *Task) Lchown(path string, uid, gid uint32) error {
	t.enter("lchown")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	return t.k.vfs.Lchown(t.ctx, path, uid, gid)
}

// Utimes is utimensat(2) setting the times chosen by which (UtimeBoth,
// UtimeAtime, UtimeMtime) to now.
func (t *Task) Utimes(path string, which int) error {
	t.enter("utimensat")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	return t.k.vfs.Utimes(t.ctx, path, which)
}

// Link is link(2).
func (t *Task) Link(oldPath, newPath string) error {
	t.enter("link")
	defer t.exit()
	if err := cStrings(oldPath, newPath); err != nil {
		return err
	}
	return t.k.vfs.Link(t.ctx, oldPath, newPath)
}

// Symlink is symlink(2).
func (t *Task) Symlink(target, path string) error {
	t.enter("symlink")
	defer t.exit()
	if err := cStrings(target, path); err != nil {
		return err
	}
	return t.k.vfs.Symlink(t.ctx, target, path)
}

// Mkfifo is mknod(2) of a fifo.
func (t *Task) Mkfifo(path string, mode uint32) error {
	t.enter("mknod")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	return t.k.vfs.Mkfifo(t.ctx, path, mode)
}

// Unlink is unlink(2).
func (t *Task) Unlink(path string) error {
	t.enter("unlink")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	return t.k.vfs.Unlink(t.ctx, path)
}

// Rename is renameat2(2) with flags uapi.RENAME_NOREPLACE or
// uapi.RENAME_EXCHANGE (or 0).
func (t *Task) Rename(oldPath, newPath string, flags int) error {
	t.enter("rename")
	defer t.exit()
	if err := cStrings(oldPath, newPath); err != nil {
		return err
	}
	return t.k.vfs.Rename(t.ctx, oldPath, newPath, flags)
}

// Readdir lists path as ls does (open O_DIRECTORY, getdents64 with a 32 KiB
// buffer until it returns 0, close); the names include "." and "..".
func (t *Task) Readdir(path string) ([]string, error) {
	t.enter("readdir")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return nil, err
	}
	return t.k.vfs.Readdir(t.ctx, path)
}

// Chdir is chdir(2).
func (t *Task) Chdir(path string) error {
	t.enter("chdir")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	if err := t.k.vfs.Chdir(t.ctx, path); err != nil {
		return err
	}
	t.publishPwd()
	return nil
}

// Mount is mount(2) of a new file system; only "tmpfs" exists (ENODEV).
func (t *Task) Mount(fstype, path string) error {
	t.enter("mount")
	defer t.exit()
	if err := cStrings(fstype, path); err != nil {
		return err
	}
	return t.k.vfs.Mount(t.ctx, fstype, path)
}

// Umount is umount2(2); flags may hold uapi.MNT_DETACH.
func (t *Task) Umount(path string, flags int) error {
	t.enter("umount")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return err
	}
	return t.k.vfs.Umount(t.ctx, path, flags)
}
