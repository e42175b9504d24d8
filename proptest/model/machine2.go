package model

import (
	"syscall"

	"github.com/inosim/inosim/uapi"
)

// Rename is renameat2 (do_renameat2, vfs_rename), in the kernel's order of
// checks: EXDEV across file systems; the source's lookup (lookupErr, then
// ENOENT for a missing source), then the target's; EEXIST (NOREPLACE) or
// ENOENT (EXCHANGE) for the target; trailing slashes (ENOTDIR for a slash
// on an exchange's target that is not a directory, then for a slash on a
// source that is not one, or on its target unless exchanging); EINVAL when the source
// is an ancestor of the target's parent, ENOTEMPTY (EINVAL for EXCHANGE)
// when the target is an ancestor of the source's; success without events
// when both names are the same object (#5); may_delete/may_create; EBUSY
// for a mountpoint; ENOTEMPTY for a non-empty target directory.
//
// Events (fsnotify_move, one fresh cookie per call): MOVED_FROM on the old
// parent, MOVED_TO on the new one, ATTRIB on a replaced target, MOVE_SELF
// on the source; the target then dies if that was its last link
// (DELETE_SELF, IGNORED) — and the directory gets no DELETE (#9).
// EXCHANGE is two such moves with no target (#12).
func (m *Model) Rename(oldpath, newpath string, flags int) error {
	ow, err := m.walk(oldpath, false)
	if err != nil {
		return err
	}
	nw, err := m.walk(newpath, false)
	if err != nil {
		return err
	}
	if ow.dir == nil || nw.dir == nil {
		return syscall.EBUSY
	}
	if ow.dir.fs != nw.dir.fs {
		return syscall.EXDEV
	}
	src := ow.dir.entries[ow.name]
	if src == nil {
		return missing(ow.dir, ow.name)
	}
	dst := nw.dir.entries[nw.name]
	if dst == nil {
		if err := lookupErr(nw.dir, nw.name); err != nil {
			return err
		}
	}
	exchange := flags&uapi.RENAME_EXCHANGE != 0
	if flags&uapi.RENAME_NOREPLACE != 0 && dst != nil {
		return syscall.EEXIST
	}
	if exchange && dst == nil {
		return syscall.ENOENT
	}
	if exchange && nw.slash && !dst.isDir() {
		return syscall.ENOTDIR
	}
	if !src.isDir() && (ow.slash || nw.slash && !exchange) {
		return syscall.ENOTDIR
	}
	// lock_rename's trap: the child of the common ancestor on the way to
	// the other parent.
	if src.isDir() && isAncestor(src, nw.dir) {
		return syscall.EINVAL
	}
	if dst != nil && dst.isDir() && isAncestor(dst, ow.dir) {
		if exchange {
			return syscall.EINVAL
		}
		return syscall.ENOTEMPTY
	}
	if src == dst {
		return nil
	}
	if err := m.mayDelete(ow.dir, src, src.isDir()); err != nil {
		return err
	}
	if dst == nil {
		if err := m.mayCreate(nw.dir); err != nil {
			return err
		}
	} else {
		isDir := src.isDir()
		if exchange {
			isDir = dst.isDir()
		}
		if err := m.mayDelete(nw.dir, dst, isDir); err != nil {
			return err
		}
	}
	if ow.dir != nw.dir {
		if src.isDir() && !m.may(src, mayWrite) {
			return syscall.EACCES
		}
		if exchange && dst.isDir() && !m.may(dst, mayWrite) {
			return syscall.EACCES
		}
	}
	if src.mounted != nil || (dst != nil && dst.mounted != nil) {
		return syscall.EBUSY
	}
	if !exchange && dst != nil && dst.isDir() && len(dst.entries) > 0 {
		return syscall.ENOTEMPTY
	}

	if exchange {
		ow.dir.entries[ow.name], nw.dir.entries[nw.name] = dst, src
		m.moveNames(ow.dir, ow.name, nw.dir, nw.name, src, dst)
		m.moveEvents(ow.dir, ow.name, nw.dir, nw.name, src, nil)
		m.moveEvents(nw.dir, nw.name, ow.dir, ow.name, dst, nil)
		return nil
	}
	delete(ow.dir.entries, ow.name)
	if dst != nil {
		delete(nw.dir.entries, nw.name)
		m.markUnlinked(nw.dir, nw.name, dst)
	}
	nw.dir.entries[nw.name] = src
	m.moveNames(ow.dir, ow.name, nw.dir, nw.name, src, nil)
	m.moveEvents(ow.dir, ow.name, nw.dir, nw.name, src, dst)
	if dst != nil {
		dst.nlink--
		if dst.isDir() {
			dst.nlink = 0
		}
		m.maybeDie(dst)
	}
	return nil
}

