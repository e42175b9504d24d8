package vfs

import (
	"sort"
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
)

// mountKey is a place a mount can be attached: a dentry of a parent mount.
type mountKey struct {
	parent     *Mount
	mountpoint *dentry.Dentry
}

// Mount models struct mount (struct vfsmount): one mounted tmpfs.
type Mount struct {
	ID    uint64
	Count kref.Ref // mnt_count: the tree's reference and one per held Path

	v    *VFS
	sb   *superBlock
	root *dentry.Dentry // mnt_root: holds a dentry reference

	// VFS.mountLock protects the following fields.
	parent     *Mount         // nil for the namespace root and once detached
	mountpoint *dentry.Dentry // holds a dentry reference while attached
	children   []*Mount       // attached child mounts, in mount order
	attached   bool           // in the tree (holds the tree's reference)
	// noNS: the namespace root taken out of the namespace by a lazy
	// umount: still every task's root and usable, but mnt_ns is cleared
	// (mount there is ENOENT, umount EINVAL).
	noNS bool
}

// isNamespaceRoot reports whether m is the mount at the top of the tree.
func (m *Mount) isNamespaceRoot(cur *lockdep.Task) bool {
	m.v.mountLock.Lock(cur)
	defer m.v.mountLock.Unlock(cur)
	return m.attached && m.parent == nil
}

// Root returns the mount's root dentry (mnt_root).
func (m *Mount) Root() *dentry.Dentry { return m.root }

// Parent returns the mount m is attached to and its mountpoint dentry
// (mnt_parent, mnt_mountpoint), read under mount_lock; nil, nil for the
// namespace root and for a detached mount. No references are taken.
func (m *Mount) Parent(cur *lockdep.Task) (*Mount, *dentry.Dentry) {
	m.v.mountLock.Lock(cur)
	defer m.v.mountLock.Unlock(cur)
	return m.parent, m.mountpoint
}

// newMount returns a detached mount of sb with mnt_count 1, for the caller
// (vfs_kern_mount).
func (v *VFS) newMount(sb *superBlock) *Mount {
	m := &Mount{ID: v.mntIDs.Add(1), v: v, sb: sb, root: dentry.Dget(sb.root)}
	m.Count.Init(v.refs, "mount", m.ID, 1)
	return m
}

// mntput drops a mount reference; the last one of a detached mount frees it
// and shuts its super block down (mntput_no_expire → cleanup_mnt →
// deactivate_super). Each tmpfs super block has exactly one mount.
func mntput(cur *lockdep.Task, m *Mount) {
	if !m.Count.Put() {
		return
	}
	dentry.Dput(cur, m.root)
	m.v.shutdownSuper(cur, m.sb)
}

// Get takes a reference on the path's mount and dentry (path_get).
func (p Path) Get() Path {
	if p.Mnt != nil {
		p.Mnt.Count.Get()
	}
	if p.Dentry != nil {
		dentry.Dget(p.Dentry)
	}
	return p
}

// Put drops the references Get took (path_put): the dentry first, then the
// mount, whose last reference may shut a lazily unmounted file system down.
func (p Path) Put(cur *lockdep.Task) {
	if p.Dentry != nil {
		dentry.Dput(cur, p.Dentry)
	}
	if p.Mnt != nil {
		mntput(cur, p.Mnt)
	}
}

// lookupMnt returns the mount attached on p with a reference, or nil
// (lookup_mnt).
func (v *VFS) lookupMnt(cur *lockdep.Task, p Path) *Mount {
	v.mountLock.Lock(cur)
	defer v.mountLock.Unlock(cur)
	m := v.mounts[mountKey{p.Mnt, p.Dentry}]
	if m != nil {
		m.Count.Get()
	}
	return m
}

// followMount moves *p to the root of the topmost mount stacked on it
// (follow_mount), keeping references right.
func (v *VFS) followMount(cur *lockdep.Task, p *Path) {
	for {
		if p.Dentry.Mounted(cur) == 0 {
			return // d_mountpoint: not a mountpoint, no hash lookup
		}
		m := v.lookupMnt(cur, *p)
		if m == nil {
			return
		}
		old := *p
		*p = Path{Mnt: m, Dentry: dentry.Dget(m.root)}
		old.Put(cur)
	}
}

