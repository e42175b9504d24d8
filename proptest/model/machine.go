package model

import (
	"sort"
	"syscall"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/uapi"
)

// Model is one machine: a root tmpfs (mode 0755, 0:0), one task running as
// 0:0 in "/" with umask 0, and the inotify sysctls.
type Model struct {
	rootfs   *fsys
	cwd      *File
	uid, gid uint32
	fds      map[int]*ofile
	nextID   int
	cookie   uint32
	maxQueue int
	mounts   []*fsys // every file system mounted, in mount order
}

// ofile is an open file description.
type ofile struct {
	inst *instance // an inotify instance, or nil for a file

	f          *File
	read       bool
	write      bool
	appendMode bool
	off        int64
	// The name the file was opened by (its dentry): events about it go to
	// this parent with this name, following renames; unlinked once the name
	// is removed (#15, #46). Directories use their own place instead.
	dir      *File
	name     string
	unlinked bool
}

var _ scenario.Machine = (*Model)(nil)

// New returns a fresh machine.
func New() *Model {
	m := &Model{fds: map[int]*ofile{}, maxQueue: 16384}
	m.rootfs = &fsys{}
	m.rootfs.root = m.newFile(m.rootfs, Dir, 0o755)
	m.cwd = m.rootfs.root
	m.cwd.pins++
	m.mounts = []*fsys{m.rootfs}
	return m
}

// installFd is the lowest free fd from 3.
func (m *Model) installFd(o *ofile) int {
	fd := 3
	for m.fds[fd] != nil {
		fd++
	}
	m.fds[fd] = o
	return fd
}

// place is where events about an open file go (its dentry's parent and name).
func (o *ofile) place() (*File, string, bool) {
	if o.f.isDir() {
		d, n := parentOf(o.f)
		return d, n, o.f.nlink == 0
	}
	return o.dir, o.name, o.unlinked
}

// fileEvent sends an event about an open file: pathEv for the events that
// carry a path (open, read, write, close), which IN_EXCL_UNLINK may filter.
func (m *Model) fileEvent(o *ofile, mask uapi.Mask, pathEv bool) {
	d, n, unl := o.place()
	m.notify(o.f, mask, d, n, pathEv, unl)
}

func (m *Model) pin(f *File) { f.pins++ }

// unpin drops a reference: the object may die (DELETE_SELF, #15), and a
// lazily unmounted file system may shut down (#38).
func (m *Model) unpin(f *File) {
	f.pins--
	m.maybeDie(f)
	m.reapMounts()
}

// Mkdir is mkdir(2): EEXIST for any existing name (never followed), then
// may_create; CREATE|ISDIR on the parent. A trailing slash is allowed.
func (m *Model) Mkdir(path string, mode uint32) error {
	w, err := m.lookupRaw(path)
	if err != nil {
		return err
	}
	if w.f != nil {
		return syscall.EEXIST
	}
	if err := m.mayCreate(w.dir); err != nil {
		return err
	}
	d := m.newFile(w.dir.fs, Dir, mode&0o1777)
	d.parent, d.name = w.dir, w.name
	w.dir.entries[w.name] = d
	m.nameEvent(w.dir, uapi.IN_CREATE, w.name, true, 0)
	return nil
}

// Rmdir is rmdir(2) (vfs_rmdir): may_delete (EACCES before ENOTDIR), EBUSY on a
// mountpoint, ENOTEMPTY; then DELETE_SELF and IGNORED (deferred while the
// directory is pinned) and DELETE|ISDIR on the parent last (#18).
func (m *Model) Rmdir(path string) error {
	w, err := m.lookupRaw(path)
	if err != nil {
		return err
	}
	if w.f == nil {
		return syscall.ENOENT
	}
	if err := m.mayDelete(w.dir, w.f, true); err != nil {
		return err
	}
	if w.f.mounted != nil {
		return syscall.EBUSY
	}
	if len(w.f.entries) > 0 {
		return syscall.ENOTEMPTY
	}
	m.removeName(w.dir, w.name)
	m.nameEvent(w.dir, uapi.IN_DELETE, w.name, true, 0)
	return nil
}

