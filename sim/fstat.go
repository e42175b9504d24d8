package sim

import (
	"encoding/binary"
	"path"
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// Stat is struct stat as stat(2) fills it. Times are the VFS's logical
// clock (one tick per change), not seconds.
type Stat struct {
	Dev, Ino              uint64
	Mode, Nlink, Uid, Gid uint32
	Size                  int64
	Blksize, Blocks       int64
	Atime, Mtime, Ctime   int64
}

// tmpfs sizes a directory as BOGO_DIRENT_SIZE bytes per entry, "." and
// ".." included (shmem_mknod, shmem_get_inode).
const bogoDirentSize = 20

// statPath fills a Stat from the inode at p (generic_fillattr with
// shmem_getattr).
func (t *Task) statPath(p vfs.Path) Stat {
	ino := p.Dentry.Inode(t.cur)
	st := Stat{Dev: ino.Sb.Dev, Ino: ino.Ino, Mode: ino.Mode(), Nlink: uint32(ino.Nlink()),
		Uid: ino.Uid(), Gid: ino.Gid(), Blksize: 4096,
		Atime: ino.Atime(), Mtime: ino.Mtime(), Ctime: ino.Ctime()}
	switch ino.Type() {
	case inode.S_IFREG:
		ino.IMutex.Lock(t.cur)
		st.Size = ino.Size
		ino.IMutex.Unlock(t.cur)
		st.Blocks = (st.Size + 4095) / 4096 * 8
	case inode.S_IFLNK:
		st.Size = int64(len(ino.Target))
	case inode.S_IFDIR:
		st.Size = int64(bogoDirentSize * (2 + p.Dentry.NumChildren(t.cur)))
	}
	return st
}

// statWalk is vfs_statx: the walk (following a final symlink when follow
// is set), then the attributes. It makes no event.
func (t *Task) statWalk(ctx *vfs.Context, name string, follow bool) (Stat, error) {
	flags := 0
	if follow {
		flags = vfs.LOOKUP_FOLLOW
	}
	p, err := t.k.vfs.Walk(ctx, name, flags)
	if err != nil {
		return Stat{}, err
	}
	defer p.Put(t.cur)
	return t.statPath(p), nil
}

// Stat is stat(2).
func (t *Task) Stat(name string) (Stat, error) {
	t.enter("stat")
	defer t.exit()
	if err := cStrings(name); err != nil {
		return Stat{}, err
	}
	return t.statWalk(t.ctx, name, true)
}

// Lstat is lstat(2): a final symlink is not followed.
func (t *Task) Lstat(name string) (Stat, error) {
	t.enter("lstat")
	defer t.exit()
	if err := cStrings(name); err != nil {
		return Stat{}, err
	}
	return t.statWalk(t.ctx, name, false)
}

// Fstat is fstat(2). A pipe is a fifo of mode 0600 owned by the task; an
// inotify, epoll or eventfd instance an anonymous inode of mode 0600.
func (t *Task) Fstat(fd int) (Stat, error) {
	t.enter("fstat")
	defer t.exit()
	var st Stat
	err := t.withFile(fd, func(f *vfs.File) error {
		if f.Path.Dentry != nil {
			st = t.statPath(f.Path)
			return nil
		}
		st = Stat{Mode: 0o600, Nlink: 1, Blksize: 4096}
		if vfs.IsPipe(f) {
			st.Mode |= inode.S_IFIFO
			st.Uid, st.Gid = t.ctx.Cred.Uid, t.ctx.Cred.Gid
		}
		return nil
	})
	return st, err
}

// Readlink is readlink(2): the target of the symlink at name, cut to
// size bytes (size ≤ 0: EINVAL); EINVAL for a file that is no symlink.
func (t *Task) Readlink(name string, size int) (string, error) {
	t.enter("readlink")
	defer t.exit()
	if err := cStrings(name); err != nil {
		return "", err
	}
	if size <= 0 {
		return "", syscall.EINVAL
	}
	p, err := t.k.vfs.Walk(t.ctx, name, 0)
	if err != nil {
		return "", err
	}
	defer p.Put(t.cur)
	ino := p.Dentry.Inode(t.cur)
	if ino.Type() != inode.S_IFLNK {
		return "", syscall.EINVAL
	}
	target := ino.Target
	if len(target) > size {
		target = target[:size]
	}
	return target, nil
}

// Getdents64 is getdents64(2) with a buffer of size bytes: the entries
// that fit, as struct linux_dirent64 records (d_ino, d_off, d_reclen,
// d_type, the NUL-terminated name, padded to 8 bytes). An empty result is
// the end of the directory. It fires IN_ACCESS|IN_ISDIR, as the kernel's
// does.
func (t *Task) Getdents64(fd, size int) ([]byte, error) {
	t.enter("getdents64")
	defer t.exit()
	var out []byte
	err := t.withFile(fd, func(f *vfs.File) error {
		f.PosLock.Lock(t.cur)
		pos := f.Pos
		f.PosLock.Unlock(t.cur)
		ents, err := t.k.vfs.Getdents(t.ctx, f, size)
		if err != nil {
			return err
		}
		kinds := t.direntKinds(f.Path.Dentry)
		for i, e := range ents {
			k := kinds[e.Name]
			rec := make([]byte, e.Reclen)
			binary.NativeEndian.PutUint64(rec[0:], k.ino)
			binary.NativeEndian.PutUint64(rec[8:], uint64(pos)+uint64(i)+1)
			binary.NativeEndian.PutUint16(rec[16:], uint16(e.Reclen))
			rec[18] = k.typ
			copy(rec[19:], e.Name)
			out = append(out, rec...)
		}
		return nil
	})
	return out, err
}

type direntKind struct {
	ino uint64
	typ byte
}

// direntKinds is what dcache_readdir passes to dir_emit for each name of
// d: the inode number and the type (DT_*), "." and ".." included.
func (t *Task) direntKinds(d *dentry.Dentry) map[string]direntKind {
	kind := func(ino *inode.Inode) direntKind {
		if ino == nil {
			return direntKind{}
		}
		return direntKind{ino: ino.Ino, typ: dtype(ino.Type())}
	}
	parent := d.Parent(t.cur)
	out := map[string]direntKind{".": kind(d.Inode(t.cur)), "..": kind(parent.Inode(t.cur))}
	dentry.Dput(t.cur, parent)
	for _, c := range d.Children(t.cur) {
		out[c.Name(t.cur)] = kind(c.Inode(t.cur))
		dentry.Dput(t.cur, c)
	}
	return out
}

// dtype is fs_umode_to_dtype.
func dtype(typ uint32) byte {
	switch typ {
	case inode.S_IFDIR:
		return uapi.DT_DIR
	case inode.S_IFREG:
		return uapi.DT_REG
	case inode.S_IFLNK:
		return uapi.DT_LNK
	case inode.S_IFIFO:
		return uapi.DT_FIFO
	}
	return uapi.DT_UNKNOWN
}

// atContext returns the context a *at call resolves name in: the task's
// own for AT_FDCWD or an absolute name, else one whose cwd is the
// directory open at dirfd (EBADF for a bad fd, ENOTDIR for a file that is
// not a directory). The caller calls put when done.
func (t *Task) atContext(dirfd int, name string) (ctx *vfs.Context, put func(), err error) {
	if dirfd == uapi.AT_FDCWD || path.IsAbs(name) {
		return t.ctx, func() {}, nil
	}
	f, err := t.Fget(dirfd)
	if err != nil {
		return nil, nil, err
	}
	if f.Path.Dentry == nil || !f.Path.Dentry.Inode(t.cur).IsDir() {
		vfs.Fput(t.cur, f)
		return nil, nil, syscall.ENOTDIR
	}
	c := *t.ctx
	c.Pwd = f.Path // borrowed: the walk takes its own references
	return &c, func() { vfs.Fput(t.cur, f) }, nil
}

// Openat is openat(2).
func (t *Task) Openat(dirfd int, name string, flags int, mode uint32) (int, error) {
	t.enter("openat")
	defer t.exit()
	if err := cStrings(name); err != nil {
		return -1, err
	}
	ctx, put, err := t.atContext(dirfd, name)
	if err != nil {
		return -1, err
	}
	defer put()
	return t.doSysOpen(ctx, name, flags, mode)
}

// Renameat2 is renameat2(2). Relative names under two different directory
// fds are not supported (ENOTSUP): the VFS walks both from one context.
func (t *Task) Renameat2(olddirfd int, oldName string, newdirfd int, newName string, flags int) error {
	t.enter("renameat2")
	defer t.exit()
	if err := cStrings(oldName, newName); err != nil {
		return err
	}
	dirfd := uapi.AT_FDCWD
	oldRel, newRel := !path.IsAbs(oldName), !path.IsAbs(newName)
	switch {
	case oldRel && newRel && olddirfd != newdirfd:
		return syscall.ENOTSUP
	case oldRel:
		dirfd = olddirfd
	case newRel:
		dirfd = newdirfd
	}
	ctx, put, err := t.atContext(dirfd, "")
	if err != nil {
		return err
	}
	defer put()
	return t.k.vfs.Rename(ctx, oldName, newName, flags)
}

// Fstatat is fstatat(2); flags may hold AT_SYMLINK_NOFOLLOW.
func (t *Task) Fstatat(dirfd int, name string, flags int) (Stat, error) {
	t.enter("newfstatat")
	defer t.exit()
	if err := cStrings(name); err != nil {
		return Stat{}, err
	}
	ctx, put, err := t.atContext(dirfd, name)
	if err != nil {
		return Stat{}, err
	}
	defer put()
	return t.statWalk(ctx, name, flags&uapi.AT_SYMLINK_NOFOLLOW == 0)
}
