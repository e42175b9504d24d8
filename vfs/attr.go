package vfs

import (
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
)

// Which times Utimes sets to now.
const (
	UTIME_BOTH  = iota // utimensat(times = NULL): ATTR_ATIME|ATTR_MTIME
	UTIME_ATIME        // {UTIME_NOW, UTIME_OMIT}: ATTR_ATIME
	UTIME_MTIME        // {UTIME_OMIT, UTIME_NOW}: ATTR_MTIME
)

// NoChange as a uid or gid leaves it unchanged (chown's -1).
const NoChange = ^uint32(0)

// notifyChange runs set on d's inode under its i_mutex and, if it
// succeeds, fires FsnotifyChange with the ATTR_* bits it returns, still
// under i_mutex, as notify_change does (even when nothing changed).
func (v *VFS) notifyChange(ctx *Context, d *dentry.Dentry, set func(ino *inode.Inode) (uint32, error)) error {
	cur := ctx.Cur
	ino := d.Inode(cur)
	if v.p.VnodeLayer {
		return v.setattrVnode(ctx, ino, set)
	}
	ino.IMutex.Lock(cur)
	defer ino.IMutex.Unlock(cur)
	ia, err := set(ino)
	if err != nil {
		return err
	}
	v.notifier.FsnotifyChange(cur, d, ia)
	return nil
}

// withPath walks path and runs fn on it.
func (v *VFS) withPath(ctx *Context, path string, flags int, fn func(p Path) error) error {
	p, err := v.Walk(ctx, path, flags)
	if err != nil {
		return err
	}
	defer p.Put(ctx.Cur)
	return fn(p)
}

// filePath returns the path of a file that has one (EINVAL for a special
// file, which has no attributes to change here).
// An anonymous file (an inotify instance) has no attributes to change: its
// anon_inodefs inode refuses setattr with EOPNOTSUPP.
func filePath(f *File) (Path, error) {
	if f.Path.Dentry == nil {
		return Path{}, syscall.EOPNOTSUPP
	}
	return f.Path, nil
}

// Chmod sets the permission bits (chmod_common): owner or root (EPERM),
// ATTR_MODE|ATTR_CTIME.
func (v *VFS) Chmod(ctx *Context, path string, mode uint32) error {
	return v.withPath(ctx, path, LOOKUP_FOLLOW, func(p Path) error { return v.chmod(ctx, p, mode) })
}

// Fchmod is Chmod on an open file.
func (v *VFS) Fchmod(ctx *Context, f *File, mode uint32) error {
	p, err := filePath(f)
	if err != nil {
		return err
	}
	return v.chmod(ctx, p, mode)
}

func (v *VFS) chmod(ctx *Context, p Path, mode uint32) error {
	if err := p.Mnt.wantWrite(); err != nil {
		return err
	}
	return v.notifyChange(ctx, p.Dentry, func(ino *inode.Inode) (uint32, error) {
		if !isOwner(ctx, ino) {
			return 0, syscall.EPERM
		}
		ino.SetPerm(ctx.Cur, mode)
		ino.SetCtime(v.Now())
		return inode.ATTR_MODE | inode.ATTR_CTIME, nil
	})
}

// Chown changes owner and group, following a symlink (chown_common); uid or
// gid NoChange leaves that one alone. Only root may change the owner; the
// owner may change the group to one of its groups; anything else is EPERM.
// ATTR_UID and/or ATTR_GID, ATTR_CTIME, and ATTR_MODE when set-id bits of
// a non-directory are cleared (ATTR_KILL_SUID/SGID).
func (v *VFS) Chown(ctx *Context, path string, uid, gid uint32) error {
	return v.withPath(ctx, path, LOOKUP_FOLLOW, func(p Path) error { return v.chown(ctx, p, uid, gid) })
}

// Lchown is Chown without following a symlink in the last component.
func (v *VFS) Lchown(ctx *Context, path string, uid, gid uint32) error {
	return v.withPath(ctx, path, 0, func(p Path) error { return v.chown(ctx, p, uid, gid) })
}

func (v *VFS) chown(ctx *Context, p Path, uid, gid uint32) error {
	if err := p.Mnt.wantWrite(); err != nil {
		return err
	}
	return v.notifyChange(ctx, p.Dentry, func(ino *inode.Inode) (uint32, error) {
		c := ctx.Cred
		if c.Uid != 0 {
			if uid != NoChange && (c.Uid != ino.Uid() || uid != ino.Uid()) {
				return 0, syscall.EPERM
			}
			if gid != NoChange && (c.Uid != ino.Uid() || (gid != ino.Gid() && !c.InGroup(gid))) {
				return 0, syscall.EPERM
			}
		}
		ia := uint32(inode.ATTR_CTIME)
		if uid != NoChange {
			ino.SetUid(ctx.Cur, uid)
			ia |= inode.ATTR_UID
		}
		if gid != NoChange {
			ino.SetGid(ctx.Cur, gid)
			ia |= inode.ATTR_GID
		}
		if !ino.IsDir() {
			kill := uint32(inode.S_ISUID)
			mode := ino.Mode()
			if mode&0o010 != 0 {
				kill |= inode.S_ISGID
			}
			if mode&kill != 0 {
				ino.SetPerm(ctx.Cur, mode&^kill)
				ia |= inode.ATTR_MODE
			}
		}
		ino.SetCtime(v.Now())
		return ia, nil
	})
}

