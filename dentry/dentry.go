package dentry

import (
	"sort"
	"sync/atomic"

	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
)

// Lock classes owned by this package.
var (
	RenameLockClass = lockdep.NewClass("rename_lock")
	DcacheLockClass = lockdep.NewClass("dcache_lock")
	DLockClass      = lockdep.NewClass("dentry->d_lock")
)

// d_lock subclass for the second dentry of d_move.
const DENTRY_D_LOCK_NESTED = 1

// d_flags.
const (
	DCACHE_UNHASHED               = 0x0010
	DCACHE_INOTIFY_PARENT_WATCHED = 0x0020
)

// Hooks are what the dcache calls upward.
type Hooks interface {
	// InodeRemove is fsnotify_inoderemove: a dentry is letting go of an
	// inode whose link count is zero (dentry_unlink_inode / dentry_iput).
	InodeRemove(cur *lockdep.Task, ino *inode.Inode)
}

// Dcache is the kernel-wide dentry cache state: its locks, the refcount
// tracker and the upward hooks. One per simulated kernel.
type Dcache struct {
	RenameLock lockdep.Mutex
	Lock       lockdep.Mutex // dcache_lock
	Refs       *kref.Tracker
	Hooks      Hooks
	ids        atomic.Uint64
}

// NewDcache returns an empty dentry cache.
func NewDcache(refs *kref.Tracker, hooks Hooks) *Dcache {
	dc := &Dcache{Refs: refs, Hooks: hooks}
	dc.RenameLock.Init(RenameLockClass, 0)
	dc.Lock.Init(DcacheLockClass, 0)
	return dc
}

// Dentry models struct dentry.
type Dentry struct {
	ID    uint64
	Cache *Dcache
	Count kref.Ref // d_count

	// DLock (d_lock) protects the following fields; writers also hold
	// dcache_lock.
	DLock  lockdep.Mutex
	name   string
	parent *Dentry
	// flags (d_flags) is written under d_lock but read without it where
	// the kernel does (the parent-watched test of
	// inotify_dentry_parent_queue_event, d_unhashed): an atomic, so that
	// Go's race detector accepts those racy reads.
	flags atomic.Uint32

	// Cache.Lock (dcache_lock) protects the following fields.
	inode    atomic.Pointer[inode.Inode] // d_inode: written under dcache_lock, read without it
	children map[string]*Dentry          // hashed children, by name (d_hash)
	mounted  atomic.Int32                // d_mounted: mounts on this dentry (read without the lock)
	// d_subdirs: every live child, unhashed ones too, as an intrusive
	// list (subdirs on the parent, the d_child links on each child).
	subdirs          *Dentry
	childPrev, child *Dentry
	onSubdirs        bool
}

// addSubdirLocked and delSubdirLocked keep d_subdirs.
// Precondition: dcache_lock is held.
func (p *Dentry) addSubdirLocked(cur *lockdep.Task, c *Dentry) {
	lockdep.AssertHeld(cur, &p.Cache.Lock)
	c.childPrev, c.child, c.onSubdirs = nil, p.subdirs, true
	if p.subdirs != nil {
		p.subdirs.childPrev = c
	}
	p.subdirs = c
}

func (p *Dentry) delSubdirLocked(cur *lockdep.Task, c *Dentry) {
	lockdep.AssertHeld(cur, &p.Cache.Lock)
	if !c.onSubdirs {
		return
	}
	if c.childPrev != nil {
		c.childPrev.child = c.child
	} else {
		p.subdirs = c.child
	}
	if c.child != nil {
		c.child.childPrev = c.childPrev
	}
	c.childPrev, c.child, c.onSubdirs = nil, nil, false
}

func (dc *Dcache) alloc(name string, parent *Dentry) *Dentry {
	d := &Dentry{ID: dc.ids.Add(1), Cache: dc, name: name, parent: parent}
	d.DLock.Init(DLockClass, d.ID)
	d.Count.Init(dc.Refs, "dentry", d.ID, 1)
	return d
}

// AllocRoot returns the root dentry of a new super block, holding ino's
// reference (d_alloc_root). Its parent is itself.
func (dc *Dcache) AllocRoot(cur *lockdep.Task, ino *inode.Inode) *Dentry {
	d := dc.alloc("/", nil)
	d.parent = d
	dc.Lock.Lock(cur)
	d.inode.Store(ino)
	ino.Aliases = append(ino.Aliases, d)
	dc.Lock.Unlock(cur)
	return d
}