// followDotDot moves *p to its parent directory (follow_dotdot): it stays at
// the task's root, and crosses from a mount's root to its mountpoint first.
func (v *VFS) followDotDot(ctx *Context, p *Path) {
	cur := ctx.Cur
	for {
		if p.Mnt == ctx.Root.Mnt && p.Dentry == ctx.Root.Dentry {
			break
		}
		if p.Dentry != p.Mnt.root {
			parent := p.Dentry.Parent(cur)
			dentry.Dput(cur, p.Dentry)
			p.Dentry = parent
			break
		}
		v.mountLock.Lock(cur)
		pm, mp := p.Mnt.parent, p.Mnt.mountpoint
		if pm != nil {
			pm.Count.Get()
			dentry.Dget(mp)
		}
		v.mountLock.Unlock(cur)
		if pm == nil {
			break // the namespace root, or a detached mount's root
		}
		old := *p
		*p = Path{Mnt: pm, Dentry: mp}
		old.Put(cur)
	}
	v.followMount(cur, p)
}

// Mount mounts a new file system of type fstype on the directory target
// (do_mount → path_mount → do_new_mount, with MS_NOSUID etc. ignored). Only
// "tmpfs" exists: its root has mode 01777 and is owned by 0:0. Mounting on
// a mountpoint stacks the new mount on top; a detached tree takes no
// mount (ENOENT). Errors in the kernel's order:
// the walk's (user_path_at), EPERM (may_mount: not root), ENODEV
// (get_fs_type), ENOTDIR (graft_tree onto a non-directory).
func (v *VFS) Mount(ctx *Context, fstype, target string) error {
	cur := ctx.Cur
	p, err := v.Walk(ctx, target, LOOKUP_FOLLOW)
	if err != nil {
		return err
	}
	defer func() { p.Put(cur) }()
	if ctx.Cred.Uid != 0 {
		return syscall.EPERM
	}
	if fstype != "tmpfs" {
		return syscall.ENODEV
	}
	if ino := p.Dentry.Inode(cur); ino == nil || !ino.IsDir() {
		return syscall.ENOTDIR
	}

	v.namespaceSem.Lock(cur)
	defer v.namespaceSem.Unlock(cur)
	v.followMount(cur, &p) // lock_mount: someone may have mounted here meanwhile
	if p.Dentry != p.Mnt.root && p.Dentry.Unhashed() {
		return syscall.ENOENT // cant_mount: the directory was removed
	}
	v.mountLock.Lock(cur)
	detached := !p.Mnt.attached || p.Mnt.noNS
	v.mountLock.Unlock(cur)
	if detached {
		return syscall.ENOENT // do_lock_mount: !is_mounted
	}
	sb := v.newTmpfs(cur, tmpfsMountRootMode)
	m := v.newMount(sb) // its reference becomes the tree's
	mp := p.Get()       // the child's references on its mountpoint
	v.mountLock.Lock(cur)
	m.parent, m.mountpoint, m.attached = mp.Mnt, mp.Dentry, true
	v.mounts[mountKey{mp.Mnt, mp.Dentry}] = m
	mp.Mnt.children = append(mp.Mnt.children, m)
	v.mountLock.Unlock(cur)
	mp.Dentry.AddMounted(cur, 1)
	if v.p.VnodeLayer {
		v.vnevent(cur, ctx, pathInode(cur, mp), VE_MOUNTEDOVER, nil, "") // domount's vnevent_mountedover
	}
	return nil
}

