package model

import (
	"strings"
	"syscall"
)

// Kind is the type of a file object.
type Kind int

const (
	Dir Kind = iota
	Reg
	Symlink
	Fifo
)

// File is one file object: its identity is the pointer.
type File struct {
	id     int // creation order across the machine (umount reports newest first)
	kind   Kind
	mode   uint32 // permission bits and sticky bit
	uid    uint32
	gid    uint32
	size   int64  // regular files
	target string // symlinks
	fs     *fsys

	// nlink counts the names of a non-directory; a directory has 1 while it
	// hangs in the tree and 0 once removed.
	nlink int
	// pins counts what keeps the object alive without a name: open fds and
	// the current directory (dentry references).
	pins int

	// Directories only.
	entries map[string]*File
	parent  *File  // nil for a file system's root
	name    string // name in parent
	mounted *fsys  // the file system mounted on this directory (the top of a stack is found by repeating)

	watches []*watch // one per instance at most, in creation order
	dead    bool     // gone: no name, no pins; its watches are destroyed
}

func (f *File) isDir() bool { return f.kind == Dir }

// fsys is one mounted tmpfs (or the machine's root file system).
type fsys struct {
	root     *File
	on       *File // the directory it is mounted on; nil for the root fs
	files    []*File
	detached bool // umount -l ran; it shuts down when nothing uses it
	down     bool
}

func (m *Model) newFile(fs *fsys, kind Kind, mode uint32) *File {
	m.nextID++
	f := &File{id: m.nextID, kind: kind, mode: mode, uid: m.uid, gid: m.gid, fs: fs, nlink: 1}
	if kind == Dir {
		f.entries = map[string]*File{}
	}
	fs.files = append(fs.files, f)
	return f
}

// cross follows mounts: a mounted-on directory stands for the root of what
// is mounted on it (repeatedly, for stacked mounts).
func cross(f *File) *File {
	for f != nil && f.isDir() && f.mounted != nil {
		f = f.mounted.root
	}
	return f
}

// Permission bits asked of may.
const (
	mayExec  = 1
	mayWrite = 2
	mayRead  = 4
)

// may is generic_permission for the current credentials: root passes every
// check but executing a file without any x bit (CAP_DAC_OVERRIDE); others
// use the owner, group or other bits.
func (m *Model) may(f *File, want uint32) bool {
	if m.uid == 0 {
		return want&mayExec == 0 || f.isDir() || f.mode&0o111 != 0
	}
	var bits uint32
	switch {
	case m.uid == f.uid:
		bits = f.mode >> 6
	case m.gid == f.gid:
		bits = f.mode >> 3
	default:
		bits = f.mode
	}
	return bits&7&want == want
}

// owner is inode_owner_or_capable.
func (m *Model) owner(f *File) bool { return m.uid == 0 || m.uid == f.uid }

// maxSymlinks is MAXSYMLINKS: more symlinks than this in one walk give ELOOP.
const maxSymlinks = 40

// where is the result of a walk: the directory the last component is
// looked up in, its name, and the object found (nil when there is none).
// For "/" dir is nil and f the root. slash says the path (or the body of a
// symlink it ended in) had a slash after its last component.
type where struct {
	dir   *File
	name  string
	f     *File
	slash bool
}

// nameMax is NAME_MAX. The walk itself has no such rule: tmpfs's lookup
// (simple_lookup) refuses a longer name, so a name is measured only where
// it is looked up and is not found, after every check that comes earlier.
const nameMax = 255

// lookupErr is what looking a missing name up in dir says before "no such
// name": ENOENT in a removed directory (IS_DEADDIR, checked before the file
// system is asked), ENAMETOOLONG for a name longer than NAME_MAX.
func lookupErr(dir *File, name string) error {
	if dir.nlink == 0 {
		return syscall.ENOENT
	}
	if len(name) > nameMax {
		return syscall.ENAMETOOLONG
	}
	return nil
}

// missing is the error for a name that is not in dir.
func missing(dir *File, name string) error {
	if err := lookupErr(dir, name); err != nil {
		return err
	}
	return syscall.ENOENT
}

// trailingSlash reports whether path has a slash after its last component
// ("/" alone has no last component).
func trailingSlash(path string) bool {
	return strings.HasSuffix(path, "/") && strings.Trim(path, "/") != ""
}

