package vfs

import (
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
)

// createLocked makes a new inode of the given mode in the parent directory
// pw (may_create + shmem_mknod): a pinned dentry is returned with a
// reference for the caller. Owner is the caller's uid, group its gid or,
// under a set-gid directory, the directory's (and new directories inherit
// S_ISGID). Link counts and the parent's times are updated. The caller
// fires the notifier hook. Errors: ENOENT for a removed parent, EACCES.
// Precondition: dir's i_mutex is held and pw.last is not in the dcache.
func (v *VFS) createLocked(ctx *Context, pw parentWalk, dir *inode.Inode, mode uint32, target string) (*dentry.Dentry, error) {
	cur := ctx.Cur
	lockdep.AssertHeld(cur, &dir.IMutex)
	if dir.Nlink() == 0 {
		return nil, syscall.ENOENT // IS_DEADDIR
	}
	if err := permission(ctx, dir, MAY_WRITE|MAY_EXEC); err != nil {
		return nil, err
	}
	gid := ctx.Cred.Gid
	if dir.Mode()&inode.S_ISGID != 0 {
		gid = dir.Gid()
		if mode&inode.S_IFMT == inode.S_IFDIR {
			mode |= inode.S_ISGID
		}
	}
	now := v.Now()
	ino := inode.New(cur, dir.Sb, mode, ctx.Cred.Uid, gid, now)
	ino.Target = target
	if ino.IsDir() {
		ino.SetNlink(2)
		dir.IncNlink()
	} else {
		ino.SetNlink(1)
	}
	if ino.Type() == inode.S_IFLNK {
		ino.Size = int64(len(target))
	}
	d := v.dcache.Alloc(cur, pw.Dentry, pw.last)
	v.dcache.Instantiate(cur, d, ino)
	dentry.Dget(d) // the tmpfs pin
	dir.SetMtime(now)
	dir.SetCtime(now)
	return d, nil
}

// mknod is the common body of mkdir, symlink and mkfifo (filename_create +
// vfs_mkdir/vfs_symlink/vfs_mknod): the parent is locked with
// I_MUTEX_PARENT, the name must not exist (EEXIST), and hook fires under
// the lock once the name exists.
func (v *VFS) mknod(ctx *Context, path string, mode uint32, target string,
	hook func(cur *lockdep.Task, dir *inode.Inode, d *dentry.Dentry)) error {
	cur := ctx.Cur
	pw, dir, done, err := v.filenameCreate(ctx, path, mode&inode.S_IFMT == inode.S_IFDIR)
	if err != nil {
		return err
	}
	defer done()
	if v.p.VnodeLayer {
		d, err := v.createVnode(ctx, pw, dir, mode, target)
		if err != nil {
			return err
		}
		dentry.Dput(cur, d)
		return nil
	}
	d, err := v.createLocked(ctx, pw, dir, mode, target)
	if err != nil {
		return err
	}
	hook(cur, dir, d)
	dentry.Dput(cur, d)
	return nil
}

// filenameCreate is filename_create: walk to path's parent and lock it
// (I_MUTEX_PARENT), then, in the kernel's order, EEXIST for "/", "." or
// "..", the lookup's errors (a dead directory's ENOENT, ENAMETOOLONG),
// EEXIST for an existing name, ENOENT for a trailing slash unless isDir,
// and EROFS (mnt_want_write, tried before the lookup but reported last).
// On success the parent stays locked; done unlocks it and puts the walk.
func (v *VFS) filenameCreate(ctx *Context, path string, isDir bool) (pw parentWalk, dir *inode.Inode, done func(), err error) {
	cur := ctx.Cur
	if pw, err = v.walkParent(ctx, path); err != nil {
		return
	}
	if pw.typ != lastNorm {
		pw.Put(cur)
		return pw, nil, nil, syscall.EEXIST
	}
	dir = pathInode(cur, pw.Path)
	dir.IMutex.LockNested(cur, inode.I_MUTEX_PARENT)
	child, err := v.lookupLocked(cur, pw.Dentry, dir, pw.last)
	switch {
	case err != nil:
	case child != nil:
		dentry.Dput(cur, child)
		err = syscall.EEXIST
	case pw.slash && !isDir:
		err = syscall.ENOENT
	default:
		err = pw.Mnt.wantWrite()
	}
	if err != nil {
		dir.IMutex.Unlock(cur)
		pw.Put(cur)
		return pw, nil, nil, err
	}
	return pw, dir, func() { dir.IMutex.Unlock(cur); pw.Put(cur) }, nil
}

