package inode

import (
	"sync/atomic"

	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
)

// Lock classes owned by this package.
var (
	IMutexClass      = lockdep.NewClass("inode->i_mutex")
	InodeLockClass   = lockdep.NewClass("inode_lock")
	IpruneMutexClass = lockdep.NewClass("iprune_mutex")
)

// i_mutex subclasses: include/linux/fs.h's inode_i_mutex_lock_class, with
// its values, so that a subclass reads the same here as in a kernel lockdep
// report. I_MUTEX_XATTR is unused (no xattrs) but keeps the numbering.
const (
	I_MUTEX_NORMAL  = 0
	I_MUTEX_PARENT  = 1
	I_MUTEX_CHILD   = 2
	I_MUTEX_XATTR   = 3
	I_MUTEX_NONDIR2 = 4
	I_MUTEX_PARENT2 = 5
)

// i_state bits.
const (
	I_NEW       = 1 << 3
	I_WILL_FREE = 1 << 4
	I_FREEING   = 1 << 5
	I_CLEAR     = 1 << 6
)

// File type bits of Mode (S_IFMT).
const (
	S_IFMT   = 0o170000
	S_IFDIR  = 0o040000
	S_IFREG  = 0o100000
	S_IFLNK  = 0o120000
	S_IFIFO  = 0o010000
	S_ISUID  = 0o4000
	S_ISGID  = 0o2000
	S_ISVTX  = 0o1000
	ModePerm = 0o7777
)

// ia_valid bits of notify_change (include/linux/fs.h), what fsnotify_change
// turns into events.
const (
	ATTR_MODE  = 1 << 0
	ATTR_UID   = 1 << 1
	ATTR_GID   = 1 << 2
	ATTR_SIZE  = 1 << 3
	ATTR_ATIME = 1 << 4
	ATTR_MTIME = 1 << 5
	ATTR_CTIME = 1 << 6
)

// Icache is the kernel-wide state of fs/inode.c: inode_lock, iprune_mutex
// and the refcount tracker every inode reports to. One per simulated kernel.
type Icache struct {
	InodeLock   lockdep.Mutex
	IpruneMutex lockdep.Mutex
	Refs        *kref.Tracker
}

// NewIcache returns the inode cache of a new kernel.
func NewIcache(refs *kref.Tracker) *Icache {
	c := &Icache{Refs: refs}
	c.InodeLock.Init(InodeLockClass, 0)
	c.IpruneMutex.Init(IpruneMutexClass, 0)
	return c
}

// SuperOperations are the super block's hooks into the VFS above.
type SuperOperations interface {
	// EvictInode runs when an inode is evicted, before it is freed: the
	// VFS calls the notifier's "inode is dead" hook from here.
	EvictInode(cur *lockdep.Task, ino *Inode)
}

// SuperBlock is the part of struct super_block this layer owns: the inode
// list and the active flag.
type SuperBlock struct {
	Dev   uint64
	Cache *Icache
	Ops   SuperOperations

	active atomic.Bool // MS_ACTIVE
	ino    atomic.Uint64

	// notify is the notification backend's per-super-block state (today's
	// s_fsnotify_info: how many connectors pin the super block's inodes),
	// attached on first use and never changed.
	notify atomic.Pointer[sbNotifyBox]

	// Cache.InodeLock protects the following fields.
	inodes *Inode // s_inodes, newest first (list_add at the head)
}

// NewSuperBlock returns an active super block.
func NewSuperBlock(c *Icache, dev uint64, ops SuperOperations) *SuperBlock {
	sb := &SuperBlock{Dev: dev, Cache: c, Ops: ops}
	sb.active.Store(true)
	return sb
}

type sbNotifyBox struct{ s any }

// Notify returns the backend's state for the super block, nil if it has
// none.
func (sb *SuperBlock) Notify() any {
	if b := sb.notify.Load(); b != nil {
		return b.s
	}
	return nil
}

// AttachNotify installs s as the super block's backend state unless one is
// there already, and returns the state in place (today's
// fsnotify_attach_info_to_sb, on the first mark of the file system).
func (sb *SuperBlock) AttachNotify(s any) any {
	if sb.notify.CompareAndSwap(nil, &sbNotifyBox{s}) {
		return s
	}
	return sb.notify.Load().s
}

