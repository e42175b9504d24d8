package vfs

// The system calls as illumos's vnode layer makes them over tmpfs, for
// personality illumos (P.VnodeLayer): each vnode operation goes through
// the monitors FEM interposes on its vnode (vop), and tmpfs tells them of
// what it changed with vnevents (usr/src/uts/common/fs/vnode.c: vn_openat,
// vn_createat, vn_removeat, vn_renameat, the vnevent_* functions;
// usr/src/uts/common/fs/tmpfs/tmp_vnops.c: tmp_create, tmp_remove,
// tmp_rmdir, tmp_link, tmp_rename, tmp_space). The namespace itself is
// still this VFS's (its dcache, its locks, its permission checks and most
// of its errno choices); what differs is which operations reach which
// vnode, in which order, whatever their result. Only the calls whose
// vnode operations differ from the Linux paths have their own functions
// here; the others branch where they call a hook.

import (
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
)

// vopArgs starts the arguments of a vnode operation made by ctx's task.
func vopArgs(ctx *Context, op Vop, vp *inode.Inode) *VopArgs {
	return &VopArgs{Vop: op, Cur: ctx.Cur, Cred: ctx.Cred, Did: ctx.Did, Vp: vp}
}

// fileFlags are the FREAD and FWRITE bits of a file opened with flags
// (f_flag).
func fileFlags(flags int) int {
	ff := 0
	if flags&uapi.O_ACCMODE != uapi.O_WRONLY {
		ff |= FREAD
	}
	if flags&uapi.O_ACCMODE != uapi.O_RDONLY {
		ff |= FWRITE
	}
	return ff
}

// VnodeCount is illumos's v_count of ino as this VFS has it: the holds on
// it that are not the file system's own. tmpfs names do not hold their
// vnodes, so it counts the references taken on the inode itself (a
// watch's VN_HOLD) and those on its dentries that are not the dcache's
// (open files, current directories, mounts, walks in progress; see
// dentry's AliasUsers). It is exact for every inode but a file system's
// root.
func (v *VFS) VnodeCount(cur *lockdep.Task, ino *inode.Inode) int {
	direct := int(ino.Count.Count()) - v.dcache.NumAliases(cur, ino)
	return direct + v.dcache.AliasUsers(cur, ino)
}

// WalkAt resolves path from the directory start, as lookupnameat with a
// start vnode does (absolute paths from the task's root); the result
// holds references. LOOKUP_FOLLOW follows a final symlink.
func (v *VFS) WalkAt(ctx *Context, start Path, path string, flags int) (Path, error) {
	nd := nameidata{ctx: ctx, path: start.Get()}
	if err := v.walkFull(&nd, path, flags); err != nil {
		nd.path.Put(ctx.Cur)
		return Path{}, err
	}
	return nd.path, nil
}

// openVnode is the tail of vn_openat: VOP_OPEN, whose file system part is
// a fifo's open (tmp_open itself does nothing), then, for O_TRUNC of an
// existing regular file opened without O_CREAT, VOP_SETATTR of the size.
// viaCreate says VOP_CREATE found or made the file: it checked the access
// and truncated. It takes over p's references.
func (v *VFS) openVnode(ctx *Context, p Path, flags int, viaCreate bool) (*File, error) {
	cur := ctx.Cur
	ino := pathInode(cur, p)
	acc, err := openChecks(ino, flags)
	if err == nil && !viaCreate && acc&MAY_WRITE != 0 && ino.Type() != inode.S_IFIFO {
		err = p.Mnt.wantWrite()
	}
	if err == nil && !viaCreate {
		err = v.Permission(ctx, ino, acc)
	}
	if err == nil {
		a := vopArgs(ctx, VOP_OPEN, ino)
		a.Flag = fileFlags(flags)
		err = v.vop(a, func() error {
			if ino.Type() == inode.S_IFIFO {
				return fifoOpen(cur, ino, flags)
			}
			return nil
		})
	}
	if err != nil {
		p.Put(cur)
		return nil, err
	}
	f := v.newFile(p, flags, nil)
	if flags&uapi.O_TRUNC != 0 && flags&uapi.O_CREAT == 0 && ino.Type() == inode.S_IFREG {
		a := vopArgs(ctx, VOP_SETATTR, ino)
		_ = v.vop(a, func() error {
			v.truncate(cur, p.Dentry, ino, 0, inode.ATTR_SIZE|inode.ATTR_MTIME|inode.ATTR_CTIME)
			return nil
		})
	}
	return f, nil
}