// Umount unmounts the file system mounted at target (do_umount). Without
// MNT_DETACH it fails with EBUSY if the mount has child mounts or any
// reference beyond the tree's and this call's own (open files, cwds:
// propagate_mount_busy(mnt, 2)); inotify watches never count. With
// MNT_DETACH the mount and everything below it leave the tree at once and
// each file system is shut down when its last reference goes. The
// namespace root is special: "umount /" remounts it read-only and "umount
// -l /" takes it out of the namespace (see below). Errors: the walk's,
// EPERM, EINVAL (not a mount root, not in the namespace, bad flags), EBUSY.
func (v *VFS) Umount(ctx *Context, target string, flags int) error {
	cur := ctx.Cur
	if flags&^(uapi.MNT_FORCE|uapi.MNT_DETACH|uapi.UMOUNT_NOFOLLOW) != 0 {
		return syscall.EINVAL
	}
	lf := LOOKUP_FOLLOW
	if flags&uapi.UMOUNT_NOFOLLOW != 0 {
		lf = 0
	}
	// ksys_umount looks the path up first; can_umount then checks
	// may_mount (EPERM) before "is it a mount" (EINVAL).
	p, err := v.Walk(ctx, target, lf)
	if err != nil {
		return err
	}
	defer p.Put(cur) // the last reference of a non-lazy umount goes here
	if ctx.Cred.Uid != 0 {
		return syscall.EPERM
	}
	if p.Dentry != p.Mnt.root {
		return syscall.EINVAL
	}
	if v.p.VnodeLayer {
		// illumos has no lazy unmount: umount2 keeps only MS_FORCE of
		// its flags. tmp_unmount refuses while something holds a vnode
		// of the file system, which a watch does.
		flags &^= uapi.MNT_DETACH
		if v.vnodesHeld(cur, p.Mnt.sb) && !p.Mnt.isNamespaceRoot(cur) {
			return syscall.EBUSY
		}
	}
	v.namespaceSem.Lock(cur)
	v.mountLock.Lock(cur)
	m := p.Mnt
	if !m.attached || m.noNS {
		v.mountLock.Unlock(cur)
		v.namespaceSem.Unlock(cur)
		return syscall.EINVAL // check_mnt
	}
	if m.parent == nil {
		// The namespace root: "umount /" remounts it read-only
		// (do_umount_root); "umount -l /" takes it out of the
		// namespace, disconnecting its submounts (umount_tree), while
		// the tasks inside go on using it.
		if flags&uapi.MNT_DETACH != 0 {
			var victims []detached
			for _, c := range append([]*Mount(nil), m.children...) {
				victims = append(victims, v.umountTreeLocked(cur, c)...)
			}
			m.noNS = true
			v.mountLock.Unlock(cur)
			v.releaseDetached(cur, victims)
			return nil
		}
		v.mountLock.Unlock(cur)
		defer v.namespaceSem.Unlock(cur)
		return v.umountRoot(cur, m.sb)
	}
	if flags&uapi.MNT_DETACH == 0 && (len(m.children) > 0 || m.Count.Count() > 2) {
		v.mountLock.Unlock(cur)
		v.namespaceSem.Unlock(cur)
		return syscall.EBUSY
	}
	victims := v.umountTreeLocked(cur, m)
	v.mountLock.Unlock(cur)
	v.releaseDetached(cur, victims)
	return nil
}

// detached is a mount umount_tree took out of the tree, with the
// references it still has to drop.
type detached struct {
	m  *Mount
	mp Path // the mountpoint references the mount held
}

// umountTreeLocked detaches m and every mount below it, deepest first
// (umount_tree). Precondition: namespace_sem and mount_lock are held.
func (v *VFS) umountTreeLocked(cur *lockdep.Task, m *Mount) []detached {
	lockdep.AssertHeld(cur, &v.namespaceSem)
	lockdep.AssertHeld(cur, &v.mountLock)
	var out []detached
	var walk func(m *Mount)
	walk = func(m *Mount) {
		kids := append([]*Mount(nil), m.children...)
		sort.Slice(kids, func(i, j int) bool { return kids[i].ID < kids[j].ID })
		for _, c := range kids {
			walk(c)
		}
		d := detached{m: m, mp: Path{Mnt: m.parent, Dentry: m.mountpoint}}
		if m.parent != nil {
			delete(v.mounts, mountKey{m.parent, m.mountpoint})
			sib := m.parent.children
			for i, c := range sib {
				if c == m {
					m.parent.children = append(sib[:i:i], sib[i+1:]...)
					break
				}
			}
		}
		m.parent, m.mountpoint, m.attached = nil, nil, false
		out = append(out, d)
	}
	walk(m)
	return out
}

// umountRoot is do_umount_root: the root cannot go, so it is remounted
// read-only — unless a file on it is open for writing or an unlinked inode
// is still in use (sb_prepare_remount_readonly: EBUSY). Doing it again is
// a no-op. Precondition: namespace_sem is held.
func (v *VFS) umountRoot(cur *lockdep.Task, sb *superBlock) error {
	lockdep.AssertHeld(cur, &v.namespaceSem)
	if sb.rdonly.Load() {
		return nil
	}
	if sb.writers.Load() > 0 {
		return syscall.EBUSY
	}
	for _, ino := range sb.Inodes(cur) {
		if ino.Nlink() == 0 && ino.Count.Count() > 0 {
			return syscall.EBUSY // s_remove_count
		}
	}
	sb.rdonly.Store(true)
	return nil
}

