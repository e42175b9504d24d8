// Package inotifydev is the backend of seed 000: fs/inotify.c as merged for
// 2.6.13, the first inotify, as written (where it differs from the
// released 2.6.13, the seed wins). It is named for what that inotify is
// built around: struct inotify_device. There is no handle layer and no
// in-kernel API for other consumers (seed 001 added both): the device owns
// the idr of wds, its watches and its event queue under one semaphore,
// dev->sem, and the fsnotify hooks call straight into code that queues on
// devices. Personality linux-2.6.13 runs on it; package inotify is the
// backend of seeds 001 and 002.
//
// In the seed text (the patch's line numbers): the globals and the lock and
// lifetime comments at lines 80-116, the structures at 118-165, the
// references at 167-197, the queue (kernel_event, inotify_dev_queue_event,
// remove_kevent) at 199-340, the wds and create_watch at 342-424, the
// removal of watches at 426-473, the kernel API the hooks call at 475-651
// (all in inotify.go); the device interface (poll, read, release,
// inotify_ignore, ioctl), the system calls and the initcall at 653-1038
// (device.go).
//
// What seed 000 does that later inotify does not: the first wd is 0 and a
// freed wd is handed out again at once (idr_get_new); add_watch keeps
// mask & IN_ALL_EVENTS, so there is no IN_MASK_ADD, IN_ONESHOT is dropped
// and a re-add replaces the mask; a new event is merged only with the
// oldest unread one, comparing its cookie too; a full queue queues
// IN_Q_OVERFLOW with the incoming cookie, again after every read that
// frees room; a read too small for the first event returns 0; and
// add_watch and rm_watch use any fd's private_data as their device, so a
// non-inotify fd oopses (a *hooks.Oops, after the simulator unwinds the
// call).
//
// Lock order (seed 000's comment, lines 92-100, as its code takes them):
//
//	inode->inotify_sem        (inode->inotify_watches, watch->i_list, watch->mask)
//	  dev->sem                (the device: its idr, watches and events, watch->d_list)
//	    inode_lock            (igrab in create_watch; iput at a watch's final put)
//	iprune_mutex              (the seed's iprune_sem, held around inotify_unmount_inodes)
//	  inode_lock              (sb->s_inodes; dropped around each inode)
//	  inode->inotify_sem      (each inode's watches get IN_UNMOUNT and go)
//	    dev->sem
//	dentry->d_lock            (inotify_dentry_parent_queue_event; dropped before the rest)
//
// The seed's comment puts inode_lock beside inode->inotify_sem, under
// iprune_sem, but its own code takes inode_lock inside both sems (igrab in
// create_watch, iput when remove_watch_no_event puts a watch for the last
// time), which is why inotify_unmount_inodes drops inode_lock around each
// inode. dentry->d_lock comes first in the comment because
// inotify_dentry_parent_queue_event takes it first, but it drops it before
// any inotify lock. The Go code keeps that order. Where it differs from
// the seed is not the order but three reads the seed makes without a lock
// and Go's race detector refuses: inotify_inode_watched's list_empty and
// inotify_ioctl's queue_size are atomic here, and d_name is read under
// d_lock. The sems are checked lockdep.Mutexes (the seed uses them as
// mutexes: sema_init(&dev->sem, 1)); the device's wait queue, which has
// its own spinlock in the kernel, is a channel under dev->sem.
//
// Lifetimes (lines 102-116): a device lives from sys_inotify_init (count 1,
// the file's) to inotify_release's put, plus one reference per watch
// (create_watch's get_inotify_dev, put at the watch's final put); the
// user's device count goes with its final put. A watch lives from
// create_watch (count 1, "our entry in dev->watches") to its final put,
// which puts the device and then iputs the inode that create_watch
// igrab'ed; remove_watch_no_event drops the list's reference.
// inotify_inode_queue_event, inotify_ignore and inotify_release hold a
// temporary reference around their work; inotify_inode_is_dead and
// inotify_unmount_inodes hold none (the hook's caller, and the unmount's
// __iget, pin the inode), so a final put may run under both sems. A queued
// event lives until a read copies it out or release frees it.
package inotifydev
