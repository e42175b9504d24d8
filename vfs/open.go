package vfs

import (
	"context"
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
)

// Open opens path (do_sys_open → path_openat → do_open) and returns a new
// file holding one reference.
//
// Without O_CREAT the path is walked (LOOKUP_FOLLOW unless O_NOFOLLOW, a
// symlink then gives ELOOP). With O_CREAT a missing last component is
// created as a regular file of mode&07777 (umask 0) under the parent's
// i_mutex, FsnotifyCreate firing there; an existing one gives EEXIST with
// O_EXCL (no hooks), EISDIR for a directory, and a symlink is followed
// (and the file created at its target if missing) unless O_NOFOLLOW
// (ELOOP) or O_EXCL (EEXIST). Then FsnotifyOpen; then, for O_TRUNC on an
// existing regular file, the truncation and FsnotifyChange(ATTR_SIZE|
// ATTR_MTIME|ATTR_CTIME). A newly created file is not truncated and not
// permission-checked.
//
// Directories open only read-only (EISDIR otherwise). Fifos: only O_RDWR
// and O_NONBLOCK opens are fully modelled; a blocking O_RDONLY or O_WRONLY
// open succeeds only if the other end is already open (the kernel would
// not sleep then either) and fails with EAGAIN where the kernel would
// sleep. O_WRONLY|O_NONBLOCK with no reader gives ENXIO, as on Linux.
func (v *VFS) Open(ctx *Context, path string, flags int, mode uint32) (*File, error) {
	if flags&uapi.O_ACCMODE == uapi.O_ACCMODE {
		return nil, syscall.EINVAL
	}
	if flags&uapi.O_CREAT == 0 {
		lf := LOOKUP_FOLLOW
		if flags&uapi.O_NOFOLLOW != 0 {
			lf = 0
		}
		if flags&uapi.O_DIRECTORY != 0 {
			lf |= LOOKUP_DIRECTORY
		}
		p, err := v.Walk(ctx, path, lf)
		if err != nil {
			return nil, err
		}
		return v.openPath(ctx, p, flags, false)
	}
	if flags&uapi.O_DIRECTORY != 0 {
		return nil, syscall.EINVAL
	}
	nd := nameidata{ctx: ctx, path: ctx.Pwd.Get()}
	return v.openCreate(&nd, path, flags, mode)
}

// openCreate is the O_CREAT half of Open (open_last_lookups with O_CREAT):
// a parent walk from nd.path, EEXIST or EISDIR for "/", "." or "..",
// EISDIR for a trailing slash, then lookup or create under the parent's
// i_mutex (lookup_open): the lookup's errors (a dead directory's ENOENT,
// ENAMETOOLONG) come before EROFS and may_o_create's, which lookup_open
// computes first but reports only for a name it must create.
func (v *VFS) openCreate(nd *nameidata, path string, flags int, mode uint32) (*File, error) {
	cur := nd.ctx.Cur
	pw, err := v.walkParentFrom(nd, path)
	if err != nil {
		return nil, err
	}
	switch {
	case pw.typ != lastNorm && flags&uapi.O_EXCL != 0:
		// "/", "." or "..": it exists, and do_open tests O_EXCL
		// before the directory.
		pw.Put(cur)
		return nil, syscall.EEXIST
	case pw.typ != lastNorm || pw.slash:
		pw.Put(cur)
		return nil, syscall.EISDIR // trailing slashes: before any lookup
	}
	dir := pathInode(cur, pw.Path)
	dir.IMutex.Lock(cur)
	child, err := v.lookupLocked(cur, pw.Dentry, dir, pw.last)
	if err != nil {
		dir.IMutex.Unlock(cur)
		pw.Put(cur)
		return nil, err
	}
	if child == nil {
		// lookup_open: a negative name on a read-only mount is EROFS,
		// before may_o_create's checks.
		err := pw.Mnt.wantWrite()
		var d *dentry.Dentry
		switch {
		case err != nil:
		case v.p.VnodeLayer:
			d, err = v.createVnode(nd.ctx, pw, dir, inode.S_IFREG|mode&inode.ModePerm, "")
		default:
			d, err = v.createLocked(nd.ctx, pw, dir, inode.S_IFREG|mode&inode.ModePerm, "")
			if err == nil {
				v.notifier.FsnotifyCreate(cur, dir, d)
			}
		}
		dir.IMutex.Unlock(cur)
		if err != nil {
			pw.Put(cur)
			return nil, err
		}
		p := Path{Mnt: pw.Mnt, Dentry: d}
		dentry.Dput(cur, pw.Dentry) // keep the mount reference for p
		return v.openPath(nd.ctx, p, flags, true)
	}
	dir.IMutex.Unlock(cur)
	if flags&uapi.O_EXCL != 0 {
		if v.p.VnodeLayer { // tmp_create's answer, which dir's monitors see
			_ = v.createExistingVnode(nd.ctx, dir, pw.last, child, pathInode(cur, Path{Dentry: child}), flags)
		}
		dentry.Dput(cur, child)
		pw.Put(cur)
		return nil, syscall.EEXIST
	}
	if pathInode(cur, Path{Dentry: child}).Type() == inode.S_IFLNK {
		if flags&uapi.O_NOFOLLOW != 0 {
			dentry.Dput(cur, child)
			pw.Put(cur)
			return nil, syscall.ELOOP
		}
		target := pathInode(cur, Path{Dentry: child}).Target
		dentry.Dput(cur, child)
		nd.path, nd.links = pw.Path, pw.links+1
		if nd.links > maxSymlinks {
			nd.path.Put(cur)
			return nil, syscall.ELOOP
		}
		return v.openCreate(nd, target, flags, mode)
	}
	p := Path{Mnt: pw.Mnt, Dentry: child}
	dentry.Dput(cur, pw.Dentry)
	v.followMount(cur, &p)
	if pathInode(cur, p).IsDir() {
		p.Put(cur)
		return nil, syscall.EISDIR
	}
	if v.p.VnodeLayer {
		// vn_createat makes VOP_CREATE of a name that exists too; it
		// checks the file system is writable first.
		err := pw.Mnt.wantWrite()
		if err == nil {
			err = v.createExistingVnode(nd.ctx, dir, pw.last, p.Dentry, pathInode(cur, p), flags)
		}
		if err != nil {
			p.Put(cur)
			return nil, err
		}
		return v.openVnode(nd.ctx, p, flags, true)
	}
	return v.openPath(nd.ctx, p, flags, false)
}