// Alloc returns a new negative, hashed dentry called name under parent,
// with count 1 for the caller; it takes a reference on parent (d_alloc).
// Precondition: the caller holds parent's inode i_mutex and no child called
// name exists.
func (dc *Dcache) Alloc(cur *lockdep.Task, parent *Dentry, name string) *Dentry {
	lockdep.AssertHeld(cur, &parent.inode.Load().IMutex)
	d := dc.alloc(name, parent)
	parent.Count.Get()
	dc.Lock.Lock(cur)
	if parent.children == nil {
		parent.children = make(map[string]*Dentry)
	}
	parent.children[name] = d
	parent.addSubdirLocked(cur, d)
	dc.Lock.Unlock(cur)
	return d
}

// Instantiate attaches ino to the negative dentry d, which takes over the
// caller's inode reference (d_instantiate), and sets d's "parent watched"
// flag from its parent's inode (inotify_d_instantiate).
func (dc *Dcache) Instantiate(cur *lockdep.Task, d *Dentry, ino *inode.Inode) {
	dc.Lock.Lock(cur)
	d.inode.Store(ino)
	ino.Aliases = append(ino.Aliases, d)
	d.DLock.Lock(cur)
	if p := d.parent; p != nil && p.inode.Load() != nil && p.inode.Load().Watched() {
		d.flags.Or(DCACHE_INOTIFY_PARENT_WATCHED)
	}
	d.DLock.Unlock(cur)
	dc.Lock.Unlock(cur)
}

// Lookup returns parent's hashed child called name with a reference taken,
// or nil (d_lookup).
func (dc *Dcache) Lookup(cur *lockdep.Task, parent *Dentry, name string) *Dentry {
	dc.Lock.Lock(cur)
	defer dc.Lock.Unlock(cur)
	c := parent.children[name]
	if c != nil {
		c.Count.Get()
	}
	return c
}

// Dget takes a reference (dget).
func Dget(d *Dentry) *Dentry { d.Count.Get(); return d }

// Dput drops a reference (dput). At zero an unhashed dentry is killed
// (dentry_kill): its inode let go, then its parent put.
func Dput(cur *lockdep.Task, d *Dentry) {
	for d != nil {
		if !d.Count.Put() {
			return
		}
		dc := d.Cache
		dc.Lock.Lock(cur)
		d.DLock.Lock(cur)
		hashed := d.flags.Load()&DCACHE_UNHASHED == 0
		d.DLock.Unlock(cur)
		if hashed && d.parent != d {
			// A hashed dentry at zero stays in the cache (only
			// shrinking at unmount kills it); tmpfs pins live ones.
			dc.Lock.Unlock(cur)
			return
		}
		parent := d.parent
		if hashed { // a root: unhash it as it dies
			d.DLock.Lock(cur)
			d.flags.Or(DCACHE_UNHASHED)
			d.DLock.Unlock(cur)
		}
		if parent != d {
			parent.delSubdirLocked(cur, d)
		}
		dc.Lock.Unlock(cur)
		dc.unlinkInode(cur, d)
		if parent == d {
			return
		}
		d = parent
	}
}

// unlinkInode detaches d's inode, if any, and lets it go: the last-link
// hook when i_nlink is 0, then iput (dentry_unlink_inode).
func (dc *Dcache) unlinkInode(cur *lockdep.Task, d *Dentry) {
	dc.Lock.Lock(cur)
	ino := d.inode.Load()
	if ino == nil {
		dc.Lock.Unlock(cur)
		return
	}
	d.inode.Store(nil)
	for i, a := range ino.Aliases {
		if a == d {
			ino.Aliases = append(ino.Aliases[:i], ino.Aliases[i+1:]...)
			break
		}
	}
	dc.Lock.Unlock(cur)
	if ino.Nlink() == 0 && dc.Hooks != nil {
		dc.Hooks.InodeRemove(cur, ino)
	}
	inode.Iput(cur, ino)
}