// Mkdir creates a directory (do_mkdirat → vfs_mkdir → shmem_mkdir):
// FsnotifyMkdir under the parent's i_mutex.
func (v *VFS) Mkdir(ctx *Context, path string, mode uint32) error {
	return v.mknod(ctx, path, inode.S_IFDIR|mode&inode.ModePerm, "", v.notifier.FsnotifyMkdir)
}

// Symlink creates a symlink to target (do_symlinkat → shmem_symlink):
// FsnotifyCreate. An empty target gives ENOENT.
func (v *VFS) Symlink(ctx *Context, target, path string) error {
	if target == "" {
		return syscall.ENOENT
	}
	if len(target) >= pathMax {
		return syscall.ENAMETOOLONG
	}
	return v.mknod(ctx, path, inode.S_IFLNK|0o777, target, v.notifier.FsnotifyCreate)
}

// Mkfifo creates a fifo (do_mknodat with S_IFIFO): FsnotifyCreate.
func (v *VFS) Mkfifo(ctx *Context, path string, mode uint32) error {
	return v.mknod(ctx, path, inode.S_IFIFO|mode&inode.ModePerm, "", v.notifier.FsnotifyCreate)
}

// Link makes newPath a new name for the inode at oldPath, not following a
// symlink (do_linkat → vfs_link → shmem_link): FsnotifyLink under the new
// parent's i_mutex. Errors: EEXIST, EXDEV across mounts, EPERM for a
// directory, ENOENT for an inode with no links left, EACCES; and, before
// EACCES, may_linkat's EPERM (fs.protected_hardlinks=1, the default).
func (v *VFS) Link(ctx *Context, oldPath, newPath string) error {
	cur := ctx.Cur
	op, err := v.Walk(ctx, oldPath, 0)
	if err != nil {
		return err
	}
	defer op.Put(cur)
	pw, dir, done, err := v.filenameCreate(ctx, newPath, false)
	if err != nil {
		return err
	}
	defer done()
	ino := pathInode(cur, op)
	if op.Mnt != pw.Mnt {
		return syscall.EXDEV
	}
	if err := mayLinkat(ctx, ino); err != nil {
		return err
	}
	if dir.Nlink() == 0 {
		return syscall.ENOENT
	}
	if err := permission(ctx, dir, MAY_WRITE|MAY_EXEC); err != nil {
		return err
	}
	if ino.IsDir() {
		return syscall.EPERM
	}
	if v.p.VnodeLayer {
		d, err := v.linkVnode(ctx, pw, dir, ino)
		if err != nil {
			return err
		}
		dentry.Dput(cur, d)
		return nil
	}
	ino.IMutex.LockNested(cur, inode.I_MUTEX_CHILD)
	if ino.Nlink() == 0 {
		ino.IMutex.Unlock(cur)
		return syscall.ENOENT
	}
	d := v.linkLocked(cur, pw, dir, ino)
	ino.IMutex.Unlock(cur)
	v.notifier.FsnotifyLink(cur, dir, ino, d)
	dentry.Dput(cur, d)
	return nil
}

// linkLocked makes the new name pw.last in dir for ino (shmem_link): the
// link count and times, and a pinned dentry, returned with a reference.
// Precondition: dir's and ino's i_mutex are held.
func (v *VFS) linkLocked(cur *lockdep.Task, pw parentWalk, dir, ino *inode.Inode) *dentry.Dentry {
	lockdep.AssertHeld(cur, &dir.IMutex)
	lockdep.AssertHeld(cur, &ino.IMutex)
	now := v.Now()
	inode.Iget(ino) // the new dentry's reference
	ino.IncNlink()
	ino.SetCtime(now)
	d := v.dcache.Alloc(cur, pw.Dentry, pw.last)
	v.dcache.Instantiate(cur, d, ino)
	dentry.Dget(d) // the tmpfs pin
	dir.SetMtime(now)
	dir.SetCtime(now)
	return d
}