// markUnlinked marks the open fds that use dir/name for f as unlinked.
func (m *Model) markUnlinked(dir *File, name string, f *File) {
	for _, fd := range m.sortedFds() {
		if o := m.fds[fd]; o.inst == nil && o.f == f && o.dir == dir && o.name == name && !o.unlinked {
			o.unlinked = true
		}
	}
}

// moveNames moves the names of a and (EXCHANGE) b: directories hang
// somewhere new, and open fds follow their name (d_move, #46).
func (m *Model) moveNames(od *File, on string, nd *File, nn string, a, b *File) {
	var movedA, movedB []*ofile
	for _, fd := range m.sortedFds() {
		o := m.fds[fd]
		if o.inst != nil || o.unlinked {
			continue
		}
		if o.f == a && o.dir == od && o.name == on {
			movedA = append(movedA, o)
		}
		if b != nil && o.f == b && o.dir == nd && o.name == nn {
			movedB = append(movedB, o)
		}
	}
	for _, o := range movedA {
		o.dir, o.name = nd, nn
	}
	for _, o := range movedB {
		o.dir, o.name = od, on
	}
	if a.isDir() {
		a.parent, a.name = nd, nn
	}
	if b != nil && b.isDir() {
		b.parent, b.name = od, on
	}
}

func (m *Model) moveEvents(od *File, on string, nd *File, nn string, src, target *File) {
	m.cookie++
	c := m.cookie
	m.nameEvent(od, uapi.IN_MOVED_FROM, on, src.isDir(), c)
	m.nameEvent(nd, uapi.IN_MOVED_TO, nn, src.isDir(), c)
	if target != nil {
		m.selfEvent(target, uapi.IN_ATTRIB)
	}
	m.selfEvent(src, uapi.IN_MOVE_SELF)
}

// Mount mounts a new tmpfs (root mode 1777, 0:0) on a directory: lookup
// errors first, then EPERM for non-root, ENOTDIR. Mounting on a mounted
// directory stacks on the top one.
func (m *Model) Mount(fstype, path string) error {
	w, err := m.lookupFile(path, true)
	if err != nil {
		return err
	}
	if m.uid != 0 {
		return syscall.EPERM
	}
	if !w.f.isDir() {
		return syscall.ENOTDIR
	}
	fs := &fsys{on: w.f}
	uid, gid := m.uid, m.gid
	m.uid, m.gid = 0, 0
	fs.root = m.newFile(fs, Dir, 0o1777)
	m.uid, m.gid = uid, gid
	w.f.mounted = fs
	m.mounts = append(m.mounts, fs)
	return nil
}

// busy is what keeps a file system from a plain umount: pinned objects
// (open fds, the cwd) or mounts inside it.
func (m *Model) busy(fs *fsys) bool {
	for _, f := range fs.files {
		if f.pins > 0 || f.mounted != nil {
			return true
		}
	}
	return false
}

// Umount is umount2: lookup errors, EPERM for non-root, EINVAL unless the
// path is the root of a mount, EBUSY when busy without MNT_DETACH. A
// detached file system shuts down once nothing uses it (#37, #38).
func (m *Model) Umount(path string, flags int) error {
	w, err := m.lookupFile(path, true)
	if err != nil {
		return err
	}
	if m.uid != 0 {
		return syscall.EPERM
	}
	fs := w.f.fs
	if fs.root != w.f || fs.on == nil || fs.detached {
		return syscall.EINVAL
	}
	if flags&uapi.MNT_DETACH == 0 && m.busy(fs) {
		return syscall.EBUSY
	}
	m.detach(fs)
	m.reapMounts()
	return nil
}

// detach takes fs and every mount inside it out of the tree (umount_tree).
func (m *Model) detach(fs *fsys) {
	fs.on.mounted = nil
	fs.detached = true
	for _, f := range fs.files {
		if f.mounted != nil {
			m.detach(f.mounted)
			f.mounted = nil
		}
	}
}

// reapMounts shuts down every detached file system nothing uses any more,
// newest mount first (a child mount holds its parent).
func (m *Model) reapMounts() {
	for i := len(m.mounts) - 1; i >= 0; i-- {
		fs := m.mounts[i]
		if !fs.detached || fs.down || m.busy(fs) || m.holdsChild(fs) {
			continue
		}
		fs.down = true
		m.shutdown(fs)
		i = len(m.mounts)
	}
}

