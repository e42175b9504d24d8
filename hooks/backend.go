package hooks

import (
	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// Caller is the task making a system call, as a backend sees it: current
// (its lockdep state), its credentials and namespace, and its fd table.
type Caller interface {
	Cur() *lockdep.Task
	Ctx() *vfs.Context
	VFS() *vfs.VFS
	// Fget returns fd's file with a reference (fget): EBADF if none.
	Fget(fd int) (*vfs.File, error)
	// InstallFile puts f in the lowest free fd, taking over the caller's
	// reference (get_unused_fd_flags + fd_install): EMFILE if none.
	InstallFile(f *vfs.File, cloexec bool) (int, error)
	// CloseFd closes fd (close_fd + filp_close), for a backend whose
	// system call is a library routine that opens and closes files of
	// its own (illumos's inotify_add_watch): EBADF if it is not open.
	CloseFd(fd int) error
}

// Backend is one generation of inotify inside the simulated kernel: the
// hooks the VFS calls and the inotify system calls. Reads, ioctls, poll
// and release reach it through the file operations of the files it
// installs (vfs.Reader, vfs.Ioctler, vfs.Poller, vfs.FileOperations).
type Backend interface {
	// Notifier is what the VFS calls at each hook point.
	Notifier() vfs.Notifier

	InotifyInit1(c Caller, flags int) (int, error)
	InotifyAddWatch(c Caller, fd int, path string, mask uint32) (int, error)
	InotifyRmWatch(c Caller, fd int, wd int) error

	// SetSysctl and Sysctl are /proc/sys/fs/inotify/KEY (ENOENT for an
	// unknown key, EINVAL for a value out of range).
	SetSysctl(key string, v int64) error
	Sysctl(key string) (int64, error)
}

// Target is the kernel API for producing events that include/linux/
// fsnotify.h calls in seeds 000–002: each backend of that shape implements
// it, and Fsnotify turns the VFS's hooks into calls of it.
type Target interface {
	// InodeQueueEvent is inotify_inode_queue_event: mask to every watch
	// on ino that wants it. (The seeds' eras had no IN_EXCL_UNLINK, so no
	// argument says whether the event's dentry is unlinked.)
	InodeQueueEvent(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask, cookie uint32, name string)
	// DentryParentQueueEvent is inotify_dentry_parent_queue_event: mask,
	// named after d, to d's parent if the parent is watched.
	DentryParentQueueEvent(cur *lockdep.Task, d *dentry.Dentry, mask uapi.Mask, cookie uint32)
	// InodeIsDead is inotify_inode_is_dead: every watch on ino goes.
	InodeIsDead(cur *lockdep.Task, ino *inode.Inode)
	// UnmountInodes is inotify_unmount_inodes: IN_UNMOUNT to every watch
	// on sb's inodes, which then go. Called with iprune_mutex and
	// inode_lock held.
	UnmountInodes(cur *lockdep.Task, sb *inode.SuperBlock)
	// GetCookie is inotify_get_cookie: a new nonzero rename cookie.
	GetCookie() uint32
}

// Ticker is implemented by a backend with periodic work of its own, which
// the simulator runs only when simulated time passes (Kernel.Tick): seed
// 004's inotify_clean, a ddi_periodic cyclic of one second per instance.
type Ticker interface {
	// Tick runs one second's worth of the backend's periodic work, as
	// the kernel thread cur.
	Tick(cur *lockdep.Task)
}

// StructIoctler is implemented by a backend whose instances take ioctls
// with a structure for argument (copyin from the caller's memory) that
// name other files of the caller (getf): illumos's INOTIFYIOC_ADD_WATCH
// (a uapi.InotifyAddwatch) and INOTIFYIOC_ADD_CHILD (a
// uapi.InotifyAddchild). Requests with a plain argument go through the
// file's vfs.Ioctler.
type StructIoctler interface {
	InotifyIoctl(c Caller, fd int, req uint, arg any) (int, error)
}

// Fsnotifier is today's kernel API for producing events, that of
// fs/notify/fsnotify.c (since 2.6.31), which include/linux/fsnotify.h calls:
// one fsnotify() per event, told the inode, its directory and the name, and
// walking every group's marks on them; a backend of that shape implements
// it, and Fsnotify turns the VFS's hooks into calls of it.
type Fsnotifier interface {
	// FsnotifyName is fsnotify_name: a directory entry event on dir,
	// named.
	FsnotifyName(cur *lockdep.Task, dir *inode.Inode, mask uapi.Mask, name string, cookie uint32)
	// FsnotifyInode is fsnotify_inode: an event on ino itself. unlinked
	// says the event carries a path whose dentry is unlinked
	// (IN_EXCL_UNLINK marks skip it).
	FsnotifyInode(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask, unlinked bool)
	// FsnotifyParent is fsnotify_parent (__fsnotify_parent): mask to d's
	// inode and, if d's parent watches its children, to the parent, named
	// after d, in one fsnotify() call.
	FsnotifyParent(cur *lockdep.Task, d *dentry.Dentry, mask uapi.Mask, unlinked bool)
	// InodeDelete is __fsnotify_inode_delete: every mark on ino goes.
	InodeDelete(cur *lockdep.Task, ino *inode.Inode)
	// SbDelete is fsnotify_sb_delete: IN_UNMOUNT to every watched inode of
	// sb, whose marks then go. Called as the VFS calls UnmountInodes, with
	// iprune_mutex and inode_lock held.
	SbDelete(cur *lockdep.Task, sb *inode.SuperBlock)
	// GetCookie is fsnotify_get_cookie: a new rename cookie.
	GetCookie() uint32
}

// Kthread is implemented by a backend that leaves work to a kernel thread
// (today's fsnotify reaper, which frees marks and connectors after an SRCU
// grace period). The simulated kernel runs the queued work at points that
// depend on no goroutine's timing: at the end of every system call, and
// at shutdown.
type Kthread interface {
	RunQueuedWork(cur *lockdep.Task)
}

// QueueStats counts what an instance's queue did with the events offered
// to it, so that every generated event is accounted for.
type QueueStats struct {
	Offered, Queued, Merged, Dropped int
	Overflows                        int // IN_Q_OVERFLOW events queued
}

// QueueSnapshot describes an instance's queue for invariant checks.
type QueueSnapshot struct {
	Events     []uapi.Event
	EventCount int
	QueueSize  int
	MaxEvents  int
	Stats      QueueStats
}

// InstanceInfo is a snapshot of one inotify instance: the wds in its idr,
// the wds of the watches on its own list (the seeds' h_list, today's
// group->marks_list), which must agree, and its queue.
type InstanceInfo struct {
	WdsInIdr, WdsOnList []int32
	Queue               QueueSnapshot
}

// Inspector is implemented by a backend that can describe the instance
// behind an fd, for invariant checks (EBADF, or EINVAL for an fd that is
// not an instance).
type Inspector interface {
	InotifyInfo(c Caller, fd int) (InstanceInfo, error)
}