// removeName takes name out of dir and drops the object's link: a file's
// open fds by that name become unlinked; the object dies if nothing pins
// it (DELETE_SELF, IGNORED).
func (m *Model) removeName(dir *File, name string) {
	f := dir.entries[name]
	delete(dir.entries, name)
	for _, fd := range m.sortedFds() {
		if o := m.fds[fd]; o.inst == nil && o.dir == dir && o.name == name && !o.unlinked && o.f == f {
			o.unlinked = true
		}
	}
	f.nlink--
	if f.isDir() {
		f.nlink = 0
	}
	m.maybeDie(f)
}

func (m *Model) sortedFds() []int {
	fds := make([]int, 0, len(m.fds))
	for fd := range m.fds {
		fds = append(fds, fd)
	}
	sort.Ints(fds)
	return fds
}

// Open is open(2).
//
// With O_CREAT a missing name is created (a final symlink is followed, so a
// dangling one creates its target), O_EXCL gives EEXIST for any existing
// name, and an existing directory gives EISDIR. A directory opened for
// writing (O_TRUNC counts) is EISDIR; O_DIRECTORY on a non-directory is
// ENOTDIR; O_NOFOLLOW on a final symlink is ELOOP. A trailing slash is
// EISDIR with O_CREAT and otherwise asks for a directory. An existing file needs
// the read/write permission asked for; a new one does not. O_TRUNC on an
// existing regular file truncates it (MODIFY). Events: CREATE, OPEN (from
// vfs_open), then the truncate's MODIFY (handle_truncate comes after).
func (m *Model) Open(path string, flags int, mode uint32) (int, error) {
	acc := flags & 3
	creat := flags&uapi.O_CREAT != 0
	excl := creat && flags&uapi.O_EXCL != 0
	if creat && trailingSlash(path) {
		// open_last_lookups: with O_CREAT a trailing slash is EISDIR
		// once the parent is walked, before the name is looked up.
		if _, err := m.walk(path, false); err != nil {
			return -1, err
		}
		return -1, syscall.EISDIR
	}
	// Without O_CREAT a trailing slash follows a final symlink, even with
	// O_NOFOLLOW, and asks for a directory.
	w, err := m.walk(path, !excl && (flags&uapi.O_NOFOLLOW == 0 || trailingSlash(path)))
	if err != nil {
		return -1, err
	}
	if creat && w.slash {
		return -1, syscall.EISDIR // a followed symlink's body ended in a slash
	}
	if w.f == nil && !excl && flags&uapi.O_NOFOLLOW == 0 {
		// walk followed a dangling final symlink to w.dir/w.name.
	} else if excl && (w.dir == nil || w.dir.entries[w.name] != nil) {
		return -1, syscall.EEXIST
	}
	created := false
	if w.f == nil {
		if w.dir == nil {
			return -1, syscall.ENOENT
		}
		if err := lookupErr(w.dir, w.name); err != nil {
			return -1, err // lookup_open: before may_o_create
		}
		if !creat {
			return -1, syscall.ENOENT
		}
		if err := m.mayCreate(w.dir); err != nil {
			return -1, err
		}
		f := m.newFile(w.dir.fs, Reg, mode&0o7777)
		w.dir.entries[w.name] = f
		w.f = f
		created = true
		m.nameEvent(w.dir, uapi.IN_CREATE, w.name, false, 0)
	} else {
		f := w.f
		if f.kind == Symlink {
			return -1, syscall.ELOOP
		}
		if creat && f.isDir() {
			return -1, syscall.EISDIR
		}
		if (flags&uapi.O_DIRECTORY != 0 || w.slash) && !f.isDir() {
			return -1, syscall.ENOTDIR
		}
		wantW := acc != uapi.O_RDONLY || flags&uapi.O_TRUNC != 0
		if f.isDir() && wantW {
			return -1, syscall.EISDIR
		}
		var want uint32
		if acc == uapi.O_RDONLY || acc == uapi.O_RDWR {
			want |= mayRead
		}
		if wantW {
			want |= mayWrite
		}
		if !m.may(f, want) {
			return -1, syscall.EACCES
		}
	}
	o := &ofile{f: w.f, read: acc != uapi.O_WRONLY, write: acc != uapi.O_RDONLY,
		appendMode: flags&uapi.O_APPEND != 0, dir: w.dir, name: w.name}
	if w.f.isDir() {
		o.dir, o.name = nil, ""
	}
	if w.dir == nil || w.f.fs.root == w.f {
		// A file system's root has no parent to tell.
		o.dir, o.name = nil, ""
	}
	m.pin(w.f)
	fd := m.installFd(o)
	m.fileEvent(o, uapi.IN_OPEN, true)
	if !created && flags&uapi.O_TRUNC != 0 && w.f.kind == Reg {
		w.f.size = 0
		m.fileEvent(o, uapi.IN_MODIFY, false)
	}
	return fd, nil
}

