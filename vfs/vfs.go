package vfs

import (
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
)

// Lock classes owned by this package.
var (
	NamespaceSemClass = lockdep.NewClass("namespace_sem")
	MountLockClass    = lockdep.NewClass("mount_lock")
	RenameMutexClass  = lockdep.NewClass("sb->s_vfs_rename_mutex")
	FPosLockClass     = lockdep.NewClass("file->f_pos_lock")
)

const (
	bootTaskName        = "swapper/0"
	tmpfsRootMode       = inode.S_IFDIR | 0o755
	tmpfsMountRootMode  = inode.S_IFDIR | 0o1777
	maxSymlinks         = 40   // MAXSYMLINKS
	pathMax             = 4096 // PATH_MAX, counting the NUL
	nameMax             = 255  // NAME_MAX
	getdentsHeaderBytes = 19   // offsetof(struct linux_dirent64, d_name)
)

// Options configure a VFS.
type Options struct {
	// NewNotifier returns the hooks the VFS calls, given the VFS whose
	// caches now exist (the notification backend's initcall, which runs
	// after vfs_caches_init); nil: NopNotifier.
	NewNotifier func(*VFS) Notifier
	Validator   *lockdep.Validator // nil: a new one
	Refs        *kref.Tracker      // nil: a new one
	// P is the kernel the VFS behaves as where an era's VFS differs
	// (the order of may_open's truncation); nil: today's.
	P *personality.P
}

// VFS is one simulated kernel's file system layer: the inode and dentry
// caches, the mount tree, the logical clock and the root tmpfs.
type VFS struct {
	notifier  Notifier
	p         *personality.P
	validator *lockdep.Validator
	refs      *kref.Tracker
	icache    *inode.Icache
	dcache    *dentry.Dcache

	clock   atomic.Int64
	devs    atomic.Uint64
	fileIDs atomic.Uint64
	mntIDs  atomic.Uint64
	femIDs  atomic.Uint64 // fem_list objects

	// namespaceSem (namespace_sem) serializes changes of the mount tree.
	namespaceSem lockdep.Mutex

	// mountLock (mount_lock) protects the following fields and every
	// Mount's parent, mountpoint, children and attached fields.
	mountLock lockdep.Mutex
	mounts    map[mountKey]*Mount // the mount hash: (parent, mountpoint) → child
	rootMnt   *Mount              // the namespace root; nil after Shutdown
}

// New returns a VFS whose namespace is one tmpfs with a root directory of
// mode 0755 owned by 0:0.
func New(opts Options) *VFS {
	v := &VFS{validator: opts.Validator, refs: opts.Refs, p: opts.P, mounts: make(map[mountKey]*Mount)}
	if v.p == nil {
		v.p = personality.Linux
	}
	if v.validator == nil {
		v.validator = lockdep.NewValidator()
	}
	if v.refs == nil {
		v.refs = kref.NewTracker()
	}
	v.icache = inode.NewIcache(v.refs)
	v.dcache = dentry.NewDcache(v.refs, dcacheHooks{v})
	v.notifier = NopNotifier{}
	if opts.NewNotifier != nil {
		v.notifier = opts.NewNotifier(v)
	}
	v.namespaceSem.Init(NamespaceSemClass, 0)
	v.mountLock.Init(MountLockClass, 0)
	cur := v.validator.NewTask(bootTaskName)
	sb := v.newTmpfs(cur, tmpfsRootMode)
	m := v.newMount(sb)
	m.attached = true // the tree's reference is the one newMount made
	v.rootMnt = m
	return v
}

// Notifier returns the fsnotify hooks the VFS calls.
func (v *VFS) Notifier() Notifier { return v.notifier }

// Icache returns the inode cache (inode_lock, iprune_mutex).
func (v *VFS) Icache() *inode.Icache { return v.icache }

// Dcache returns the dentry cache.
func (v *VFS) Dcache() *dentry.Dcache { return v.dcache }

// Refs returns the refcount tracker every object reports to.
func (v *VFS) Refs() *kref.Tracker { return v.refs }

// Validator returns the lock validator.
func (v *VFS) Validator() *lockdep.Validator { return v.validator }

// Now ticks the logical clock and returns the new time (current_time). The
// simulator never reads the wall clock: each time update gets the next tick.
func (v *VFS) Now() int64 { return v.clock.Add(1) }

// dcacheHooks forwards the dcache's upcalls to the notifier.
type dcacheHooks struct{ v *VFS }

var (
	_ dentry.Hooks          = dcacheHooks{}
	_ inode.SuperOperations = (*VFS)(nil)
)

func (h dcacheHooks) InodeRemove(cur *lockdep.Task, ino *inode.Inode) {
	h.v.notifier.FsnotifyInodeRemove(cur, ino)
}

// superBlock is struct super_block as the VFS sees it: the inode layer's
// part, the root dentry (s_root) and s_vfs_rename_mutex.
type superBlock struct {
	*inode.SuperBlock
	root        *dentry.Dentry // s_root: holds one dentry reference until shutdown
	renameMutex lockdep.Mutex  // s_vfs_rename_mutex
	rdonly      atomic.Bool    // SB_RDONLY: set by "umount /" (do_umount_root)
	writers     atomic.Int32   // files open for writing (mnt_get_writers)
}

// wantWrite is mnt_want_write: EROFS on a read-only file system.
func (m *Mount) wantWrite() error {
	if m.sb.rdonly.Load() {
		return syscall.EROFS
	}
	return nil
}

// EvictInode implements inode.SuperOperations: fsnotify_inode_delete from
// evict() (inotify_inode_is_dead in 2.6.18's clear_inode).
func (v *VFS) EvictInode(cur *lockdep.Task, ino *inode.Inode) {
	if v.p.VnodeLayer {
		femFreeCheck(ino) // vn_free
		return
	}
	v.notifier.FsnotifyInodeDelete(cur, ino)
}

// newTmpfs makes a tmpfs super block whose root directory has rootMode and
// is owned by 0:0 (shmem_fill_super).
func (v *VFS) newTmpfs(cur *lockdep.Task, rootMode uint32) *superBlock {
	dev := v.devs.Add(1)
	sb := &superBlock{SuperBlock: inode.NewSuperBlock(v.icache, dev, v)}
	sb.renameMutex.Init(RenameMutexClass, dev)
	root := inode.New(cur, sb.SuperBlock, rootMode, 0, 0, v.Now())
	root.SetNlink(2)
	sb.root = v.dcache.AllocRoot(cur, root)
	return sb
}
