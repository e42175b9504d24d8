package vfs

import (
	"strings"
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
)

// Lookup flags (include/linux/namei.h).
const (
	LOOKUP_FOLLOW    = 0x0001 // follow a symlink in the last component
	LOOKUP_DIRECTORY = 0x0002 // the last component must be a directory
)

// Last component types of a parent walk (LAST_NORM, LAST_ROOT, ...).
const (
	lastNorm = iota
	lastRoot
	lastDot
	lastDotDot
)

// nameidata is the state of one path walk. path always holds references
// (it is put by whoever started the walk).
type nameidata struct {
	ctx   *Context
	path  Path
	links int // symlinks followed so far (total_link_count)
}

// Permission checks that ctx may access ino with mask (MAY_READ, MAY_WRITE,
// MAY_EXEC): inode_permission → generic_permission with the owner, group
// (gid or a supplementary group) and other bits, and root's DAC override
// (read and write always; search on directories always; exec on a
// non-directory only if some x bit is set). Like the kernel it takes no
// lock: the mode and owner are read as they are at this instant, which is
// what lets the path walk call it on every directory it passes.
// inotify_add_watch uses it for its MAY_READ check.
func (v *VFS) Permission(ctx *Context, ino *inode.Inode, mask int) error {
	return permission(ctx, ino, mask)
}

// permission is inode_permission (generic_permission); see Permission.
func permission(ctx *Context, ino *inode.Inode, mask int) error {
	mode := ino.Mode()
	if ctx.Cred.Uid == 0 {
		if mask&MAY_EXEC == 0 || ino.IsDir() || mode&0o111 != 0 {
			return nil
		}
		return syscall.EACCES
	}
	var bits uint32
	switch {
	case ino.Uid() == ctx.Cred.Uid:
		bits = mode >> 6
	case ctx.Cred.InGroup(ino.Gid()):
		bits = mode >> 3
	default:
		bits = mode
	}
	if uint32(mask)&^(bits&7) != 0 {
		return syscall.EACCES
	}
	return nil
}

// isOwner is inode_owner_or_capable (a lockless read of i_uid, as there).
func isOwner(ctx *Context, ino *inode.Inode) bool {
	return ctx.Cred.Uid == 0 || ctx.Cred.Uid == ino.Uid()
}