// releaseDetached finishes an umount after mount_lock: d_mounted is
// dropped under namespace_sem, which is then released, and the references
// of the detached mounts are put, deepest first (namespace_unlock).
// Precondition: namespace_sem is held; it is released on return.
func (v *VFS) releaseDetached(cur *lockdep.Task, victims []detached) {
	lockdep.AssertHeld(cur, &v.namespaceSem)
	for _, d := range victims {
		if d.mp.Dentry != nil {
			d.mp.Dentry.AddMounted(cur, -1)
		}
	}
	v.namespaceSem.Unlock(cur)
	for _, d := range victims {
		d.mp.Put(cur)
		mntput(cur, d.m) // the tree's reference
	}
}

// shutdownSuper models generic_shutdown_super for tmpfs: every dentry is
// killed bottom-up (the tmpfs pins dropped, shrink_dcache_for_umount), the
// super block goes inactive, the notifier's unmount hook runs under
// iprune_mutex and inode_lock (fsnotify_unmount_inodes), and the unused
// inodes are evicted (invalidate_inodes).
func (v *VFS) shutdownSuper(cur *lockdep.Task, sb *superBlock) {
	v.killDentries(cur, sb.root)
	dentry.Dput(cur, sb.root) // s_root
	sb.Deactivate()
	c := v.icache
	c.IpruneMutex.Lock(cur)
	c.InodeLock.Lock(cur)
	v.notifier.FsnotifyUnmountInodes(cur, sb.SuperBlock)
	c.InodeLock.Unlock(cur)
	// generic_shutdown_super's "VFS: Busy inodes after unmount ...
	// Self-destruct in 5 seconds": whoever still holds one will put it
	// into a dead file system (CVE-2008-5182 was such a holder).
	for _, ino := range inode.EvictUnused(cur, sb.SuperBlock) {
		ino.Count.ReportBusy("busy after unmount (VFS: Busy inodes after unmount. Self-destruct in 5 seconds.)")
	}
	c.IpruneMutex.Unlock(cur)
}

// killDentries unhashes every name below d, children first, and drops
// each one's tmpfs pin, so that every dentry of the tree dies.
func (v *VFS) killDentries(cur *lockdep.Task, d *dentry.Dentry) {
	for _, c := range d.Children(cur) {
		v.killDentries(cur, c)
		v.dcache.Drop(cur, c)
		dentry.Dput(cur, c) // Children's reference
		dentry.Dput(cur, c) // the pin
	}
}

// Shutdown detaches every mount, deepest first, then the namespace root,
// and shuts each file system down as its last reference goes. Tasks should
// have released their contexts first; a mount still referenced is shut
// down at its last put (or shows up as a leak).
func (v *VFS) Shutdown(cur *lockdep.Task) {
	v.namespaceSem.Lock(cur)
	v.mountLock.Lock(cur)
	root := v.rootMnt
	if root == nil {
		v.mountLock.Unlock(cur)
		v.namespaceSem.Unlock(cur)
		return
	}
	v.rootMnt = nil
	victims := v.umountTreeLocked(cur, root)
	v.mountLock.Unlock(cur)
	v.releaseDetached(cur, victims)
}

// RootPath returns the namespace root with references taken (the
// init task's fs->root).
func (v *VFS) RootPath(cur *lockdep.Task) (Path, error) {
	v.mountLock.Lock(cur)
	defer v.mountLock.Unlock(cur)
	if v.rootMnt == nil {
		return Path{}, syscall.ENOENT
	}
	return Path{Mnt: v.rootMnt, Dentry: v.rootMnt.root}.Get(), nil
}

// NewContext returns a context for a new task with cred, its root and cwd
// at the namespace root (references held; Release drops them).
func (v *VFS) NewContext(cur *lockdep.Task, cred Cred) *Context {
	root, err := v.RootPath(cur)
	if err != nil {
		panic("vfs: NewContext after Shutdown")
	}
	return &Context{Cur: cur, Cred: cred, Root: root, Pwd: root.Get()}
}

// Release puts the context's root and cwd (exit_fs).
func (ctx *Context) Release() {
	ctx.Pwd.Put(ctx.Cur)
	ctx.Root.Put(ctx.Cur)
	ctx.Pwd, ctx.Root = Path{}, Path{}
}
