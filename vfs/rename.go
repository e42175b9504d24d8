package vfs

import (
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
)

// lockRename locks the two parent directories of a rename (lock_rename):
// one directory alone with I_MUTEX_PARENT; otherwise the super block's
// s_vfs_rename_mutex first, then the ancestor before its descendant, or
// else the lower inode number first, with I_MUTEX_PARENT and
// I_MUTEX_PARENT2. unlockRename undoes it.
func (v *VFS) lockRename(cur *lockdep.Task, sb *superBlock, p1, p2 *dentry.Dentry, i1, i2 *inode.Inode) {
	if p1 == p2 {
		i1.IMutex.LockNested(cur, inode.I_MUTEX_PARENT)
		return
	}
	sb.renameMutex.Lock(cur)
	first, second := i1, i2
	switch {
	case p2.IsAncestor(cur, p1):
	case p1.IsAncestor(cur, p2):
		first, second = i2, i1
	case i2.Ino < i1.Ino:
		first, second = i2, i1
	}
	first.IMutex.LockNested(cur, inode.I_MUTEX_PARENT)
	second.IMutex.LockNested(cur, inode.I_MUTEX_PARENT2)
}

func (v *VFS) unlockRename(cur *lockdep.Task, sb *superBlock, p1, p2 *dentry.Dentry, i1, i2 *inode.Inode) {
	i1.IMutex.Unlock(cur)
	if p1 != p2 {
		i2.IMutex.Unlock(cur)
		sb.renameMutex.Unlock(cur)
	}
}

// renameChildren says which of a rename's source and target inodes
// vfs_rename locks once the parents are locked and the checks passed.
type renameChildren struct {
	source, target *inode.Inode // target nil if there is none
	lockSource     bool
	lockTarget     bool
}

// lockChildren locks the children of a rename as vfs_rename does: a
// directory only when it changes parent (the source across directories, a
// target directory across directories or when it is replaced), with
// I_MUTEX_CHILD; every non-directory, after any directory, with
// I_MUTEX_NORMAL, two of them in inode-number order with I_MUTEX_NONDIR2
// for the second (lock_two_nondirectories). A same-directory rename thus
// never locks a subdirectory, which may be the parent of another rename:
// the kernel's rule is that two subdirectories are locked together only
// under s_vfs_rename_mutex. unlockChildren undoes it.
func lockChildren(cur *lockdep.Task, source, target *inode.Inode, crossDir, exchange bool) renameChildren {
	isDir, newIsDir := source.IsDir(), target != nil && target.IsDir()
	lockOldSubdir := crossDir
	lockNewSubdir := crossDir || !exchange
	c := renameChildren{source: source, target: target}
	switch {
	case isDir:
		c.lockSource = lockOldSubdir
		c.lockTarget = target != nil && (!newIsDir || lockNewSubdir)
		if c.lockSource {
			source.IMutex.LockNested(cur, inode.I_MUTEX_CHILD)
		}
		if c.lockTarget {
			target.IMutex.LockNested(cur, inode.I_MUTEX_NORMAL)
		}
	case newIsDir:
		c.lockSource, c.lockTarget = true, lockNewSubdir
		if c.lockTarget {
			target.IMutex.LockNested(cur, inode.I_MUTEX_CHILD)
		}
		source.IMutex.LockNested(cur, inode.I_MUTEX_NORMAL)
	default:
		c.lockSource, c.lockTarget = true, target != nil
		a, b := source, target
		if b != nil && b.Ino < a.Ino {
			a, b = b, a
		}
		a.IMutex.LockNested(cur, inode.I_MUTEX_NORMAL)
		if b != nil {
			b.IMutex.LockNested(cur, inode.I_MUTEX_NONDIR2)
		}
	}
	return c
}

func (c renameChildren) unlock(cur *lockdep.Task) {
	if c.lockSource {
		c.source.IMutex.Unlock(cur)
	}
	if c.lockTarget {
		c.target.IMutex.Unlock(cur)
	}
}