// Close is close(2): CLOSE_WRITE or CLOSE_NOWRITE by the open mode, then
// the unpin (which may send DELETE_SELF/IGNORED or shut down a lazily
// unmounted file system). An inotify instance loses its watches silently.
func (m *Model) Close(fd int) error {
	o := m.fds[fd]
	if o == nil {
		return syscall.EBADF
	}
	delete(m.fds, fd)
	if o.inst != nil {
		ws := make([]int, 0, len(o.inst.watches))
		for wd := range o.inst.watches {
			ws = append(ws, int(wd))
		}
		sort.Ints(ws)
		for _, wd := range ws {
			m.forget(o.inst.watches[int32(wd)])
		}
		return nil
	}
	if o.write {
		m.fileEvent(o, uapi.IN_CLOSE_WRITE, true)
	} else {
		m.fileEvent(o, uapi.IN_CLOSE_NOWRITE, true)
	}
	m.unpin(o.f)
	return nil
}

func (m *Model) file(fd int) (*ofile, error) {
	o := m.fds[fd]
	if o == nil {
		return nil, syscall.EBADF
	}
	return o, nil
}

// Write is write(2): EBADF unless open for writing; MODIFY when bytes were
// written.
func (m *Model) Write(fd int, data []byte) (int, error) {
	o, err := m.file(fd)
	if err != nil {
		return -1, err
	}
	if o.inst != nil || !o.write {
		return -1, syscall.EBADF
	}
	if o.appendMode {
		o.off = o.f.size
	}
	o.off += int64(len(data))
	if o.off > o.f.size {
		o.f.size = o.off
	}
	if len(data) > 0 {
		m.fileEvent(o, uapi.IN_MODIFY, true)
	}
	return len(data), nil
}

// Read is read(2) on a file: EBADF unless open for reading, EISDIR on a
// directory; ACCESS when bytes came back.
func (m *Model) Read(fd int, n int) ([]byte, error) {
	o, err := m.file(fd)
	if err != nil {
		return nil, err
	}
	if o.inst != nil {
		return m.InotifyRead(fd, n)
	}
	if !o.read {
		return nil, syscall.EBADF
	}
	if o.f.isDir() {
		return nil, syscall.EISDIR
	}
	got := o.f.size - o.off
	if got > int64(n) {
		got = int64(n)
	}
	if got < 0 {
		got = 0
	}
	o.off += got
	if got > 0 {
		m.fileEvent(o, uapi.IN_ACCESS, true)
	}
	return make([]byte, got), nil
}

// Lseek is lseek(SEEK_SET): EINVAL for a negative offset on a file; an
// inotify fd ignores it (noop_llseek).
func (m *Model) Lseek(fd int, off int64) (int64, error) {
	o, err := m.file(fd)
	if err != nil {
		return -1, err
	}
	if o.inst != nil {
		return 0, nil
	}
	if off < 0 {
		return -1, syscall.EINVAL
	}
	o.off = off
	return off, nil
}

// Chdir is chdir(2): a directory with search permission. The old one is
// unpinned (a removed cwd dies now).
func (m *Model) Chdir(path string) error {
	w, err := m.lookupFile(path, true)
	if err != nil {
		return err
	}
	if !w.f.isDir() {
		return syscall.ENOTDIR
	}
	if !m.may(w.f, mayExec) {
		return syscall.EACCES
	}
	old := m.cwd
	m.cwd = w.f
	m.pin(w.f)
	m.unpin(old)
	return nil
}

// setSize is do_truncate: MODIFY about the object (a dentry event, not
// filtered by EXCL_UNLINK).
func (m *Model) setSize(f *File, n int64, dir *File, name string, unlinked bool) {
	f.size = n
	m.notify(f, uapi.IN_MODIFY, dir, name, false, unlinked)
}