// createVnode is VOP_CREATE (or VOP_MKDIR, VOP_SYMLINK) of a new name in
// dir through dir's monitors, with createLocked as the file system's part:
// the monitors see what was made (Vpp). The dentry comes back with a
// reference for the caller.
// Precondition: dir's i_mutex is held.
func (v *VFS) createVnode(ctx *Context, pw parentWalk, dir *inode.Inode, mode uint32, target string) (*dentry.Dentry, error) {
	lockdep.AssertHeld(ctx.Cur, &dir.IMutex)
	op := VOP_CREATE
	switch mode & inode.S_IFMT {
	case inode.S_IFDIR:
		op = VOP_MKDIR
	case inode.S_IFLNK:
		op = VOP_SYMLINK
	}
	a := vopArgs(ctx, op, dir)
	a.Name = pw.last
	var d *dentry.Dentry
	err := v.vop(a, func() error {
		var err error
		if d, err = v.createLocked(ctx, pw, dir, mode, target); err == nil {
			a.Vpp = d.Inode(ctx.Cur)
		}
		return err
	})
	return d, err
}

// createExistingVnode is VOP_CREATE of a name that already names ino:
// vn_createat makes it whatever its lookup found, and tmp_create answers:
// EEXIST for O_EXCL, else the access the open asks for is checked and, for
// O_TRUNC of a regular file, the file is truncated and VE_CREATE sent to
// it. It succeeds otherwise, so dir's monitors see a successful create.
func (v *VFS) createExistingVnode(ctx *Context, dir *inode.Inode, name string, d *dentry.Dentry, ino *inode.Inode, flags int) error {
	cur := ctx.Cur
	a := vopArgs(ctx, VOP_CREATE, dir)
	a.Name = name
	return v.vop(a, func() error {
		if flags&uapi.O_EXCL != 0 {
			return syscall.EEXIST
		}
		acc := 0
		if flags&uapi.O_ACCMODE != uapi.O_WRONLY {
			acc |= MAY_READ
		}
		if flags&uapi.O_ACCMODE != uapi.O_RDONLY || flags&uapi.O_TRUNC != 0 {
			acc |= MAY_WRITE
		}
		if err := v.Permission(ctx, ino, acc); err != nil {
			return err
		}
		if flags&uapi.O_TRUNC != 0 && ino.Type() == inode.S_IFREG {
			v.truncate(cur, d, ino, 0, inode.ATTR_SIZE|inode.ATTR_MTIME|inode.ATTR_CTIME)
			v.vnevent(cur, ctx, ino, VE_CREATE, nil, "")
		}
		a.Vpp = ino
		return nil
	})
}

// closeVnode is VOP_CLOSE of f's vnode at its last close (closef), with a
// fifo's close as the file system's part.
func (v *VFS) closeVnode(cur *lockdep.Task, f *File) {
	ino := pathInode(cur, f.Path)
	a := &VopArgs{Vop: VOP_CLOSE, Cur: cur, Vp: ino, Flag: fileFlags(f.Flags)}
	_ = v.vop(a, func() error {
		if ino.Type() == inode.S_IFIFO {
			fifoRelease(cur, ino, f.Flags)
		}
		return nil
	})
}