func (m *Model) holdsChild(fs *fsys) bool {
	for _, c := range m.mounts {
		if c.on != nil && c.on.fs == fs && !c.down {
			return true
		}
	}
	return false
}

// shutdown is fsnotify_unmount_inodes: for each live object with watches,
// newest first, IN_UNMOUNT (with IN_ISDIR for directories) to every watch,
// then IN_IGNORED for each (#37).
func (m *Model) shutdown(fs *fsys) {
	for i := len(fs.files) - 1; i >= 0; i-- {
		f := fs.files[i]
		if f.dead || len(f.watches) == 0 {
			continue
		}
		m.selfEvent(f, uapi.IN_UNMOUNT)
		for len(f.watches) > 0 {
			m.destroy(f.watches[0])
		}
	}
}

// InotifyInit1 makes an instance: EINVAL for flags other than
// IN_CLOEXEC|IN_NONBLOCK; the queue limit is max_queued_events now.
func (m *Model) InotifyInit1(flags int) (int, error) {
	if flags&^(uapi.IN_CLOEXEC|uapi.IN_NONBLOCK) != 0 {
		return -1, syscall.EINVAL
	}
	in := &instance{max: m.maxQueue, watches: map[int32]*watch{}, merge: sameEvent}
	return m.installFd(&ofile{inst: in}), nil
}

func (m *Model) instance(fd int) (*instance, error) {
	o := m.fds[fd]
	if o == nil {
		return nil, syscall.EBADF
	}
	if o.inst == nil {
		return nil, syscall.EINVAL
	}
	return o.inst, nil
}

// InotifyAddWatch is inotify_add_watch in the syscall's order: unknown
// bits or 0 (EINVAL), EBADF, MASK_ADD with MASK_CREATE (EINVAL), not an
// inotify fd (EINVAL), the lookup (DONT_FOLLOW, ONLYDIR gives ENOTDIR),
// read permission (EACCES). One watch per (object, instance): MASK_CREATE
// gives EEXIST, MASK_ADD ORs in (ONESHOT kept), otherwise the mask and
// flags are replaced (#26, #27, #28). A flags-only mask is accepted (#31).
func (m *Model) InotifyAddWatch(fd int, path string, mask uint32) (int, error) {
	mk := uapi.Mask(mask)
	if mk&^uapi.ALL_INOTIFY_BITS != 0 || mk == 0 {
		return -1, syscall.EINVAL
	}
	o := m.fds[fd]
	if o == nil {
		return -1, syscall.EBADF
	}
	if mk&uapi.IN_MASK_ADD != 0 && mk&uapi.IN_MASK_CREATE != 0 {
		return -1, syscall.EINVAL
	}
	if o.inst == nil {
		return -1, syscall.EINVAL
	}
	in := o.inst
	w, err := m.lookupFile(path, mk&uapi.IN_DONT_FOLLOW == 0)
	if err != nil {
		return -1, err
	}
	f := w.f
	if mk&uapi.IN_ONLYDIR != 0 && !f.isDir() {
		return -1, syscall.ENOTDIR
	}
	if !m.may(f, mayRead) {
		return -1, syscall.EACCES
	}
	// inotify_arg_to_mask: the event bits asked for, and always IN_UNMOUNT
	// (so even a flags-only watch hears its file system go, #31, #45).
	ev := mk&uapi.IN_ALL_EVENTS | uapi.IN_UNMOUNT
	for _, x := range f.watches {
		if x.inst != in {
			continue
		}
		if mk&uapi.IN_MASK_CREATE != 0 {
			return -1, syscall.EEXIST
		}
		if mk&uapi.IN_MASK_ADD != 0 {
			x.mask |= ev
			x.once = x.once || mk&uapi.IN_ONESHOT != 0
			x.exclUn = x.exclUn || mk&uapi.IN_EXCL_UNLINK != 0
		} else {
			x.mask = ev
			x.once = mk&uapi.IN_ONESHOT != 0
			x.exclUn = mk&uapi.IN_EXCL_UNLINK != 0
		}
		return int(x.wd), nil
	}
	nw := &watch{inst: in, f: f, mask: ev, once: mk&uapi.IN_ONESHOT != 0, exclUn: mk&uapi.IN_EXCL_UNLINK != 0}
	nw.wd = in.allocWd()
	in.watches[nw.wd] = nw
	f.watches = append(f.watches, nw)
	return int(nw.wd), nil
}