// mayLinkat is may_linkat with fs.protected_hardlinks=1: a caller that
// neither owns the source nor is root may link only a regular file that is
// not setuid, not setgid and group-executable, and that it may read and
// write (safe_hardlink_source); otherwise EPERM. do_linkat checks it before
// vfs_link's may_create. Like the kernel it takes no lock on ino: the new
// parent's i_mutex is held, and ino may be that very directory.
func mayLinkat(ctx *Context, ino *inode.Inode) error {
	if isOwner(ctx, ino) {
		return nil
	}
	m := ino.Mode()
	safe := m&inode.S_IFMT == inode.S_IFREG && m&inode.S_ISUID == 0 &&
		m&(inode.S_ISGID|0o010) != inode.S_ISGID|0o010
	if safe && permission(ctx, ino, MAY_READ|MAY_WRITE) == nil {
		return nil
	}
	return syscall.EPERM
}

// mayDeleteLocked is may_delete(dir, victim, isdir): write and search
// permission on dir, the sticky-bit rule (in a sticky directory only the
// owner of the file, the owner of the directory or root may remove it:
// EPERM), then the victim's type against isdir (ENOTDIR, EISDIR) — in that
// order, so a caller without permission learns nothing of the type — and a
// dead directory (ENOENT). As in the kernel, the victim need not be locked:
// its owner is read without i_mutex.
// Precondition: dir's i_mutex is held.
func mayDeleteLocked(ctx *Context, dir, victim *inode.Inode, isdir bool) error {
	lockdep.AssertHeld(ctx.Cur, &dir.IMutex)
	if err := permission(ctx, dir, MAY_WRITE|MAY_EXEC); err != nil {
		return err
	}
	uid := ctx.Cred.Uid
	if dir.Mode()&inode.S_ISVTX != 0 && uid != 0 && uid != dir.Uid() && uid != victim.Uid() {
		return syscall.EPERM
	}
	switch {
	case isdir && !victim.IsDir():
		return syscall.ENOTDIR
	case !isdir && victim.IsDir():
		return syscall.EISDIR
	case dir.Nlink() == 0:
		return syscall.ENOENT
	}
	return nil
}

// deleteNotify is d_delete_notify: hold the inode, d_delete the name
// (letting the inode go now if no one else holds the dentry, which brings
// FsnotifyInodeRemove for a last link), FsnotifyDelete on the parent,
// then drop the inode (possibly evicting it).
//
// With personality.BugDeleteBeforeDDelete, 5.3–5.16's order:
// fsnotify_unlink on the parent first, while the name still resolves, then
// d_delete.
func (v *VFS) deleteNotify(cur *lockdep.Task, dir, ino *inode.Inode, d *dentry.Dentry) {
	inode.Iget(ino)
	if v.p.Has(personality.BugDeleteBeforeDDelete) {
		v.notifier.FsnotifyDelete(cur, dir, ino, d)
		v.dcache.Delete(cur, d)
		inode.Iput(cur, ino)
		return
	}
	v.dcache.Delete(cur, d)
	v.notifier.FsnotifyDelete(cur, dir, ino, d)
	inode.Iput(cur, ino)
}