// InGroup reports whether gid is the credentials' gid or a supplementary
// group (in_group_p).
func (c Cred) InGroup(gid uint32) bool {
	if c.Gid == gid {
		return true
	}
	for _, g := range c.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

// walkDirs resolves every component of name but the last, starting at
// nd.path (or the root for an absolute name), symlinks followed; nd.path
// ends at the last component's parent (link_path_walk).
func (v *VFS) walkDirs(nd *nameidata, name string, parent bool) (last string, typ int, slash bool, err error) {
	if name == "" {
		return "", 0, false, syscall.ENOENT
	}
	if len(name) >= pathMax {
		return "", 0, false, syscall.ENAMETOOLONG
	}
	if name[0] == '/' {
		nd.path.Put(nd.ctx.Cur)
		nd.path = nd.ctx.Root.Get()
	}
	// The components are walked straight from the string: the last is
	// what follows the last '/' once trailing slashes are cut.
	trimmed := strings.TrimRight(name, "/")
	if trimmed == "" {
		return "/", lastRoot, false, nil
	}
	slash = len(trimmed) < len(name)
	i := strings.LastIndexByte(trimmed, '/')
	for rest := trimmed[:i+1]; rest != ""; {
		var c string
		c, rest, _ = strings.Cut(rest, "/")
		if c == "" {
			continue
		}
		if err := v.step(nd, c, true); err != nil {
			return "", 0, false, err
		}
	}
	// link_path_walk runs may_lookup on a directory before it knows that
	// the next component is the last: a caller that cannot search the
	// parent gets EACCES whether or not the name exists. (A full walk's
	// next step checks the same directory: only a parent walk needs it.)
	if parent {
		if err := v.mayLookup(nd); err != nil {
			return "", 0, false, err
		}
	}
	last = trimmed[i+1:]
	switch last {
	case ".":
		typ = lastDot
	case "..":
		typ = lastDotDot
	default:
		typ = lastNorm
	}
	return last, typ, slash, nil
}

// walkFull resolves name from nd.path to its end (path_lookupat).
func (v *VFS) walkFull(nd *nameidata, name string, flags int) error {
	last, typ, slash, err := v.walkDirs(nd, name, false)
	if err != nil {
		return err
	}
	if slash {
		flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY
	}
	if typ != lastRoot {
		if err := v.step(nd, last, flags&LOOKUP_FOLLOW != 0); err != nil {
			return err
		}
	}
	if flags&LOOKUP_DIRECTORY != 0 && !pathInode(nd.ctx.Cur, nd.path).IsDir() {
		return syscall.ENOTDIR
	}
	return nil
}

// mayLookup checks that nd.path is a directory the task may search
// (may_lookup: inode_permission(MAY_EXEC)).
func (v *VFS) mayLookup(nd *nameidata) error {
	cur := nd.ctx.Cur
	dir := pathInode(cur, nd.path)
	if dir == nil {
		return syscall.ENOENT
	}
	if !dir.IsDir() {
		return syscall.ENOTDIR
	}
	return permission(nd.ctx, dir, MAY_EXEC)
}

// pathInode returns the inode of a positive path.
func pathInode(cur *lockdep.Task, p Path) *inode.Inode { return p.Dentry.Inode(cur) }

// step moves nd.path through one component (link_path_walk's loop body
// and walk_component): the current directory must be a directory the task
// may search (may_lookup); "." stays, ".." goes up, a name is looked up in
// the dcache (lookup_fast) and, if it is not there, again under the
// directory's i_mutex (lookup_slow), a mount on it is crossed, and a
// symlink is followed if follow is set. A name longer than NAME_MAX is
// refused by that slow lookup, so only after EACCES and a dead directory's
// ENOENT. Like the kernel's walk it holds no lock from one component to
// the next, and takes none on a dcache hit.
func (v *VFS) step(nd *nameidata, name string, follow bool) error {
	cur := nd.ctx.Cur
	dir := pathInode(cur, nd.path)
	if dir == nil {
		return syscall.ENOENT
	}
	if !dir.IsDir() {
		return syscall.ENOTDIR
	}
	if err := permission(nd.ctx, dir, MAY_EXEC); err != nil {
		return err
	}
	switch name {
	case ".":
		return nil
	case "..":
		v.followDotDot(nd.ctx, &nd.path)
		return nil
	}
	child := v.dcache.Lookup(cur, nd.path.Dentry, name)
	if child == nil {
		var err error
		if child, err = v.lookupSlow(cur, nd.path.Dentry, dir, name); err != nil {
			return err
		}
	}
	if child == nil {
		return syscall.ENOENT
	}
	if pathInode(cur, Path{Dentry: child}) == nil {
		// Hashed but negative: a name being created or the target of a
		// rename in progress, seen without its parent's lock. step_into
		// gives ENOENT for it.
		dentry.Dput(cur, child)
		return syscall.ENOENT
	}
	next := Path{Mnt: nd.path.Mnt, Dentry: child}
	next.Mnt.Count.Get()
	v.followMount(cur, &next)
	if follow && pathInode(cur, next).Type() == inode.S_IFLNK {
		err := v.followLink(nd, next)
		next.Put(cur)
		return err
	}
	nd.path.Put(cur)
	nd.path = next
	return nil
}

// followLink resolves the symlink link relative to nd.path, the directory
// holding it; the body's last component is always followed
// (pick_link/step_into). More than 40 links in one walk give ELOOP.
func (v *VFS) followLink(nd *nameidata, link Path) error {
	nd.links++
	if nd.links > maxSymlinks {
		return syscall.ELOOP
	}
	target := pathInode(nd.ctx.Cur, link).Target
	if target == "" {
		return syscall.ENOENT
	}
	return v.walkFull(nd, target, LOOKUP_FOLLOW)
}

// Walk resolves path for ctx (absolute, or relative to the cwd) and returns
// it with references held; the caller Puts it (kern_path/user_path_at).
// LOOKUP_FOLLOW follows a symlink in the last component (others are always
// followed), LOOKUP_DIRECTORY requires a directory. A trailing slash
// implies both. Errors: ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES.
func (v *VFS) Walk(ctx *Context, path string, flags int) (Path, error) {
	nd := nameidata{ctx: ctx, path: ctx.Pwd.Get()}
	if err := v.walkFull(&nd, path, flags); err != nil {
		nd.path.Put(ctx.Cur)
		return Path{}, err
	}
	return nd.path, nil
}

// parentWalk is the result of a walk that stops before the last component
// (LOOKUP_PARENT), for the operations that create or remove a name.
type parentWalk struct {
	Path         // the parent directory, with references
	last  string // the last component
	typ   int    // lastNorm, lastRoot, lastDot or lastDotDot
	slash bool   // the path ended with a slash
	links int
}

// walkParentFrom resolves all of path but its last component from nd.path
// and checks that the parent is a directory (filename_parentat). The last
// component is not looked at: its length is for the caller's lookup
// (lookupLocked) to refuse. On success the result owns nd's path
// reference.
func (v *VFS) walkParentFrom(nd *nameidata, path string) (parentWalk, error) {
	last, typ, slash, err := v.walkDirs(nd, path, true)
	if err == nil && !pathInode(nd.ctx.Cur, nd.path).IsDir() {
		err = syscall.ENOTDIR
	}
	if err != nil {
		nd.path.Put(nd.ctx.Cur)
		nd.path = Path{}
		return parentWalk{}, err
	}
	pw := parentWalk{Path: nd.path, last: last, typ: typ, slash: slash, links: nd.links}
	nd.path = Path{}
	return pw, nil
}

// walkParent is walkParentFrom the task's cwd.
func (v *VFS) walkParent(ctx *Context, path string) (parentWalk, error) {
	nd := nameidata{ctx: ctx, path: ctx.Pwd.Get()}
	return v.walkParentFrom(&nd, path)
}

// lookupSlow is lookup_slow: a name the dcache did not have is looked up
// again under the directory's i_mutex (i_rwsem, shared, in the kernel), so
// that a creator holding it finishes first; see lookupLocked.
func (v *VFS) lookupSlow(cur *lockdep.Task, dir *dentry.Dentry, dirIno *inode.Inode, name string) (*dentry.Dentry, error) {
	dirIno.IMutex.Lock(cur)
	defer dirIno.IMutex.Unlock(cur)
	return v.lookupLocked(cur, dir, dirIno, name)
}

// lookupLocked looks name up in the directory dir as lookup_one_qstr_excl
// and __lookup_slow do: the dcache first (d_lookup); on a miss, ENOENT in
// a dead directory (IS_DEADDIR), then the file system's ->lookup. A nil
// dentry with no error is a negative name. Every name-taking call reaches
// NAME_MAX here, at its own point in the kernel's order: after the checks
// before its lookup (the other name's walk, mnt_want_write in unlink,
// rmdir and rename, the trailing slash of O_CREAT), before the ones after
// it (EEXIST, may_create's EACCES, filename_create's EROFS).
// Precondition: dir's i_mutex is held.
func (v *VFS) lookupLocked(cur *lockdep.Task, dir *dentry.Dentry, dirIno *inode.Inode, name string) (*dentry.Dentry, error) {
	lockdep.AssertHeld(cur, &dirIno.IMutex)
	if d := v.dcache.Lookup(cur, dir, name); d != nil {
		return d, nil
	}
	if dirIno.Nlink() == 0 {
		return nil, syscall.ENOENT // IS_DEADDIR: a removed directory has no links
	}
	return nil, simpleLookup(name)
}

// simpleLookup is tmpfs's ->lookup, simple_lookup: a name longer than
// NAME_MAX is ENAMETOOLONG; any other name it does not find, since tmpfs
// keeps every name it has in the dcache.
func simpleLookup(name string) error {
	if len(name) > nameMax {
		return syscall.ENAMETOOLONG
	}
	return nil
}

// Chdir makes path the cwd of ctx (chdir): it must be a directory the task
// may search.
func (v *VFS) Chdir(ctx *Context, path string) error {
	p, err := v.Walk(ctx, path, LOOKUP_FOLLOW|LOOKUP_DIRECTORY)
	if err != nil {
		return err
	}
	if err := v.Permission(ctx, pathInode(ctx.Cur, p), MAY_EXEC); err != nil {
		p.Put(ctx.Cur)
		return err
	}
	old := ctx.Pwd
	ctx.Pwd = p
	old.Put(ctx.Cur)
	return nil
}