// unhashLocked removes d from its parent's children.
// Precondition: dcache_lock is held.
func (d *Dentry) unhashLocked(cur *lockdep.Task) {
	lockdep.AssertHeld(cur, &d.Cache.Lock)
	if p := d.parent; p != nil && p != d && p.children[d.name] == d {
		delete(p.children, d.name)
	}
	d.DLock.Lock(cur)
	d.flags.Or(DCACHE_UNHASHED)
	d.DLock.Unlock(cur)
}

// Delete removes a name from the cache after the file system dropped the
// link (d_delete): if the caller's is the only reference the inode is let
// go now; otherwise the dentry is only unhashed and its inode goes with the
// last dput. Either way the name no longer resolves.
func (dc *Dcache) Delete(cur *lockdep.Task, d *Dentry) {
	dc.Lock.Lock(cur)
	d.unhashLocked(cur)
	only := d.Count.Count() == 1
	dc.Lock.Unlock(cur)
	if only {
		dc.unlinkInode(cur, d)
	}
}

// Drop unhashes d without touching its inode (__d_drop / d_drop).
func (dc *Dcache) Drop(cur *lockdep.Task, d *Dentry) {
	dc.Lock.Lock(cur)
	d.unhashLocked(cur)
	dc.Lock.Unlock(cur)
}

// Move gives d the name and place of target, which is unhashed (d_move): a
// rename. d's "parent watched" flag follows its new parent
// (inotify_d_move). Precondition: the i_mutex of both parents is held.
func (dc *Dcache) Move(cur *lockdep.Task, d, target *Dentry) {
	// The parents' i_mutex keeps d_parent still, so it is read here
	// without d_lock.
	lockdep.AssertHeld(cur, &d.parent.inode.Load().IMutex)
	lockdep.AssertHeld(cur, &target.parent.inode.Load().IMutex)
	dc.RenameLock.Lock(cur)
	dc.Lock.Lock(cur)
	d.DLock.Lock(cur)
	target.DLock.LockNested(cur, DENTRY_D_LOCK_NESTED)

	oldParent, newParent := d.parent, target.parent
	if oldParent.children[d.name] == d {
		delete(oldParent.children, d.name)
	}
	if newParent.children[target.name] == target {
		delete(newParent.children, target.name)
	}
	target.flags.Or(DCACHE_UNHASHED)
	d.name = target.name
	d.parent = newParent
	// Each child holds its parent: d takes target's reference on the new
	// parent and target keeps d's on the old one.
	target.parent = oldParent
	oldParent.delSubdirLocked(cur, d)
	newParent.delSubdirLocked(cur, target)
	newParent.addSubdirLocked(cur, d)
	oldParent.addSubdirLocked(cur, target)
	if newParent.children == nil {
		newParent.children = make(map[string]*Dentry)
	}
	newParent.children[d.name] = d
	if pi := newParent.inode.Load(); pi != nil && pi.Watched() {
		d.flags.Or(DCACHE_INOTIFY_PARENT_WATCHED)
	} else {
		d.flags.And(^uint32(DCACHE_INOTIFY_PARENT_WATCHED))
	}

	target.DLock.Unlock(cur)
	d.DLock.Unlock(cur)
	dc.Lock.Unlock(cur)
	dc.RenameLock.Unlock(cur)
}

// Exchange swaps the names and places of two dentries (d_exchange, for
// RENAME_EXCHANGE). Precondition: the i_mutex of both parents is held.
func (dc *Dcache) Exchange(cur *lockdep.Task, a, b *Dentry) {
	lockdep.AssertHeld(cur, &a.parent.inode.Load().IMutex)
	lockdep.AssertHeld(cur, &b.parent.inode.Load().IMutex)
	dc.RenameLock.Lock(cur)
	dc.Lock.Lock(cur)
	a.DLock.Lock(cur)
	b.DLock.LockNested(cur, DENTRY_D_LOCK_NESTED)
	pa, pb := a.parent, b.parent
	pa.children[a.name], pb.children[b.name] = b, a
	a.name, b.name = b.name, a.name
	a.parent, b.parent = pb, pa
	pa.delSubdirLocked(cur, a)
	pb.delSubdirLocked(cur, b)
	pb.addSubdirLocked(cur, a)
	pa.addSubdirLocked(cur, b)
	for _, d := range []*Dentry{a, b} {
		if pi := d.parent.inode.Load(); pi != nil && pi.Watched() {
			d.flags.Or(DCACHE_INOTIFY_PARENT_WATCHED)
		} else {
			d.flags.And(^uint32(DCACHE_INOTIFY_PARENT_WATCHED))
		}
	}
	b.DLock.Unlock(cur)
	a.DLock.Unlock(cur)
	dc.Lock.Unlock(cur)
	dc.RenameLock.Unlock(cur)
}