// Rename renames oldPath to newPath (do_renameat2 → vfs_rename →
// shmem_rename2), with RENAME_NOREPLACE or RENAME_EXCHANGE. Locking:
// lockRename, then, after the permission checks, the children vfs_rename
// locks (lockChildren). After the tmpfs rename and d_move (d_exchange) the
// children's locks are dropped and FsnotifyMove fires under the parents'
// locks, twice for an exchange.
// A replaced target loses its pin; its inode goes (FsnotifyInodeRemove)
// when its dentry's last reference is put: at the end of this call, or at
// the last close of a file open on it. Renaming a name onto itself or onto
// another link of the same inode succeeds with no change and no hook.
//
// Errors: EINVAL (bad flags, both flags, a directory into its own
// subtree), EXDEV (across mounts), EROFS, ENOENT (no source; EXCHANGE
// without a target; a dead directory), ENAMETOOLONG (either last name,
// from its lookup), EEXIST (NOREPLACE with a target), ENOTDIR/EISDIR
// (type mismatch, a trailing slash on a non-directory), ENOTEMPTY, EBUSY
// (mountpoints, "." or ".."), EACCES, EPERM.
func (v *VFS) Rename(ctx *Context, oldPath, newPath string, flags int) error {
	cur := ctx.Cur
	if v.p.VnodeLayer && flags != 0 {
		return syscall.ENOSYS // illumos has rename and renameat, no renameat2
	}
	if flags&^(uapi.RENAME_NOREPLACE|uapi.RENAME_EXCHANGE) != 0 ||
		flags == uapi.RENAME_NOREPLACE|uapi.RENAME_EXCHANGE {
		return syscall.EINVAL
	}
	op, err := v.walkParent(ctx, oldPath)
	if err != nil {
		return err
	}
	defer op.Put(cur)
	np, err := v.walkParent(ctx, newPath)
	if err != nil {
		return err
	}
	defer np.Put(cur)
	if op.Mnt != np.Mnt {
		return syscall.EXDEV
	}
	if op.typ != lastNorm {
		return syscall.EBUSY
	}
	if np.typ != lastNorm {
		if flags&uapi.RENAME_NOREPLACE != 0 {
			return syscall.EEXIST
		}
		return syscall.EBUSY
	}
	if err := op.Mnt.wantWrite(); err != nil {
		return err
	}
	oldDir, newDir := pathInode(cur, op.Path), pathInode(cur, np.Path)
	sb := op.Mnt.sb
	v.lockRename(cur, sb, op.Dentry, np.Dentry, oldDir, newDir)
	defer v.unlockRename(cur, sb, op.Dentry, np.Dentry, oldDir, newDir)

	oldD, err := v.lookupLocked(cur, op.Dentry, oldDir, op.last)
	if err == nil && oldD == nil {
		err = syscall.ENOENT // the source must exist
	}
	if err != nil {
		return err
	}
	defer dentry.Dput(cur, oldD)
	newD, err := v.lookupLocked(cur, np.Dentry, newDir, np.last)
	if err != nil {
		return err
	}
	if newD != nil {
		defer dentry.Dput(cur, newD) // the replaced target dies here, unless open
	}
	return v.renameLocked(ctx, op, np, oldDir, newDir, oldD, newD, flags)
}

