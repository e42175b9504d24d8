// Package inotify is the backend of seeds 001 and 002: fs/inotify.c after
// the kernel-API split (struct inotify_handle, struct inotify_watch, the
// idr of watch descriptors, and the API: inotify_init, inotify_destroy,
// inotify_find_update_watch, inotify_add_watch, inotify_rm_wd and the
// event producers inotify_inode_queue_event,
// inotify_dentry_parent_queue_event, inotify_get_cookie,
// inotify_unmount_inodes, inotify_inode_is_dead) in inotify.go (the idr is
// package internal/idr),
// and fs/inotify_user.c over it (the device, create_watch, the event queue,
// the read ABI, the system calls, the sysctls and per-user counts) in
// inotify_user.go and queue.go. Any in-kernel consumer can use the API (the
// device is one; an audit-like consumer in the tests is another). It is
// the backend of personalities linux-2.6.18 and linux-2.6.25, whose eras
// differ in a few rules (package personality: the merge target, the read
// of a too-small buffer); today's kernel has its own, packages fsnotify
// and inotifyfs, and keeps no switch here.
//
// In the seed texts: seed 001 is the patch to fs/inotify.c (its lines
// 16–1210: the lock and lifetime comments at the top, the kernel API from
// about line 200); seed 002 is fs/inotify_user.c whole (the code from line
// 746: the lock order at 793, the device at 819, the system calls from
// 1301). Seed 000 (fs/inotify.c of 2.6.13) has its own backend, package
// inotifydev, which personality linux-2.6.13 runs.
//
// Lock order (seed 001, with seed 002's device locks around and inside):
//
//	dev->up_mutex               (ensures we don't re-add the same watch)
//	  inode->inotify_mutex      (inode->inotify_watches, watch->i_list, mask)
//	    ih->mutex               (ih->watches, watch->h_list, the idr, last_wd)
//	      dev->ev_mutex         (the device's event queue)
//	      dcache_lock           (set_dentry_child_flags)
//	        dentry->d_lock
//	      inode_lock            (igrab at add; iput at a final put)
//	iprune_mutex                (held by the unmount that calls UnmountInodes)
//	  inode_lock                (sb->s_inodes; dropped around each inode)
//	  inode->inotify_mutex      (each inode's watches get IN_UNMOUNT and go)
//	    ih->mutex
//	      dev->ev_mutex
//	      dcache_lock
//	uidhash_lock                (the per-user counts; nothing nests inside)
//
// inotify_dentry_parent_queue_event takes dentry->d_lock only to read
// d_parent and d_name and drops it before inode->inotify_mutex. The
// consumer's handle_event runs with inode->inotify_mutex and ih->mutex held:
// it must not call back into the API.
//
// Lifetimes: an InotifyHandle lives from InotifyInit to Destroy, plus one
// reference per watch (get_inotify_handle at add, put at the watch's final
// put). A watch lives from AddWatch (the initial reference) to its final
// put, which drops the inode reference taken by igrab, calls the
// consumer's destroy_watch and puts the handle; the device drops the
// initial reference when IN_IGNORED reaches it, inotify_destroy for the
// watches that never get one. rm_wd and inotify_destroy hold a temporary
// reference across the gap where they drop ih->mutex to take the inode's
// mutex first (seed 001's "make sure that we did not race"); nothing else
// does. A device lives from inotify_init1 to the release of its file, plus
// one reference per watch (create_watch → free_inotify_user_watch); the
// per-user instance count goes with its final put, the watch count with
// each watch. A queued event lives until a read copies it out or release
// flushes it.
package inotify