// openChecks is the part of may_open (Linux) and vn_openat (illumos) that
// looks only at the file's type and the open flags: the access the open
// asks for (ACC_MODE, plus MAY_WRITE for O_TRUNC), ELOOP for a symlink,
// EISDIR for a directory opened for writing, ENOTDIR for O_DIRECTORY of a
// non-directory.
func openChecks(ino *inode.Inode, flags int) (acc int, err error) {
	switch flags & uapi.O_ACCMODE {
	case uapi.O_RDONLY:
		acc = MAY_READ
	case uapi.O_WRONLY:
		acc = MAY_WRITE
	case uapi.O_RDWR:
		acc = MAY_READ | MAY_WRITE
	}
	if flags&uapi.O_TRUNC != 0 {
		acc |= MAY_WRITE
	}
	switch ino.Type() {
	case inode.S_IFLNK:
		err = syscall.ELOOP
	case inode.S_IFDIR:
		if acc&MAY_WRITE != 0 {
			err = syscall.EISDIR
		}
	}
	if err == nil && flags&uapi.O_DIRECTORY != 0 && !ino.IsDir() {
		err = syscall.ENOTDIR
	}
	return acc, err
}

// openPath opens the file at p (may_open + vfs_open + handle_truncate),
// taking over p's references.
func (v *VFS) openPath(ctx *Context, p Path, flags int, created bool) (*File, error) {
	if v.p.VnodeLayer {
		return v.openVnode(ctx, p, flags, created)
	}
	cur := ctx.Cur
	ino := pathInode(cur, p)
	acc, err := openChecks(ino, flags)
	if err == nil && !created && acc&MAY_WRITE != 0 && ino.Type() != inode.S_IFIFO {
		err = p.Mnt.wantWrite() // sb_permission, first in inode_permission
	}
	if err == nil && !created {
		err = v.Permission(ctx, ino, acc)
	}
	if err == nil && ino.Type() == inode.S_IFIFO {
		err = fifoOpen(cur, ino, flags)
	}
	if err != nil {
		p.Put(cur)
		return nil, err
	}
	trunc := flags&uapi.O_TRUNC != 0 && !created && ino.Type() == inode.S_IFREG
	if trunc && v.p.TruncateBeforeOpen {
		// 2.6.13–2.6.25: may_open truncates, before fsnotify_open.
		v.truncate(cur, p.Dentry, ino, 0, inode.ATTR_SIZE|inode.ATTR_MTIME|inode.ATTR_CTIME)
	}
	f := v.newFile(p, flags, nil)
	v.notifier.FsnotifyOpen(cur, p.Dentry)
	if trunc && !v.p.TruncateBeforeOpen {
		v.truncate(cur, p.Dentry, ino, 0, inode.ATTR_SIZE|inode.ATTR_MTIME|inode.ATTR_CTIME)
	}
	return f, nil
}