// renameLocked is vfs_rename with the parents locked and both names
// looked up (newD nil if the target does not exist).
// Precondition: oldDir's and newDir's i_mutex are held.
func (v *VFS) renameLocked(ctx *Context, op, np parentWalk, oldDir, newDir *inode.Inode,
	oldD, newD *dentry.Dentry, flags int) error {
	cur := ctx.Cur
	lockdep.AssertHeld(cur, &oldDir.IMutex)
	lockdep.AssertHeld(cur, &newDir.IMutex)
	exchange := flags&uapi.RENAME_EXCHANGE != 0
	source := pathInode(cur, Path{Dentry: oldD})
	var target *inode.Inode
	if newD != nil {
		target = pathInode(cur, Path{Dentry: newD})
	}
	isDir := source.IsDir()
	newIsDir := target != nil && target.IsDir()

	// Checks of do_renameat2 and vfs_rename, in their order: what the
	// flags say of the target comes right after the lookups, before the
	// trailing slashes, which only a directory may have (a slash on the
	// target of an exchange asks that the target be one).
	if newD != nil && flags&uapi.RENAME_NOREPLACE != 0 {
		return syscall.EEXIST
	}
	if exchange {
		if newD == nil {
			return syscall.ENOENT
		}
		if !newIsDir && np.slash {
			return syscall.ENOTDIR
		}
	}
	if !isDir && (op.slash || !exchange && np.slash) {
		return syscall.ENOTDIR
	}
	// lock_rename's "trap": only a rename between two directories can
	// move something into itself (same parent: no trap, no check).
	sameDir := op.Dentry == np.Dentry
	if !sameDir && np.Dentry.IsAncestor(cur, oldD) {
		return syscall.EINVAL // source is an ancestor of the target
	}
	if !sameDir && newD != nil && op.Dentry.IsAncestor(cur, newD) {
		if exchange {
			return syscall.EINVAL
		}
		return syscall.ENOTEMPTY // target is an ancestor of the source
	}
	if source == target {
		return nil
	}
	if err := mayRenameLocked(ctx, oldDir, newDir, source, target, isDir, newIsDir, exchange); err != nil {
		return err
	}
	if v.p.VnodeLayer {
		a := vopArgs(ctx, VOP_RENAME, oldDir)
		a.Name, a.Svp = op.last, newDir
		return v.vop(a, func() error {
			return v.renameChangeLocked(ctx, op, np, oldDir, newDir, oldD, newD, source, target, false)
		})
	}
	return v.renameChangeLocked(ctx, op, np, oldDir, newDir, oldD, newD, source, target, exchange)
}

// renameChangeLocked is the part of vfs_rename that changes the names,
// once every check has passed: the children locked, the last checks, the
// tmpfs rename and d_move (d_exchange), then the hooks, or, under illumos,
// the vnevents of tmp_rename.
// Precondition: oldDir's and newDir's i_mutex are held.
func (v *VFS) renameChangeLocked(ctx *Context, op, np parentWalk, oldDir, newDir *inode.Inode,
	oldD, newD *dentry.Dentry, source, target *inode.Inode, exchange bool) error {
	cur := ctx.Cur
	lockdep.AssertHeld(cur, &oldDir.IMutex)
	lockdep.AssertHeld(cur, &newDir.IMutex)
	isDir := source.IsDir()
	newIsDir := target != nil && target.IsDir()
	children := lockChildren(cur, source, target, oldDir != newDir, exchange)
	if err := renameBusy(cur, oldD, newD, newIsDir, exchange); err != nil {
		children.unlock(cur)
		if err == syscall.ENOTEMPTY && v.p.VnodeLayer {
			err = syscall.EEXIST // tdirrename: "SIGH should be ENOTEMPTY"
		}
		return err
	}
	oldName := op.last
	v.shmemRenameLocked(cur, oldDir, newDir, source, target, isDir, newIsDir, exchange, newD)
	if exchange {
		v.dcache.Exchange(cur, oldD, newD)
	} else if newD != nil {
		v.dcache.Move(cur, oldD, newD)
	} else {
		neg := v.dcache.Alloc(cur, np.Dentry, np.last)
		v.dcache.Move(cur, oldD, neg)
		dentry.Dput(cur, neg) // unhashed by d_move: it dies now
	}
	children.unlock(cur)
	if v.p.VnodeLayer {
		v.renameVnevents(ctx, oldDir, newDir, oldName, np.last, source, target)
		return nil
	}
	if exchange {
		v.notifier.FsnotifyMove(cur, oldDir, newDir, oldName, isDir, nil, oldD)
		v.notifier.FsnotifyMove(cur, newDir, oldDir, oldD.Name(cur), newIsDir, nil, newD)
	} else {
		v.notifier.FsnotifyMove(cur, oldDir, newDir, oldName, isDir, target, oldD)
	}
	return nil
}