// walk resolves path the way path_lookupat does: every directory a name is
// looked up in needs search permission (may_lookup, the last component's
// parent included); a missing name before the last is ENOENT (or what
// lookupErr says); a symlink met before the last component is always
// followed, the last one only when follow is set; mounted-on directories
// are crossed, the last component included, except that the raw entry
// (where.f before crossing) is what namespace operations act on — they call
// lookupRaw. A missing last component is no error here: each caller looks
// it up at its own point (lookupErr).
func (m *Model) walk(path string, follow bool) (where, error) {
	n := 0
	return m.walkFrom(nil, path, follow, &n)
}

func (m *Model) walkFrom(base *File, path string, follow bool, links *int) (where, error) {
	if path == "" {
		return where{}, syscall.ENOENT
	}
	cur := base
	if path[0] == '/' {
		cur = cross(m.rootfs.root)
	} else if cur == nil {
		cur = m.cwd
	}
	slash := trailingSlash(path)
	var comps []string
	for _, c := range strings.Split(path, "/") {
		if c != "" && c != "." {
			comps = append(comps, c)
		}
	}
	if len(comps) == 0 {
		return where{f: cur}, nil
	}
	for i, c := range comps {
		last := i == len(comps)-1
		if !cur.isDir() {
			return where{}, syscall.ENOTDIR
		}
		if !m.may(cur, mayExec) {
			return where{}, syscall.EACCES
		}
		child := cur.entries[c]
		if child == nil {
			if last {
				return where{dir: cur, name: c, slash: slash}, nil
			}
			return where{}, missing(cur, c)
		}
		if child.kind == Symlink && (!last || follow) {
			*links++
			if *links > maxSymlinks {
				return where{}, syscall.ELOOP
			}
			w, err := m.walkFrom(cur, child.target, true, links)
			if err != nil {
				return where{}, err
			}
			if last {
				w.slash = w.slash || slash
				return w, nil
			}
			if w.f == nil {
				return where{}, missing(w.dir, w.name)
			}
			child = w.f
		}
		if last {
			return where{dir: cur, name: c, f: cross(child), slash: slash}, nil
		}
		cur = cross(child)
	}
	panic("unreachable")
}

// lookupRaw is the entry a namespace operation (unlink, rmdir, rename,
// link's new name, mkdir) acts on: the last component is not followed and
// not crossed (lookup_one_qstr_excl in the parent), and a missing one is
// looked up there (lookupErr).
func (m *Model) lookupRaw(path string) (where, error) {
	w, err := m.walk(path, false)
	if err != nil {
		return w, err
	}
	if w.dir == nil {
		// "/" itself; the generator never names it in these calls.
		return w, syscall.EBUSY
	}
	w.f = w.dir.entries[w.name]
	if w.f == nil {
		return w, lookupErr(w.dir, w.name)
	}
	return w, nil
}

// lookupFile resolves path to an existing object (path_lookupat): ENOENT
// (or what lookupErr says) when missing. A trailing slash follows a final
// symlink and asks for a directory (ENOTDIR), as lookup_last makes it.
func (m *Model) lookupFile(path string, follow bool) (where, error) {
	w, err := m.walk(path, follow || trailingSlash(path))
	if err == nil && w.f == nil {
		err = missing(w.dir, w.name)
	}
	if err == nil && w.slash && !w.f.isDir() {
		err = syscall.ENOTDIR
	}
	return w, err
}

// mayCreate is may_create: no new names in a removed directory (ENOENT),
// and the directory needs write and search permission.
func (m *Model) mayCreate(dir *File) error {
	if dir.nlink == 0 {
		return syscall.ENOENT
	}
	if !m.may(dir, mayWrite|mayExec) {
		return syscall.EACCES
	}
	return nil
}

// mayDelete is may_delete for victim named in dir, removed as a directory
// when isDir: write+search on dir, the sticky-bit rule (EPERM unless the
// caller owns the file or the directory), then the type checks.
func (m *Model) mayDelete(dir, victim *File, isDir bool) error {
	if !m.may(dir, mayWrite|mayExec) {
		return syscall.EACCES
	}
	if dir.mode&0o1000 != 0 && m.uid != 0 && m.uid != victim.uid && m.uid != dir.uid {
		return syscall.EPERM
	}
	if isDir && !victim.isDir() {
		return syscall.ENOTDIR
	}
	if !isDir && victim.isDir() {
		return syscall.EISDIR
	}
	if dir.nlink == 0 {
		return syscall.ENOENT
	}
	return nil
}

// isAncestor reports whether dir a is d or one of d's ancestors within the
// same tree of names (across mounts, following the mountpoint).
func isAncestor(a, d *File) bool {
	for x := d; x != nil; {
		if x == a {
			return true
		}
		if x.parent != nil {
			x = x.parent
		} else if x.fs.on != nil {
			x = x.fs.on
		} else {
			x = nil
		}
	}
	return false
}