// readVnode is read(2) as illumos makes it: nothing for 0 bytes of a
// regular file, otherwise VOP_READ whatever comes of it (EISDIR for a
// directory, a fifo's EAGAIN, 0 bytes at end of file): its monitors see
// every one.
func (v *VFS) readVnode(ctx *Context, f *File, n int) ([]byte, error) {
	cur := ctx.Cur
	ino := pathInode(cur, f.Path)
	if ino.Type() == inode.S_IFREG && n == 0 {
		return nil, nil
	}
	var out []byte
	err := v.vop(vopArgs(ctx, VOP_READ, ino), func() error {
		switch ino.Type() {
		case inode.S_IFDIR:
			return syscall.EISDIR // tmp_read
		case inode.S_IFIFO:
			var err error
			out, err = fifoRead(cur, ino, f.Flags, n)
			return err
		}
		out = v.readRegular(cur, f, ino, n)
		return nil
	})
	return out, err
}

// readRegular copies up to n bytes of a tmpfs file from f's position.
func (v *VFS) readRegular(cur *lockdep.Task, f *File, ino *inode.Inode, n int) []byte {
	var out []byte
	f.PosLock.Lock(cur)
	ino.IMutex.Lock(cur)
	if f.Pos < int64(len(ino.Data)) {
		end := min(f.Pos+int64(n), int64(len(ino.Data)))
		out = append([]byte(nil), ino.Data[f.Pos:end]...)
	}
	ino.IMutex.Unlock(cur)
	f.Pos += int64(len(out))
	f.PosLock.Unlock(cur)
	return out
}