// Truncate is truncate(2): EINVAL for a negative length (before the
// lookup), EISDIR, EINVAL for a non-regular file, EACCES without write
// permission.
func (m *Model) Truncate(path string, n int64) error {
	if n < 0 {
		return syscall.EINVAL
	}
	w, err := m.lookupFile(path, true)
	if err != nil {
		return err
	}
	if w.f.isDir() {
		return syscall.EISDIR
	}
	if w.f.kind != Reg {
		return syscall.EINVAL
	}
	if !m.may(w.f, mayWrite) {
		return syscall.EACCES
	}
	d, name := m.eventPlace(w)
	m.setSize(w.f, n, d, name, false)
	return nil
}

// eventPlace is the parent and name events about a looked-up object use:
// none for a file system's root.
func (m *Model) eventPlace(w where) (*File, string) {
	if w.dir == nil || w.f.fs.root == w.f {
		return nil, ""
	}
	return w.dir, w.name
}

// Ftruncate is ftruncate(2): EINVAL for a negative length (even on a bad
// fd), EBADF, then EINVAL for a file not
// open for writing or not regular.
func (m *Model) Ftruncate(fd int, n int64) error {
	if n < 0 {
		return syscall.EINVAL // checked before the fd
	}
	o, err := m.file(fd)
	if err != nil {
		return err
	}
	if o.inst != nil || !o.write || o.f.kind != Reg {
		return syscall.EINVAL
	}
	d, name, unl := o.place()
	m.setSize(o.f, n, d, name, unl)
	return nil
}

// attrib is notify_change for mode or owner changes: ATTRIB about the
// object.
func (m *Model) attrib(f *File, d *File, name string, unlinked bool) {
	m.notify(f, uapi.IN_ATTRIB, d, name, false, unlinked)
}

// Chmod is chmod(2): the owner or root (else EPERM).
func (m *Model) Chmod(path string, mode uint32) error {
	w, err := m.lookupFile(path, true)
	if err != nil {
		return err
	}
	if !m.owner(w.f) {
		return syscall.EPERM
	}
	w.f.mode = mode & 0o7777
	d, name := m.eventPlace(w)
	m.attrib(w.f, d, name, false)
	return nil
}

// Fchmod is fchmod(2) on an open file (the name may be unlinked: the
// parent still hears ATTRIB with the old name, #16).
func (m *Model) Fchmod(fd int, mode uint32) error {
	o, err := m.file(fd)
	if err != nil {
		return err
	}
	if o.inst != nil {
		return syscall.EBADF
	}
	if !m.owner(o.f) {
		return syscall.EPERM
	}
	o.f.mode = mode & 0o7777
	d, name, unl := o.place()
	m.attrib(o.f, d, name, unl)
	return nil
}

// Chown is chown(2): root, or the owner keeping the uid and choosing its
// own gid (else EPERM); ATTRIB.
func (m *Model) Chown(path string, uid, gid uint32) error {
	w, err := m.lookupFile(path, true)
	if err != nil {
		return err
	}
	f := w.f
	if m.uid != 0 {
		okUID := uid == 0xffffffff || (uid == f.uid && m.uid == f.uid)
		okGID := gid == 0xffffffff || gid == f.gid || (m.uid == f.uid && gid == m.gid)
		if !okUID || !okGID {
			return syscall.EPERM
		}
	}
	if uid != 0xffffffff {
		f.uid = uid
	}
	if gid != 0xffffffff {
		f.gid = gid
	}
	d, name := m.eventPlace(w)
	m.attrib(f, d, name, false)
	return nil
}

// Utimes sets times to now (utimensat with UTIME_NOW/UTIME_OMIT): both
// times for the owner, root or anyone with write permission (else EACCES),
// one of them for the owner or root only (else EPERM). Both times give ATTRIB, atime alone ACCESS,
// mtime alone MODIFY (#21).
func (m *Model) Utimes(path string, atime, mtime bool) error {
	w, err := m.lookupFile(path, true)
	if err != nil {
		return err
	}
	if !m.owner(w.f) {
		// Setting both to now is a "touch": write permission is enough.
		// Setting one of them is setting times: the owner only.
		if !(atime && mtime) {
			return syscall.EPERM
		}
		if !m.may(w.f, mayWrite) {
			return syscall.EACCES
		}
	}
	ev := uapi.IN_ATTRIB
	switch {
	case atime && !mtime:
		ev = uapi.IN_ACCESS
	case mtime && !atime:
		ev = uapi.IN_MODIFY
	}
	d, name := m.eventPlace(w)
	m.notify(w.f, ev, d, name, false, false)
	return nil
}