// Active reports MS_ACTIVE.
func (sb *SuperBlock) Active() bool { return sb.active.Load() }

// Deactivate clears MS_ACTIVE: from now on the final iput evicts.
func (sb *SuperBlock) Deactivate() { sb.active.Store(false) }

// FirstInodeLocked returns the head of sb->s_inodes (the newest inode).
// Precondition: Cache.InodeLock is held.
func (sb *SuperBlock) FirstInodeLocked(cur *lockdep.Task) *Inode {
	lockdep.AssertHeld(cur, &sb.Cache.InodeLock)
	return sb.inodes
}

// Inode models struct inode.
type Inode struct {
	Ino   uint64
	Sb    *SuperBlock
	Count kref.Ref // i_count

	// IMutex (i_mutex) protects the following fields.
	IMutex lockdep.Mutex
	Size   int64
	Data   []byte // a regular file's contents
	Target string // a symlink's target (immutable)
	// Pipe is a fifo's pipe state (i_pipe), owned by the VFS; nil otherwise.
	Pipe any

	typ uint32 // the S_IFMT bits of mode, copied at New (never change)

	// i_mode, i_uid and i_gid are written under IMutex (setattr) but read
	// without it: the path walk and generic_permission read them racily
	// in the kernel, and so must not take i_mutex here; atomics make that
	// race-free in Go.
	mode, uid, gid atomic.Uint32

	// i_atime, i_mtime and i_ctime are written under IMutex, except that
	// rename stamps the ctime of a subdirectory it does not lock (one that
	// keeps its parent), as shmem_rename2 does; atomics, read without a
	// lock.
	atime, mtime, ctime atomic.Int64

	nlink atomic.Int32 // i_nlink: read without i_mutex by dentry_unlink_inode

	// Sb.Cache.InodeLock protects the following fields.
	state          uint32
	sbPrev, sbNext *Inode

	// notify is the notification backend's per-inode state (the seeds'
	// inotify_mutex and inotify_watches; i_fsnotify_marks today): a
	// *notifyBox, set once. The inode cannot name a backend's types
	// (imports point down) and Go has no container_of, so the backend's
	// state is held behind the NotifyState interface.
	notify atomic.Pointer[notifyBox]

	// Aliases is i_dentry, the dentries naming this inode, protected by
	// dcache_lock (package dentry).
	Aliases []any
}

// New allocates an inode on sb with i_count 1 and puts it at the head of
// sb->s_inodes (new_inode + unlock_new_inode).
func New(cur *lockdep.Task, sb *SuperBlock, mode, uid, gid uint32, now int64) *Inode {
	ino := &Inode{Ino: sb.ino.Add(1), Sb: sb, typ: mode & S_IFMT}
	ino.atime.Store(now)
	ino.mtime.Store(now)
	ino.ctime.Store(now)
	ino.mode.Store(mode)
	ino.uid.Store(uid)
	ino.gid.Store(gid)
	ino.IMutex.Init(IMutexClass, ino.Ino)
	ino.Count.Init(sb.Cache.Refs, "inode", ino.Ino, 1)
	c := sb.Cache
	c.InodeLock.Lock(cur)
	ino.state = I_NEW
	ino.sbNext = sb.inodes
	if sb.inodes != nil {
		sb.inodes.sbPrev = ino
	}
	sb.inodes = ino
	ino.state &^= I_NEW
	c.InodeLock.Unlock(cur)
	return ino
}

// IsDir reports whether the inode is a directory (the type never changes).
func (ino *Inode) IsDir() bool { return ino.typ == S_IFDIR }

// Type returns the S_IFMT bits, from a copy made at New: they never change.
func (ino *Inode) Type() uint32 { return ino.typ }

// Mode reads i_mode (type and permission bits). No lock is needed.
func (ino *Inode) Mode() uint32 { return ino.mode.Load() }

// Uid reads i_uid. No lock is needed.
func (ino *Inode) Uid() uint32 { return ino.uid.Load() }