// Utimes sets the times named by which (UTIME_BOTH, UTIME_ATIME,
// UTIME_MTIME) to now, following a symlink (utimensat → vfs_utimes).
// Setting both needs ownership or write permission (EACCES); one alone
// needs ownership (EPERM); root may always. FsnotifyChange with ATTR_ATIME
// and/or ATTR_MTIME, and ATTR_CTIME.
func (v *VFS) Utimes(ctx *Context, path string, which int) error {
	if which < UTIME_BOTH || which > UTIME_MTIME {
		return syscall.EINVAL
	}
	return v.withPath(ctx, path, LOOKUP_FOLLOW, func(p Path) error {
		if err := p.Mnt.wantWrite(); err != nil {
			return err
		}
		return v.notifyChange(ctx, p.Dentry, func(ino *inode.Inode) (uint32, error) {
			if !isOwner(ctx, ino) {
				if which != UTIME_BOTH {
					return 0, syscall.EPERM
				}
				if err := permission(ctx, ino, MAY_WRITE); err != nil {
					return 0, err
				}
			}
			now := v.Now()
			ia := uint32(inode.ATTR_CTIME)
			if which != UTIME_MTIME {
				ino.SetAtime(now)
				ia |= inode.ATTR_ATIME
			}
			if which != UTIME_ATIME {
				ino.SetMtime(now)
				ia |= inode.ATTR_MTIME
			}
			ino.SetCtime(now)
			return ia, nil
		})
	})
}

// truncate sets a regular file's size (do_truncate → notify_change →
// shmem_setattr): the contents are cut or zero-extended, mtime and ctime
// set, and FsnotifyChange fires with ia under i_mutex.
func (v *VFS) truncate(cur *lockdep.Task, d *dentry.Dentry, ino *inode.Inode, size int64, ia uint32) {
	ino.IMutex.Lock(cur)
	defer ino.IMutex.Unlock(cur)
	if size <= int64(len(ino.Data)) {
		ino.Data = ino.Data[:size:size]
	} else {
		grown := make([]byte, size)
		copy(grown, ino.Data)
		ino.Data = grown
	}
	ino.Size = size
	now := v.Now()
	ino.SetMtime(now)
	ino.SetCtime(now)
	v.notifier.FsnotifyChange(cur, d, ia)
}

// Truncate sets the size of the regular file at path (do_sys_truncate):
// ATTR_SIZE|ATTR_CTIME. Errors: EINVAL (negative length, not a regular
// file), EISDIR, EACCES without write permission.
func (v *VFS) Truncate(ctx *Context, path string, size int64) error {
	if size < 0 {
		return syscall.EINVAL
	}
	return v.withPath(ctx, path, LOOKUP_FOLLOW, func(p Path) error {
		ino := pathInode(ctx.Cur, p)
		switch ino.Type() {
		case inode.S_IFDIR:
			return syscall.EISDIR
		case inode.S_IFREG:
		default:
			return syscall.EINVAL
		}
		if err := p.Mnt.wantWrite(); err != nil {
			return err // vfs_truncate: after the type, before permission
		}
		if err := v.Permission(ctx, ino, MAY_WRITE); err != nil {
			return err
		}
		v.truncate(ctx.Cur, p.Dentry, ino, size, inode.ATTR_SIZE|inode.ATTR_CTIME)
		return nil
	})
}

// Ftruncate sets the size of an open regular file (do_sys_ftruncate):
// ATTR_SIZE|ATTR_MTIME|ATTR_CTIME. EINVAL unless the file is a regular
// file open for writing and size is not negative.
func (v *VFS) Ftruncate(ctx *Context, f *File, size int64) error {
	if size < 0 || !f.Writable() || f.Path.Dentry == nil {
		return syscall.EINVAL
	}
	ino := pathInode(ctx.Cur, f.Path)
	if ino.Type() != inode.S_IFREG {
		return syscall.EINVAL
	}
	v.truncate(ctx.Cur, f.Path.Dentry, ino, size, inode.ATTR_SIZE|inode.ATTR_MTIME|inode.ATTR_CTIME)
	return nil
}