// newFile allocates a struct file with f_count 1 (alloc_file).
func (v *VFS) newFile(p Path, flags int, ops FileOperations) *File {
	id := v.fileIDs.Add(1)
	f := &File{Path: p, Flags: flags, Ops: ops}
	f.Count.Init(v.refs, "file", id, 1)
	if p.Mnt != nil && f.Writable() {
		p.Mnt.sb.writers.Add(1) // mnt_get_write_access
	}
	f.PosLock.Init(FPosLockClass, id)
	return f
}

// NewAnonFile returns a file with no path, with one reference
// (anon_inode_getfile): the inotify device's file.
func (v *VFS) NewAnonFile(cur *lockdep.Task, ops FileOperations, flags int) *File {
	return v.newFile(Path{}, flags, ops)
}

// Fget takes a reference on f (get_file).
func Fget(f *File) *File { f.Count.Get(); return f }

// Fput drops a reference on f (fput → __fput). At the last one: the close
// hook for a file with a path (CLOSE_WRITE iff opened for writing), the
// file's release operation, and the path's put, which may shut down a
// lazily unmounted file system.
func Fput(cur *lockdep.Task, f *File) {
	if !f.Count.Put() {
		return
	}
	vnodes := f.Path.Dentry != nil && f.Path.Mnt.v.p.VnodeLayer
	switch {
	case vnodes:
		f.Path.Mnt.v.closeVnode(cur, f)
	case f.Path.Dentry != nil:
		f.Path.Mnt.v.notifier.FsnotifyClose(cur, f.Path.Dentry, f.Writable())
	}
	if f.Ops != nil {
		f.Ops.Release(cur, f)
	}
	if f.Path.Dentry != nil {
		if ino := pathInode(cur, f.Path); !vnodes && ino != nil && ino.Type() == inode.S_IFIFO {
			fifoRelease(cur, ino, f.Flags)
		}
		if f.Writable() {
			f.Path.Mnt.sb.writers.Add(-1)
		}
	}
	f.Path.Put(cur)
	f.Path = Path{}
}

// ReadFile reads up to n bytes from f: through its Reader if it is a
// special file that has one, else as a tmpfs file (Read). It is the
// kernel's vfs_read dispatch on f_op->read.
func (v *VFS) ReadFile(gctx context.Context, ctx *Context, f *File, n int) ([]byte, error) {
	if !f.Readable() {
		return nil, syscall.EBADF
	}
	if f.Ops != nil {
		if r, ok := f.Ops.(Reader); ok {
			return r.Read(gctx, ctx.Cur, f, n)
		}
		return nil, syscall.EINVAL
	}
	return v.Read(ctx, f, n)
}

// Read reads up to n bytes of a tmpfs file at its position (vfs_read with
// shmem_file_read_iter): FsnotifyAccess when more than 0 bytes came back.
// A directory gives EISDIR; a file not open for reading EBADF.
func (v *VFS) Read(ctx *Context, f *File, n int) ([]byte, error) {
	cur := ctx.Cur
	if !f.Readable() || f.Path.Dentry == nil {
		return nil, syscall.EBADF
	}
	if n < 0 {
		return nil, syscall.EINVAL
	}
	if v.p.VnodeLayer {
		return v.readVnode(ctx, f, n)
	}
	ino := pathInode(cur, f.Path)
	var out []byte
	switch ino.Type() {
	case inode.S_IFDIR:
		return nil, syscall.EISDIR
	case inode.S_IFIFO:
		var err error
		if out, err = fifoRead(cur, ino, f.Flags, n); err != nil {
			return nil, err
		}
	default:
		out = v.readRegular(cur, f, ino, n)
	}
	if len(out) > 0 {
		v.notifier.FsnotifyAccess(cur, f.Path.Dentry)
	}
	return out, nil
}