// Name returns d's current name (d_name), read under d_lock.
func (d *Dentry) Name(cur *lockdep.Task) string {
	d.DLock.Lock(cur)
	defer d.DLock.Unlock(cur)
	return d.name
}

// Parent returns d's parent with a reference taken, read under d_lock as
// inotify_dentry_parent_queue_event does. The root is its own parent.
func (d *Dentry) Parent(cur *lockdep.Task) *Dentry {
	d.DLock.Lock(cur)
	p := d.parent
	p.Count.Get()
	d.DLock.Unlock(cur)
	return p
}

// ParentAndName returns d's parent with a reference taken and d's name,
// read in one d_lock section: today's dget_parent (lockless in the
// kernel, by RCU and the parent's lockref) and take_dentry_name_snapshot
// (under d_lock) as __fsnotify_parent takes them. The root is its own
// parent.
func (d *Dentry) ParentAndName(cur *lockdep.Task) (*Dentry, string) {
	d.DLock.Lock(cur)
	p, name := d.parent, d.name
	p.Count.Get()
	d.DLock.Unlock(cur) // not deferred: every event on a watched child comes here
	return p, name
}

// ParentWatched reports DCACHE_INOTIFY_PARENT_WATCHED, read without
// d_lock as inotify_dentry_parent_queue_event does before taking it.
func (d *Dentry) ParentWatched() bool {
	return d.flags.Load()&DCACHE_INOTIFY_PARENT_WATCHED != 0
}

// WatchedParent is the locked half of inotify_dentry_parent_queue_event:
// under d_lock, if d_parent's inode is watched, it takes a reference on the
// parent (dget) and returns it with d's name; otherwise nil. The seed reads
// d_name after dropping d_lock; Go's race detector needs the read under
// the lock that rename writes it under.
func (d *Dentry) WatchedParent(cur *lockdep.Task) (name string, parent *Dentry) {
	d.DLock.Lock(cur)
	defer d.DLock.Unlock(cur)
	p := d.parent
	if p == d {
		return "", nil
	}
	if pi := p.inode.Load(); pi == nil || !pi.Watched() {
		return "", nil
	}
	p.Count.Get()
	return d.name, p
}

// ParentLocked returns d_parent, without a reference (the root is its own
// parent). Precondition: d.DLock is held.
func (d *Dentry) ParentLocked(cur *lockdep.Task) *Dentry {
	lockdep.AssertHeld(cur, &d.DLock)
	return d.parent
}

// NameLocked returns d_name. Precondition: d.DLock is held.
func (d *Dentry) NameLocked(cur *lockdep.Task) string {
	lockdep.AssertHeld(cur, &d.DLock)
	return d.name
}

// ClearParentWatched clears d's parent-watched flag, under d_lock, if its
// parent's inode no longer watches its children: today's
// fsnotify_clear_child_dentry_flag, the lazy half of the flag's upkeep
// (a parent that stops watching leaves its children's flags set, and each
// child clears its own at its next event).
func (d *Dentry) ClearParentWatched(cur *lockdep.Task) {
	d.DLock.Lock(cur)
	defer d.DLock.Unlock(cur)
	if pi := d.parent.inode.Load(); pi == nil || !pi.Watched() {
		d.flags.And(^uint32(DCACHE_INOTIFY_PARENT_WATCHED))
	}
}

// Inode returns d's inode, nil for a negative dentry (d_inode: a plain
// read in the kernel too; the caller's reference keeps a positive dentry
// positive until d_delete or its death).
func (d *Dentry) Inode(cur *lockdep.Task) *inode.Inode { return d.inode.Load() }

// Unhashed reports whether d has been unlinked (d_unlinked; read without
// d_lock, as the kernel does).
func (d *Dentry) Unhashed() bool { return d.flags.Load()&DCACHE_UNHASHED != 0 }