// mayRenameLocked holds vfs_rename's permission checks, made before any
// child is locked: may_delete on the source, may_create or may_delete on
// the target, and write permission on a directory moving to another
// parent (its ".." changes).
// Precondition: oldDir's and newDir's i_mutex are held.
func mayRenameLocked(ctx *Context, oldDir, newDir, source, target *inode.Inode, isDir, newIsDir, exchange bool) error {
	lockdep.AssertHeld(ctx.Cur, &oldDir.IMutex)
	lockdep.AssertHeld(ctx.Cur, &newDir.IMutex)
	if err := mayDeleteLocked(ctx, oldDir, source, isDir); err != nil {
		return err
	}
	if target == nil {
		if newDir.Nlink() == 0 {
			return syscall.ENOENT
		}
		if err := permission(ctx, newDir, MAY_WRITE|MAY_EXEC); err != nil {
			return err
		}
	} else {
		// The target must be of the source's type, unless they swap.
		want := isDir
		if exchange {
			want = newIsDir
		}
		if err := mayDeleteLocked(ctx, newDir, target, want); err != nil {
			return err
		}
	}
	if oldDir != newDir {
		if isDir {
			if err := permission(ctx, source, MAY_WRITE); err != nil {
				return err
			}
		}
		if exchange && newIsDir {
			if err := permission(ctx, target, MAY_WRITE); err != nil {
				return err
			}
		}
	}
	return nil
}

// renameBusy holds the checks vfs_rename and shmem_rename2 make with the
// children locked: a mountpoint on either name (EBUSY), then a replaced
// directory that is not empty (simple_empty: ENOTEMPTY).
func renameBusy(cur *lockdep.Task, oldD, newD *dentry.Dentry, newIsDir, exchange bool) error {
	if oldD.Mounted(cur) > 0 || (newD != nil && newD.Mounted(cur) > 0) {
		return syscall.EBUSY
	}
	if newIsDir && !exchange && newD.NumChildren(cur) > 0 {
		return syscall.ENOTEMPTY
	}
	return nil
}

// shmemRenameLocked updates link counts and times as shmem_rename2 does; a
// replaced target is unlinked (shmem_unlink: its link dropped and its pin
// put). Precondition: oldDir's and newDir's i_mutex are held, and the
// children's that lockChildren takes.
func (v *VFS) shmemRenameLocked(cur *lockdep.Task, oldDir, newDir, source, target *inode.Inode,
	isDir, newIsDir, exchange bool, newD *dentry.Dentry) {
	lockdep.AssertHeld(cur, &oldDir.IMutex)
	lockdep.AssertHeld(cur, &newDir.IMutex)
	now := v.Now()
	switch {
	case exchange:
		if isDir != newIsDir && oldDir != newDir {
			if isDir { // a directory moves from oldDir to newDir
				oldDir.DropNlink()
				newDir.IncNlink()
			} else {
				newDir.DropNlink()
				oldDir.IncNlink()
			}
		}
		target.SetCtime(now)
	case target != nil:
		target.DropNlink()
		if isDir {
			target.DropNlink()
			oldDir.DropNlink()
		}
		target.SetCtime(now)
		dentry.Dput(cur, newD) // the target's tmpfs pin
	case isDir:
		oldDir.DropNlink()
		newDir.IncNlink()
	}
	source.SetCtime(now)
	oldDir.SetMtime(now)
	oldDir.SetCtime(now)
	newDir.SetMtime(now)
	newDir.SetCtime(now)
}