// Write writes data to f at its position, or at the end with O_APPEND
// (vfs_write with shmem_file_write_iter under i_mutex): mtime and ctime are
// updated and FsnotifyModify fires when more than 0 bytes were written.
// EBADF if f is not open for writing; EINVAL for a special file.
func (v *VFS) Write(ctx *Context, f *File, data []byte) (int, error) {
	cur := ctx.Cur
	if !f.Writable() {
		return 0, syscall.EBADF
	}
	if f.Path.Dentry == nil {
		return 0, syscall.EINVAL
	}
	if v.p.VnodeLayer {
		return v.writeVnode(ctx, f, data)
	}
	ino := pathInode(cur, f.Path)
	if ino.Type() == inode.S_IFIFO {
		if err := fifoWrite(cur, ino, data); err != nil {
			return 0, err
		}
	} else {
		v.writeRegular(cur, f, ino, data)
	}
	if len(data) > 0 {
		v.notifier.FsnotifyModify(cur, f.Path.Dentry)
	}
	return len(data), nil
}

// Lseek sets f's position (SEEK_SET). A special file ignores it and
// returns 0 (noop_llseek); a fifo gives ESPIPE; a negative offset EINVAL.
func (v *VFS) Lseek(ctx *Context, f *File, off int64) (int64, error) {
	cur := ctx.Cur
	if f.Path.Dentry == nil {
		return 0, nil
	}
	if pathInode(cur, f.Path).Type() == inode.S_IFIFO {
		return 0, syscall.ESPIPE
	}
	if off < 0 {
		return 0, syscall.EINVAL
	}
	f.PosLock.Lock(cur)
	f.Pos = off
	f.PosLock.Unlock(cur)
	return off, nil
}

// Dirent is one entry returned by Getdents (struct linux_dirent64).
type Dirent struct {
	Name   string
	Reclen int // align8(19 + len(Name) + 1)
}

// Getdents returns the entries of the directory f from its position that
// fit in bufSize bytes ("." and ".." first, then the names in sorted
// order), and advances the position (getdents64 → iterate_dir →
// dcache_readdir). Each successful call fires FsnotifyAccess, even one
// returning nothing. A buffer too small for the next entry gives EINVAL;
// a removed directory ENOENT; a non-directory ENOTDIR.
func (v *VFS) Getdents(ctx *Context, f *File, bufSize int) ([]Dirent, error) {
	cur := ctx.Cur
	if f.Path.Dentry == nil {
		return nil, syscall.ENOTDIR
	}
	ino := pathInode(cur, f.Path)
	if !ino.IsDir() {
		return nil, syscall.ENOTDIR
	}
	if v.p.VnodeLayer {
		return v.getdentsVnode(ctx, f, bufSize)
	}
	f.PosLock.Lock(cur)
	ino.IMutex.Lock(cur)
	if ino.Nlink() == 0 {
		ino.IMutex.Unlock(cur)
		f.PosLock.Unlock(cur)
		return nil, syscall.ENOENT // IS_DEADDIR
	}
	names := append([]string{".", ".."}, f.Path.Dentry.ChildNames(cur)...)
	ino.IMutex.Unlock(cur)
	var out []Dirent
	var err error
	used := 0
	for i := int(f.Pos); i >= 0 && i < len(names); i++ {
		reclen := (getdentsHeaderBytes + len(names[i]) + 1 + 7) &^ 7
		if used+reclen > bufSize {
			if used == 0 {
				err = syscall.EINVAL
			}
			break
		}
		out = append(out, Dirent{Name: names[i], Reclen: reclen})
		used += reclen
		f.Pos = int64(i + 1)
	}
	f.PosLock.Unlock(cur)
	if err != nil {
		return nil, err
	}
	v.notifier.FsnotifyAccess(cur, f.Path.Dentry)
	return out, nil
}

// ReaddirBufSize is the getdents64 buffer Readdir uses, as ls does.
const ReaddirBufSize = 32 << 10

// Readdir lists a directory the way `ls` does: open(O_RDONLY|O_DIRECTORY),
// getdents64 with a 32 KiB buffer until it returns nothing, close. The
// names include "." and "..". EACCES without read permission.
func (v *VFS) Readdir(ctx *Context, path string) ([]string, error) {
	f, err := v.Open(ctx, path, uapi.O_RDONLY|uapi.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	defer Fput(ctx.Cur, f)
	var names []string
	for {
		ents, err := v.Getdents(ctx, f, ReaddirBufSize)
		if err != nil {
			return nil, err
		}
		if len(ents) == 0 {
			return names, nil
		}
		for _, e := range ents {
			names = append(names, e.Name)
		}
	}
}