// removeLookup does the common start of unlink and rmdir (do_unlinkat,
// do_rmdir): parent walk, "/", "." and "..", mnt_want_write (so EROFS
// comes before anything about the name, its length included), parent
// locked with I_MUTEX_PARENT, victim looked up (lookupLocked), may_delete, the
// victim locked with I_MUTEX_CHILD (vfs_unlink and vfs_rmdir lock it after
// may_delete), then the mountpoint check and, for rmdir, emptiness. On
// success both locks are held and the caller owns pw and the victim
// reference.
func (v *VFS) removeLookup(ctx *Context, path string, wantDir bool) (pw parentWalk, dir, ino *inode.Inode, victim *dentry.Dentry, err error) {
	cur := ctx.Cur
	pw, err = v.walkParent(ctx, path)
	if err != nil {
		return
	}
	fail := func(e error) {
		pw.Put(cur)
		err = e
	}
	switch pw.typ {
	case lastDot:
		if wantDir {
			fail(syscall.EINVAL)
		} else {
			fail(syscall.EISDIR)
		}
		return
	case lastDotDot:
		if wantDir {
			fail(syscall.ENOTEMPTY)
		} else {
			fail(syscall.EISDIR)
		}
		return
	case lastRoot:
		if wantDir {
			fail(syscall.EBUSY)
		} else {
			fail(syscall.EISDIR)
		}
		return
	}
	if err = pw.Mnt.wantWrite(); err != nil {
		pw.Put(cur) // do_unlinkat/do_rmdir: before the victim's lookup
		return
	}
	dir = pathInode(cur, pw.Path)
	dir.IMutex.LockNested(cur, inode.I_MUTEX_PARENT)
	victim, err = v.lookupLocked(cur, pw.Dentry, dir, pw.last)
	if err == nil && victim == nil {
		err = syscall.ENOENT
	}
	if err != nil {
		dir.IMutex.Unlock(cur)
		fail(err)
		return
	}
	ino = pathInode(cur, Path{Dentry: victim})
	var e error
	switch {
	case !wantDir && pw.slash && ino.IsDir():
		e = syscall.EISDIR // do_unlinkat's "slashes": before may_delete
	case !wantDir && pw.slash:
		e = syscall.ENOTDIR
	}
	if e == nil {
		e = mayDeleteLocked(ctx, dir, ino, wantDir)
	}
	if e == nil {
		ino.IMutex.LockNested(cur, inode.I_MUTEX_CHILD)
		if victim.Mounted(cur) > 0 {
			e = syscall.EBUSY
		}
		if e == nil && wantDir && victim.NumChildren(cur) > 0 {
			e = syscall.ENOTEMPTY
		}
		if e != nil {
			ino.IMutex.Unlock(cur)
		}
	}
	if e != nil {
		dentry.Dput(cur, victim)
		dir.IMutex.Unlock(cur)
		fail(e)
		return
	}
	return pw, dir, ino, victim, nil
}

// Unlink removes a non-directory name (do_unlinkat → vfs_unlink →
// shmem_unlink): the link count and the tmpfs pin drop; then, once the
// victim's i_mutex is released and still under the parent's,
// FsnotifyLinkCount and d_delete_notify (see deleteNotify), as vfs_unlink
// does. Errors: ENOENT, EISDIR, ENOTDIR (trailing slash), EACCES, EPERM
// (sticky), EBUSY.
func (v *VFS) Unlink(ctx *Context, path string) error {
	if v.p.VnodeLayer {
		return v.unlinkVnode(ctx, path)
	}
	cur := ctx.Cur
	pw, dir, ino, victim, err := v.removeLookup(ctx, path, false)
	if err != nil {
		return err
	}
	now := v.Now()
	ino.DropNlink()
	ino.SetCtime(now)
	dir.SetMtime(now)
	dir.SetCtime(now)
	dentry.Dput(cur, victim) // the tmpfs pin
	ino.IMutex.Unlock(cur)
	v.notifier.FsnotifyLinkCount(cur, ino)
	v.deleteNotify(cur, dir, ino, victim)
	dir.IMutex.Unlock(cur)
	dentry.Dput(cur, victim) // the lookup's reference
	pw.Put(cur)
	return nil
}

// Rmdir removes an empty directory (do_rmdir → vfs_rmdir → shmem_rmdir):
// link counts drop and the pin goes, then, with the victim's i_mutex
// released, d_delete_notify; no link-count hook. Errors: ENOENT, ENOTDIR,
// ENOTEMPTY, EBUSY (a mountpoint, "/"), EINVAL ("."), EACCES, EPERM
// (sticky). A failed rmdir calls no hook.
func (v *VFS) Rmdir(ctx *Context, path string) error {
	if v.p.VnodeLayer {
		return v.rmdirVnode(ctx, path)
	}
	cur := ctx.Cur
	pw, dir, ino, victim, err := v.removeLookup(ctx, path, true)
	if err != nil {
		return err
	}
	now := v.Now()
	ino.SetNlink(0)
	ino.SetCtime(now)
	dir.DropNlink()
	dir.SetMtime(now)
	dir.SetCtime(now)
	dentry.Dput(cur, victim) // the tmpfs pin
	ino.IMutex.Unlock(cur)
	v.deleteNotify(cur, dir, ino, victim)
	dir.IMutex.Unlock(cur)
	dentry.Dput(cur, victim)
	pw.Put(cur)
	return nil
}