// SetChildFlagsLocked sets or clears DCACHE_INOTIFY_PARENT_WATCHED on every
// child of every alias of ino, unlinked-but-open ones included (they stay on
// d_subdirs): the body of seed 001's set_dentry_child_flags.
// Precondition: dcache_lock is held.
func (dc *Dcache) SetChildFlagsLocked(cur *lockdep.Task, ino *inode.Inode, watched bool) {
	lockdep.AssertHeld(cur, &dc.Lock)
	for _, a := range ino.Aliases {
		alias := a.(*Dentry)
		for child := alias.subdirs; child != nil; child = child.child {
			child.DLock.Lock(cur)
			if watched {
				child.flags.Or(DCACHE_INOTIFY_PARENT_WATCHED)
			} else {
				child.flags.And(^uint32(DCACHE_INOTIFY_PARENT_WATCHED))
			}
			child.DLock.Unlock(cur)
		}
	}
}

// ChildNames returns the names of d's hashed children, sorted (readdir).
func (d *Dentry) ChildNames(cur *lockdep.Task) []string {
	d.Cache.Lock.Lock(cur)
	names := make([]string, 0, len(d.children))
	for n := range d.children {
		names = append(names, n)
	}
	d.Cache.Lock.Unlock(cur)
	sort.Strings(names)
	return names
}

// NumChildren returns the number of hashed children (for ENOTEMPTY).
func (d *Dentry) NumChildren(cur *lockdep.Task) int {
	d.Cache.Lock.Lock(cur)
	defer d.Cache.Lock.Unlock(cur)
	return len(d.children)
}

// Mounted returns d_mounted, the number of mounts on d; like the kernel's
// d_mountpoint it is read without a lock, so a path walk can skip the mount
// hash for the (common) dentry that is no mountpoint.
func (d *Dentry) Mounted(cur *lockdep.Task) int { return int(d.mounted.Load()) }

// AddMounted adds delta to d_mounted (a mount on d made or gone).
func (d *Dentry) AddMounted(cur *lockdep.Task, delta int) {
	d.Cache.Lock.Lock(cur)
	d.mounted.Add(int32(delta))
	d.Cache.Lock.Unlock(cur)
}

// Children returns d's hashed children with a reference taken on each,
// sorted by name; the caller puts them. For shrinking at unmount.
func (d *Dentry) Children(cur *lockdep.Task) []*Dentry {
	d.Cache.Lock.Lock(cur)
	out := make([]*Dentry, 0, len(d.children))
	for _, c := range d.children {
		c.Count.Get()
		out = append(out, c)
	}
	// Sort under dcache_lock: d_move writes d_name under it.
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	d.Cache.Lock.Unlock(cur)
	return out
}

// IsAncestor reports whether a is d or one of d's ancestors (d_ancestor /
// is_subdir), following d_parent under dcache_lock. The answer is stable
// only while renames are excluded (s_vfs_rename_mutex).
func (d *Dentry) IsAncestor(cur *lockdep.Task, a *Dentry) bool {
	d.Cache.Lock.Lock(cur)
	defer d.Cache.Lock.Unlock(cur)
	for p := d; ; p = p.parent {
		if p == a {
			return true
		}
		if p.parent == p || p.parent == nil {
			return false
		}
	}
}

// AliasUsers counts the references on ino's dentries that are not the
// dentry cache's own: for each alias, d_count less the tmpfs pin of a
// hashed name and the reference each live child holds on its parent. What
// is left are open files, current and root directories, mounts on the
// name and walks in progress. It is exact for every dentry but a file
// system's root, whose s_root and mount references it does not subtract.
func (dc *Dcache) AliasUsers(cur *lockdep.Task, ino *inode.Inode) int {
	dc.Lock.Lock(cur)
	defer dc.Lock.Unlock(cur)
	n := 0
	for _, a := range ino.Aliases {
		d := a.(*Dentry)
		users := int(d.Count.Count())
		if d.flags.Load()&DCACHE_UNHASHED == 0 && d.parent != d {
			users-- // the tmpfs pin
		}
		for c := d.subdirs; c != nil; c = c.child {
			users--
		}
		n += users
	}
	return n
}

// NumAliases is the number of dentries naming ino (i_dentry), each of
// which holds one reference on it.
func (dc *Dcache) NumAliases(cur *lockdep.Task, ino *inode.Inode) int {
	dc.Lock.Lock(cur)
	defer dc.Lock.Unlock(cur)
	return len(ino.Aliases)
}