// writeVnode is write(2) as illumos makes it: nothing for 0 bytes to a
// regular file, otherwise VOP_WRITE whatever comes of it (a fifo's EPIPE).
func (v *VFS) writeVnode(ctx *Context, f *File, data []byte) (int, error) {
	cur := ctx.Cur
	ino := pathInode(cur, f.Path)
	if ino.Type() == inode.S_IFREG && len(data) == 0 {
		return 0, nil
	}
	err := v.vop(vopArgs(ctx, VOP_WRITE, ino), func() error {
		if ino.Type() == inode.S_IFIFO {
			return fifoWrite(cur, ino, data)
		}
		v.writeRegular(cur, f, ino, data)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(data), nil
}

// writeRegular writes data to a tmpfs file at f's position (or its end
// with O_APPEND), updating mtime and ctime.
func (v *VFS) writeRegular(cur *lockdep.Task, f *File, ino *inode.Inode, data []byte) {
	f.PosLock.Lock(cur)
	ino.IMutex.Lock(cur)
	if f.Flags&uapi.O_APPEND != 0 {
		f.Pos = int64(len(ino.Data))
	}
	if len(data) > 0 {
		end := f.Pos + int64(len(data))
		if end > int64(len(ino.Data)) {
			grown := make([]byte, end)
			copy(grown, ino.Data)
			ino.Data = grown
		}
		copy(ino.Data[f.Pos:], data)
		ino.Size = int64(len(ino.Data))
		now := v.Now()
		ino.SetMtime(now)
		ino.SetCtime(now)
	}
	ino.IMutex.Unlock(cur)
	f.Pos += int64(len(data))
	f.PosLock.Unlock(cur)
}

// setattrVnode is VOP_SETATTR: set runs under ino's i_mutex as the file
// system's part, and the monitors see its result.
func (v *VFS) setattrVnode(ctx *Context, ino *inode.Inode, set func(ino *inode.Inode) (uint32, error)) error {
	cur := ctx.Cur
	return v.vop(vopArgs(ctx, VOP_SETATTR, ino), func() error {
		ino.IMutex.Lock(cur)
		defer ino.IMutex.Unlock(cur)
		_, err := set(ino)
		return err
	})
}

// Space is fcntl(F_FREESP) of the file from size to its end, what
// illumos's ftruncate(3C) is: EBADF unless open for writing, EINVAL for
// anything but a regular file or a negative size; then VOP_SPACE (through
// the monitors, which seed 004 has none for), tmp_space's truncation, and
// VE_TRUNCATE when the file is cut to 0.
func (v *VFS) Space(ctx *Context, f *File, size int64) error {
	cur := ctx.Cur
	if !f.Writable() {
		return syscall.EBADF
	}
	if f.Path.Dentry == nil || pathInode(cur, f.Path).Type() != inode.S_IFREG || size < 0 {
		return syscall.EINVAL
	}
	ino := pathInode(cur, f.Path)
	return v.vop(vopArgs(ctx, VOP_SPACE, ino), func() error {
		v.truncate(cur, f.Path.Dentry, ino, size, inode.ATTR_SIZE|inode.ATTR_MTIME|inode.ATTR_CTIME)
		if size == 0 {
			v.vnevent(cur, ctx, ino, VE_TRUNCATE, nil, "")
		}
		return nil
	})
}

// getdentsVnode is VOP_READDIR, whose monitors see every call, the one
// that finds nothing left too. tmpfs lists a removed directory as empty.
func (v *VFS) getdentsVnode(ctx *Context, f *File, bufSize int) ([]Dirent, error) {
	cur := ctx.Cur
	ino := pathInode(cur, f.Path)
	var out []Dirent
	err := v.vop(vopArgs(ctx, VOP_READDIR, ino), func() error {
		f.PosLock.Lock(cur)
		defer f.PosLock.Unlock(cur)
		ino.IMutex.Lock(cur)
		if ino.Nlink() == 0 {
			ino.IMutex.Unlock(cur)
			return nil // tn_dir == NULL
		}
		names := append([]string{".", ".."}, f.Path.Dentry.ChildNames(cur)...)
		ino.IMutex.Unlock(cur)
		used := 0
		for i := int(f.Pos); i >= 0 && i < len(names); i++ {
			reclen := (getdentsHeaderBytes + len(names[i]) + 1 + 7) &^ 7
			if used+reclen > bufSize {
				if used == 0 {
					return syscall.EINVAL
				}
				break
			}
			out = append(out, Dirent{Name: names[i], Reclen: reclen})
			used += reclen
			f.Pos = int64(i + 1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// linkVnode is VOP_LINK of a new name in dir for ino, with the link itself
// and tmp_link's vnevent_link (VE_LINK to ino) as the file system's part;
// the new dentry comes back with a reference.
// Precondition: dir's i_mutex is held.
func (v *VFS) linkVnode(ctx *Context, pw parentWalk, dir, ino *inode.Inode) (*dentry.Dentry, error) {
	cur := ctx.Cur
	lockdep.AssertHeld(cur, &dir.IMutex)
	a := vopArgs(ctx, VOP_LINK, dir)
	a.Name, a.Svp = pw.last, ino
	var d *dentry.Dentry
	err := v.vop(a, func() error {
		ino.IMutex.LockNested(cur, inode.I_MUTEX_CHILD)
		if ino.Nlink() == 0 {
			ino.IMutex.Unlock(cur)
			return syscall.ENOENT
		}
		d = v.linkLocked(cur, pw, dir, ino)
		ino.IMutex.Unlock(cur)
		v.vnevent(cur, ctx, ino, VE_LINK, nil, "")
		return nil
	})
	return d, err
}

// stickyRemoveAccess is tmp_sticky_remove_access: in a sticky directory
// only the owner of the directory or of the entry, or a user who may
// write the entry if it is a regular file, may remove it (else EACCES,
// secpolicy_vnode_remove's answer to an unprivileged caller).
func stickyRemoveAccess(ctx *Context, dir, victim *inode.Inode) error {
	uid := ctx.Cred.Uid
	if dir.Mode()&inode.S_ISVTX == 0 || uid == 0 || uid == dir.Uid() || uid == victim.Uid() {
		return nil
	}
	if victim.Type() == inode.S_IFREG && permission(ctx, victim, MAY_WRITE) == nil {
		return nil
	}
	return syscall.EACCES
}

// removeLookupVnode is the start of vn_removeat: the parent walked and
// locked (I_MUTEX_PARENT), EROFS, the victim looked up (ENOENT) and, for
// a trailing slash, Linux's errors. On success the parent stays locked and
// the caller owns pw and the victim's reference.
func (v *VFS) removeLookupVnode(ctx *Context, path string, dotErr [3]error) (pw parentWalk, dir, ino *inode.Inode, victim *dentry.Dentry, err error) {
	cur := ctx.Cur
	if pw, err = v.walkParent(ctx, path); err != nil {
		return
	}
	switch pw.typ {
	case lastDot:
		err = dotErr[0]
	case lastDotDot:
		err = dotErr[1]
	case lastRoot:
		err = dotErr[2]
	}
	if err == nil {
		err = pw.Mnt.wantWrite()
	}
	if err != nil {
		pw.Put(cur)
		return
	}
	dir = pathInode(cur, pw.Path)
	dir.IMutex.LockNested(cur, inode.I_MUTEX_PARENT)
	if victim, err = v.lookupLocked(cur, pw.Dentry, dir, pw.last); err == nil && victim == nil {
		err = syscall.ENOENT
	} else if err == nil {
		ino = pathInode(cur, Path{Dentry: victim})
	}
	return
}

// unlinkVnode is unlink(2) as illumos makes it: vn_removeat looks the
// name up (ENOENT), refuses a mount point (EBUSY), then VOP_REMOVE goes
// through the directory's monitors to tmp_remove, which refuses a
// directory (EPERM), checks the directory's write and search permission
// and the sticky bit (EACCES), removes the name, and then sends VE_REMOVE
// to the vnode — whatever came of the removal. The monitors of the
// directory see the result, those of the vnode the vnevent.
func (v *VFS) unlinkVnode(ctx *Context, path string) error {
	cur := ctx.Cur
	pw, dir, ino, victim, err := v.removeLookupVnode(ctx, path, [3]error{syscall.EISDIR, syscall.EISDIR, syscall.EISDIR})
	if err != nil {
		if dir != nil {
			dir.IMutex.Unlock(cur)
			pw.Put(cur)
		}
		return err
	}
	defer pw.Put(cur)
	defer dir.IMutex.Unlock(cur)
	defer dentry.Dput(cur, victim) // tmp_remove's tmpnode_rele, after the vnevent
	switch {
	case pw.slash && ino.IsDir():
		return syscall.EISDIR
	case pw.slash:
		return syscall.ENOTDIR
	case victim.Mounted(cur) > 0:
		return syscall.EBUSY
	}
	a := vopArgs(ctx, VOP_REMOVE, dir)
	a.Name = pw.last
	return v.vop(a, func() error {
		err := v.tmpRemoveLocked(ctx, dir, ino, victim)
		v.vnevent(cur, ctx, ino, VE_REMOVE, dir, pw.last)
		return err
	})
}

// tmpRemoveLocked is tmp_remove up to its vnevent: EPERM for a directory,
// then tdirdelete's checks and the removal of the name (the link count,
// the tmpfs pin and the dcache entry).
// Precondition: dir's i_mutex is held.
func (v *VFS) tmpRemoveLocked(ctx *Context, dir, ino *inode.Inode, victim *dentry.Dentry) error {
	cur := ctx.Cur
	lockdep.AssertHeld(cur, &dir.IMutex)
	if ino.IsDir() {
		return syscall.EPERM
	}
	if err := permission(ctx, dir, MAY_WRITE|MAY_EXEC); err != nil {
		return err
	}
	if err := stickyRemoveAccess(ctx, dir, ino); err != nil {
		return err
	}
	if dir.Nlink() == 0 {
		return syscall.ENOENT
	}
	ino.IMutex.LockNested(cur, inode.I_MUTEX_CHILD)
	now := v.Now()
	ino.DropNlink()
	ino.SetCtime(now)
	dir.SetMtime(now)
	dir.SetCtime(now)
	dentry.Dput(cur, victim) // the tmpfs pin
	ino.IMutex.Unlock(cur)
	v.deleteNotify(cur, dir, ino, victim)
	return nil
}

// rmdirVnode is rmdir(2) as illumos makes it: vn_removeat looks the name
// up (ENOENT) and refuses a non-directory (ENOTDIR), then VOP_RMDIR goes
// through the directory's monitors to tmp_rmdir: EINVAL for the caller's
// current directory, EEXIST for a directory with entries (tmpfs's "SIGH
// should be ENOTEMPTY"), EBUSY for a mount point, EACCES from tdirdelete,
// and then VE_RMDIR to the directory — whatever came of the removal.
func (v *VFS) rmdirVnode(ctx *Context, path string) error {
	cur := ctx.Cur
	pw, dir, ino, victim, err := v.removeLookupVnode(ctx, path, [3]error{syscall.EINVAL, syscall.EEXIST, syscall.EBUSY})
	if err != nil {
		if dir != nil {
			dir.IMutex.Unlock(cur)
			pw.Put(cur)
		}
		return err
	}
	defer pw.Put(cur)
	defer dir.IMutex.Unlock(cur)
	defer dentry.Dput(cur, victim)
	if !ino.IsDir() {
		return syscall.ENOTDIR
	}
	a := vopArgs(ctx, VOP_RMDIR, dir)
	a.Name = pw.last
	return v.vop(a, func() error {
		err := v.tmpRmdirLocked(ctx, dir, ino, victim)
		v.vnevent(cur, ctx, ino, VE_RMDIR, dir, pw.last)
		return err
	})
}

// tmpRmdirLocked is tmp_rmdir up to its vnevent.
// Precondition: dir's i_mutex is held.
func (v *VFS) tmpRmdirLocked(ctx *Context, dir, ino *inode.Inode, victim *dentry.Dentry) error {
	cur := ctx.Cur
	lockdep.AssertHeld(cur, &dir.IMutex)
	if ino == dir || ino == pathInode(cur, ctx.Pwd) {
		return syscall.EINVAL
	}
	if victim.NumChildren(cur) > 0 {
		return syscall.EEXIST
	}
	if victim.Mounted(cur) > 0 {
		return syscall.EBUSY
	}
	if err := permission(ctx, dir, MAY_WRITE|MAY_EXEC); err != nil {
		return err
	}
	if err := stickyRemoveAccess(ctx, dir, ino); err != nil {
		return err
	}
	ino.IMutex.LockNested(cur, inode.I_MUTEX_CHILD)
	now := v.Now()
	ino.SetNlink(0)
	ino.SetCtime(now)
	dir.DropNlink()
	dir.SetMtime(now)
	dir.SetCtime(now)
	dentry.Dput(cur, victim) // the tmpfs pin
	ino.IMutex.Unlock(cur)
	v.deleteNotify(cur, dir, ino, victim)
	return nil
}

// renameVnevents are the vnevents of tmp_rename once the names are
// changed: VE_RENAME_DEST to a target it replaced (tdirenter), then
// vnevent_rename_src (VE_RENAME_SRC_DIR to the source directory and
// VE_RENAME_SRC to the renamed vnode), then VE_RENAME_DEST_DIR to the
// target directory with the renamed vnode and its new name.
func (v *VFS) renameVnevents(ctx *Context, oldDir, newDir *inode.Inode, oldName, newName string, source, target *inode.Inode) {
	cur := ctx.Cur
	if target != nil {
		v.vnevent(cur, ctx, target, VE_RENAME_DEST, newDir, newName)
	}
	v.vneventRenameSrc(ctx, source, oldDir, oldName)
	v.vnevent(cur, ctx, newDir, VE_RENAME_DEST_DIR, source, newName)
}

// vnodesHeld reports whether an inode of sb is held by something other
// than its names (a watch's VN_HOLD): illumos's tmp_unmount refuses to
// unmount while a vnode of the file system has v_count > 0 (the root's
// own hold aside), EBUSY.
func (v *VFS) vnodesHeld(cur *lockdep.Task, sb *superBlock) bool {
	for _, ino := range sb.Inodes(cur) {
		if int(ino.Count.Count()) > v.dcache.NumAliases(cur, ino) {
			return true
		}
	}
	return false
}