// Link is link(2) (do_linkat): the old name is not followed; the new name
// must not exist (EEXIST) and, with a trailing slash, ENOENT
// (filename_create); EXDEV across file systems; protected_hardlinks
// (EPERM for a non-owner without read and write access to a regular
// file); may_create; EPERM for a directory. ATTRIB on the file (link
// count), then CREATE on the new parent (#14, #20).
func (m *Model) Link(oldpath, newpath string) error {
	ow, err := m.lookupFile(oldpath, false)
	if err != nil {
		return err
	}
	nw, err := m.lookupRaw(newpath)
	if err != nil {
		return err
	}
	if nw.f != nil {
		return syscall.EEXIST
	}
	if nw.slash {
		return syscall.ENOENT
	}
	f := ow.f
	if f.fs != nw.dir.fs {
		return syscall.EXDEV
	}
	if !m.owner(f) && !(f.kind == Reg && m.may(f, mayRead|mayWrite)) {
		return syscall.EPERM
	}
	if err := m.mayCreate(nw.dir); err != nil {
		return err
	}
	if f.isDir() {
		return syscall.EPERM
	}
	f.nlink++
	nw.dir.entries[nw.name] = f
	m.selfEvent(f, uapi.IN_ATTRIB)
	m.nameEvent(nw.dir, uapi.IN_CREATE, nw.name, false, 0)
	return nil
}

// create makes a new non-directory name (symlink, mkfifo): EEXIST for any
// existing name, ENOENT for a trailing slash (filename_create), may_create,
// CREATE on the parent (#20).
func (m *Model) create(path string, kind Kind, mode uint32, target string) error {
	w, err := m.lookupRaw(path)
	if err != nil {
		return err
	}
	if w.f != nil {
		return syscall.EEXIST
	}
	if w.slash {
		return syscall.ENOENT
	}
	if err := m.mayCreate(w.dir); err != nil {
		return err
	}
	f := m.newFile(w.dir.fs, kind, mode)
	f.target = target
	w.dir.entries[w.name] = f
	m.nameEvent(w.dir, uapi.IN_CREATE, w.name, false, 0)
	return nil
}

// Symlink is symlink(2).
func (m *Model) Symlink(target, path string) error {
	return m.create(path, Symlink, 0o777, target)
}

// Mkfifo is mknod(S_IFIFO).
func (m *Model) Mkfifo(path string, mode uint32) error {
	return m.create(path, Fifo, mode&0o7777, "")
}

// Unlink is unlink(2) (vfs_unlink): ENOENT, a trailing slash (EISDIR for a
// directory, else ENOTDIR: do_unlinkat's "slashes", before may_delete),
// may_delete (EISDIR for a directory), then ATTRIB on the file (link count), DELETE_SELF and
// IGNORED if that was the last link and nothing pins it, and DELETE on
// the parent last (#13, #14, #15).
func (m *Model) Unlink(path string) error {
	w, err := m.lookupRaw(path)
	if err != nil {
		return err
	}
	if w.f == nil {
		return syscall.ENOENT
	}
	if w.slash && w.f.isDir() {
		return syscall.EISDIR
	}
	if w.slash {
		return syscall.ENOTDIR
	}
	if err := m.mayDelete(w.dir, w.f, false); err != nil {
		return err
	}
	m.selfEvent(w.f, uapi.IN_ATTRIB)
	m.removeName(w.dir, w.name)
	m.nameEvent(w.dir, uapi.IN_DELETE, w.name, false, 0)
	return nil
}

// Readdir opens a directory (as open O_RDONLY|O_DIRECTORY), reads it with
// two getdents calls (each sends ACCESS), and closes it (#22).
func (m *Model) Readdir(path string) error {
	fd, err := m.Open(path, uapi.O_RDONLY|uapi.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	o := m.fds[fd]
	for range 2 {
		if o.f.nlink > 0 {
			m.fileEvent(o, uapi.IN_ACCESS, true)
		}
	}
	return m.Close(fd)
}

// SetCred switches the credentials of later calls.
func (m *Model) SetCred(uid, gid uint32) error {
	m.uid, m.gid = uid, gid
	return nil
}

// Sysctl sets max_queued_events (copied into instances made later); the
// per-user limits are outside the model's scope.
func (m *Model) Sysctl(key string, value int64) error {
	if key == uapi.SysctlMaxQueuedEvents {
		m.maxQueue = int(value)
	}
	return nil
}
