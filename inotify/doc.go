// Package handle models struct inotify_handle and the in-kernel inotify API
// of seed 001 (fs/inotify.c after the kernel-API split): inotify_init,
// inotify_destroy, inotify_find_update_watch, inotify_add_watch,
// inotify_rm_wd, inotify_inode_queue_event, inotify_dentry_parent_queue_event,
// inotify_get_cookie, inotify_unmount_inodes and inotify_inode_is_dead, with
// the idr that hands out watch descriptors. Any in-kernel consumer can use
// it (the user-space device in package sim is one; an audit-like consumer in
// the tests is another). It also implements the fsnotify hooks the VFS calls
// (include/linux/fsnotify.h of the same era): Fsnotify.
//
// Lock order (seed 001, with seed 002's device locks around and inside):
//
//	dentry->d_lock            (only to read d_parent; dropped before the next)
//	iprune_mutex
//	  inode_lock              (sb->s_inodes; dropped around each inode)
//	dev->up_mutex             (the consumer's; ensures one add at a time)
//	  inode->inotify_mutex    (inode->inotify_watches, watch->i_list, mask)
//	    ih->mutex             (ih->watches, watch->h_list, the idr, last_wd)
//	      dev->ev_mutex       (the consumer's event queue)
//	    dcache_lock           (set_dentry_child_flags)
//	      dentry->d_lock
//
// inode->inotify_mutex and ih->mutex are held while the consumer's
// handle_event runs: it must not call back into this API.
//
// Lifetimes (seed 001): an InotifyHandle lives from InotifyInit to
// Destroy, plus one reference per watch (get_inotify_handle at add, put
// at the watch's final put). Watches: see package watch. An inode is
// pinned by each watch on it (igrab at add, iput at the final put).
package inotify