// Gid reads i_gid. No lock is needed.
func (ino *Inode) Gid() uint32 { return ino.gid.Load() }

// SetPerm sets the permission bits of i_mode, keeping the type (chmod's
// setattr_copy). Precondition: IMutex is held.
func (ino *Inode) SetPerm(cur *lockdep.Task, perm uint32) {
	lockdep.AssertHeld(cur, &ino.IMutex)
	ino.mode.Store(ino.typ | perm&ModePerm)
}

// SetUid sets i_uid (setattr_copy). Precondition: IMutex is held.
func (ino *Inode) SetUid(cur *lockdep.Task, uid uint32) {
	lockdep.AssertHeld(cur, &ino.IMutex)
	ino.uid.Store(uid)
}

// SetGid sets i_gid (setattr_copy). Precondition: IMutex is held.
func (ino *Inode) SetGid(cur *lockdep.Task, gid uint32) {
	lockdep.AssertHeld(cur, &ino.IMutex)
	ino.gid.Store(gid)
}

// Atime reads i_atime. No lock is needed.
func (ino *Inode) Atime() int64 { return ino.atime.Load() }

// Mtime reads i_mtime. No lock is needed.
func (ino *Inode) Mtime() int64 { return ino.mtime.Load() }

// Ctime reads i_ctime. No lock is needed.
func (ino *Inode) Ctime() int64 { return ino.ctime.Load() }

// SetAtime sets i_atime (see the field for its locking).
func (ino *Inode) SetAtime(t int64) { ino.atime.Store(t) }

// SetMtime sets i_mtime (see the field for its locking).
func (ino *Inode) SetMtime(t int64) { ino.mtime.Store(t) }

// SetCtime sets i_ctime (see the field for its locking).
func (ino *Inode) SetCtime(t int64) { ino.ctime.Store(t) }

// Nlink reads i_nlink.
func (ino *Inode) Nlink() int32 { return ino.nlink.Load() }

// SetNlink sets i_nlink (set_nlink). Writers are serialised by i_mutex,
// or, for a new inode, by nobody else knowing it yet.
func (ino *Inode) SetNlink(n int32) { ino.nlink.Store(n) }

// IncNlink and DropNlink model inc_nlink and drop_nlink.
func (ino *Inode) IncNlink()  { ino.nlink.Add(1) }
func (ino *Inode) DropNlink() { ino.nlink.Add(-1) }

// NextInSbLocked is the next (older) inode on sb->s_inodes.
// Precondition: Sb.Cache.InodeLock is held.
func (ino *Inode) NextInSbLocked(cur *lockdep.Task) *Inode {
	lockdep.AssertHeld(cur, &ino.Sb.Cache.InodeLock)
	return ino.sbNext
}

// StateLocked returns i_state. Precondition: inode_lock is held.
func (ino *Inode) StateLocked(cur *lockdep.Task) uint32 {
	lockdep.AssertHeld(cur, &ino.Sb.Cache.InodeLock)
	return ino.state
}

// NotifyState is a notification backend's per-inode state.
type NotifyState interface {
	// Watched reports whether a watch on the inode wants events on its
	// children, which is what the dentries' parent-watched flag follows:
	// in the seeds any watch (inotify_inode_watched,
	// list_empty(&inode->inotify_watches)); today a mark asking for
	// events possible on a child (fsnotify_inode_watches_children). It
	// is called without locks, racing with changes, as both kernels do.
	Watched() bool
}

type notifyBox struct{ s NotifyState }

// Notify returns the backend's state for the inode, nil if it has none.
func (ino *Inode) Notify() NotifyState {
	if b := ino.notify.Load(); b != nil {
		return b.s
	}
	return nil
}

// AttachNotify installs s as the inode's backend state unless one is
// installed already, and returns the installed one. The seeds' inode has
// its inotify fields from inode_init_once; here they are attached on the
// first watch (a compare-and-swap, as today's
// fsnotify_attach_connector_to_object does), so unwatched inodes stay small.
func (ino *Inode) AttachNotify(s NotifyState) NotifyState {
	if ino.notify.CompareAndSwap(nil, &notifyBox{s}) {
		return s
	}
	return ino.notify.Load().s
}

