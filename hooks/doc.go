// Package hooks is the boundary between the simulated VFS and a
// notification backend: the bodies of include/linux/fsnotify.h's hooks
// (which events each VFS operation sends, in which order, to the inode and
// to its parent), and the interfaces a backend implements.
//
// The VFS calls a vfs.Notifier at the kernel's hook points. For the Linux
// generations that notifier is Fsnotify: the one place that knows hook →
// event. It hands each event to one of two kernel APIs: a Target, the API
// every Linux inotify of the seeds exports for producing events (seed
// 000's and seed 001's inotify_inode_queue_event,
// inotify_dentry_parent_queue_event, inotify_inode_is_dead,
// inotify_unmount_inodes, inotify_get_cookie), or a Fsnotifier, today's
// fs/notify (fsnotify(), __fsnotify_parent, __fsnotify_inode_delete,
// fsnotify_sb_delete, fsnotify_get_cookie). A backend that observes vnode
// operations instead (illumos) has no hooks: its Notifier is
// vfs.NopNotifier, and it installs monitors on the vnodes it watches
// through the VFS's FEM (vfs.FemInstall), which the VFS runs at every vnode
// operation on them. Ticker and StructIoctler are optional interfaces for
// what such a backend also needs of the kernel.
//
// The system calls reach a backend through Backend; the task making the
// call is a Caller. A backend that leaves work to a kernel thread (today's
// reaper) is also a Kthread, which the simulated kernel runs at fixed
// points; one that can describe an instance for invariant checks is an
// Inspector.
//
// Locks: this package owns none. Fsnotify takes none itself; the Target
// takes the backend's locks, and the VFS holds none of them when it calls
// a hook (it may hold i_mutex).
package hooks