// InotifyRmWatch is inotify_rm_watch: EBADF, EINVAL for a non-inotify fd or
// a wd not in use; IGNORED follows any events still queued (#32).
func (m *Model) InotifyRmWatch(fd int, wd int) error {
	in, err := m.instance(fd)
	if err != nil {
		return err
	}
	w := in.watches[int32(wd)]
	if wd < -1<<31 || wd > intMax || w == nil {
		return syscall.EINVAL
	}
	m.destroy(w)
	return nil
}

// InotifyRead is one read(2): events leave the queue oldest first while
// they fit; EINVAL if the first does not (#33); an empty queue gives
// nothing (the scenario's non-blocking read).
func (m *Model) InotifyRead(fd int, bufsize int) ([]byte, error) {
	in, err := m.instance(fd)
	if err != nil {
		if err == syscall.EINVAL {
			return nil, syscall.EINVAL
		}
		return nil, err
	}
	if len(in.events) == 0 {
		return nil, nil
	}
	var b []byte
	for len(in.events) > 0 {
		ev := in.events[0]
		if len(b)+ev.Size() > bufsize {
			break
		}
		b = ev.AppendEncode(b)
		in.events = in.events[1:]
		if ev.Mask == uapi.IN_Q_OVERFLOW && ev.Wd == -1 {
			in.ovQueue = false
		}
	}
	if len(b) == 0 {
		return nil, syscall.EINVAL
	}
	return b, nil
}

// Fionread is ioctl(FIONREAD): the bytes queued, the overflow event
// included (#35). On a regular file it is the bytes after the offset;
// other files give ENOTTY.
func (m *Model) Fionread(fd int) (int, error) {
	o, err := m.file(fd)
	if err != nil {
		return -1, err
	}
	if o.inst == nil {
		if o.f.kind == Reg {
			return int(o.f.size - o.off), nil
		}
		return -1, syscall.ENOTTY
	}
	n := 0
	for _, ev := range o.inst.events {
		n += ev.Size()
	}
	return n, nil
}

// SetNextWd is INOTIFY_IOC_SETNEXTWD: EINVAL outside 1..INT_MAX; ENOTTY on
// other files.
func (m *Model) SetNextWd(fd int, wd int64) error {
	o, err := m.file(fd)
	if err != nil {
		return err
	}
	if o.inst == nil {
		return syscall.ENOTTY
	}
	if wd < 1 || wd > intMax {
		return syscall.EINVAL
	}
	o.inst.cursor = wd
	return nil
}

// Tick does nothing: nothing in Linux's inotify runs on a clock.
func (m *Model) Tick(n int) error { return nil }

// ioctlLinux is what Linux answers an ioctl it does not know on fd (the
// illumos INOTIFYIOC_ requests): EBADF for an fd not open, else ENOTTY.
func (m *Model) ioctlLinux(fd int) error {
	if _, err := m.file(fd); err != nil {
		return err
	}
	return syscall.ENOTTY
}

// IocAddWatch is illumos's INOTIFYIOC_ADD_WATCH, which Linux does not
// know.
func (m *Model) IocAddWatch(ifd, fd int, mask uint32) (int, error) { return -1, m.ioctlLinux(ifd) }

// IocAddChild is illumos's INOTIFYIOC_ADD_CHILD, which Linux does not
// know.
func (m *Model) IocAddChild(ifd, fd int, name string) error { return m.ioctlLinux(ifd) }

// IocActivate is illumos's INOTIFYIOC_ACTIVATE, which Linux does not know.
func (m *Model) IocActivate(ifd, wd int) error { return m.ioctlLinux(ifd) }

// Queue returns the events queued on inotify fd and the instance's books.
func (m *Model) Queue(fd int) ([]uapi.Event, Stats, bool) {
	o := m.fds[fd]
	if o == nil || o.inst == nil {
		return nil, Stats{}, false
	}
	return append([]uapi.Event(nil), o.inst.events...), o.inst.stats, true
}

// Kind returns the kind of what path names (following a final symlink when
// follow), and false when it names nothing. It makes no events.
func (m *Model) Kind(path string, follow bool) (Kind, bool) {
	uid, gid := m.uid, m.gid
	m.uid, m.gid = 0, 0
	defer func() { m.uid, m.gid = uid, gid }()
	w, err := m.lookupFile(path, follow)
	if err != nil {
		return 0, false
	}
	return w.f.kind, true
}