// Watched reports whether any watch is on the inode, without locks
// (inotify_inode_watched).
func (ino *Inode) Watched() bool {
	b := ino.notify.Load()
	return b != nil && b.s.Watched()
}

// Iget takes a reference on an inode known to be alive (__iget).
func Iget(ino *Inode) { ino.Count.Get() }

// Igrab takes a reference unless the inode is being freed (igrab).
func Igrab(cur *lockdep.Task, ino *Inode) *Inode {
	c := ino.Sb.Cache
	c.InodeLock.Lock(cur)
	defer c.InodeLock.Unlock(cur)
	if ino.state&(I_FREEING|I_WILL_FREE|I_CLEAR) != 0 {
		return nil
	}
	ino.Count.Get()
	return ino
}

// Iput drops a reference (iput). The final put of an unlinked inode, or of
// any inode once its super block is inactive, evicts it (iput_final). The
// final decrement is made under inode_lock (atomic_dec_and_lock), and
// I_FREEING set before the lock is dropped, so that a walk of s_inodes
// under the lock never takes a reference on an inode whose count it saw
// above zero but which is going (fsnotify_unmount_inodes' __iget).
func Iput(cur *lockdep.Task, ino *Inode) {
	if ino.Count.PutNotLast() {
		return
	}
	c := ino.Sb.Cache
	c.InodeLock.Lock(cur)
	if !ino.Count.Put() || ino.Nlink() > 0 && ino.Sb.Active() {
		c.InodeLock.Unlock(cur) // still in use, or stays cached, unused
		return
	}
	ino.state |= I_FREEING
	c.InodeLock.Unlock(cur)
	evictFreeing(cur, ino)
}

// evict models evict()/clear_inode: I_FREEING, the evict hook, off the
// s_inodes list, I_CLEAR.
func evict(cur *lockdep.Task, ino *Inode) {
	c := ino.Sb.Cache
	c.InodeLock.Lock(cur)
	ino.state |= I_FREEING
	c.InodeLock.Unlock(cur)
	evictFreeing(cur, ino)
}

// evictFreeing is evict for an inode already marked I_FREEING.
func evictFreeing(cur *lockdep.Task, ino *Inode) {
	c := ino.Sb.Cache

	if ino.Sb.Ops != nil {
		ino.Sb.Ops.EvictInode(cur, ino)
	}

	c.InodeLock.Lock(cur)
	sb := ino.Sb
	if ino.sbPrev != nil {
		ino.sbPrev.sbNext = ino.sbNext
	} else if sb.inodes == ino {
		sb.inodes = ino.sbNext
	}
	if ino.sbNext != nil {
		ino.sbNext.sbPrev = ino.sbPrev
	}
	ino.sbPrev, ino.sbNext = nil, nil
	ino.state = I_CLEAR
	c.InodeLock.Unlock(cur)
}

// EvictUnused evicts every inode of sb whose count is zero: the tail of
// invalidate_inodes at unmount. It returns the inodes still busy.
// Precondition: iprune_mutex is held.
func EvictUnused(cur *lockdep.Task, sb *SuperBlock) (busy []*Inode) {
	c := sb.Cache
	lockdep.AssertHeld(cur, &c.IpruneMutex)
	for {
		c.InodeLock.Lock(cur)
		var victim *Inode
		busy = busy[:0]
		for ino := sb.inodes; ino != nil; ino = ino.sbNext {
			if ino.Count.Count() == 0 && ino.state&(I_FREEING|I_CLEAR) == 0 {
				victim = ino
				break
			}
			busy = append(busy, ino)
		}
		c.InodeLock.Unlock(cur)
		if victim == nil {
			return busy
		}
		evict(cur, victim)
	}
}

// Inodes returns the inodes on sb->s_inodes, newest first, for tests and
// invariant checks.
func (sb *SuperBlock) Inodes(cur *lockdep.Task) []*Inode {
	c := sb.Cache
	c.InodeLock.Lock(cur)
	defer c.InodeLock.Unlock(cur)
	var out []*Inode
	for ino := sb.inodes; ino != nil; ino = ino.sbNext {
		out = append(out, ino)
	}
	return out
}
