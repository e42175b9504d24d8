// Package inotifyfs is today's inotify (fs/notify/inotify/: inotify.h,
// inotify_fsnotify.c, inotify_user.c) over package fsnotify: an instance
// is an fsnotify group whose private data holds the idr of watch
// descriptors, its lock and the user's ucounts; a watch is an
// inotify_inode_mark, an fsnotify mark with a wd. The system calls, the
// instance's file operations (read, poll, FIONREAD and
// INOTIFY_IOC_SETNEXTWD, release), the sysctls and the per-user counts of
// kernel/ucount.c are here; events, marks and their lifetimes are
// fsnotify's. It is the backend of personality linux.
//
// Lock order (inotify's locks, with fsnotify's they nest in):
//
//	fsnotify_mark_srcu             (fsnotify(): inotify_handle_inode_event)
//	  group->mark_mutex            (IN_ONESHOT: fsnotify_destroy_mark)
//	  group->inotify_data.idr_lock (then inotify_remove_from_idr)
//	group->mark_mutex              (inotify_update_watch)
//	  group->inotify_data.idr_lock (inotify_add_to_idr)
//	  ucounts_lock                 (inc_inotify_watches: alloc_ucounts)
//	group->inotify_data.idr_lock   (rm_watch's inotify_idr_find, SETNEXTWD)
//	reaper_work                    (a mark's last group reference)
//	  fsnotify_mark_srcu           (synchronize_srcu)
//	  ucounts_lock                 (inotify_free_group_priv)
//	ucounts_lock                   (inotify_init1: inc_ucount)
//
// Under mark_mutex, fsnotify_find_mark enters the SRCU read side (a
// section may be entered under any lock: see package fsnotify).
// idr_lock is a leaf: the idr's reference on a mark is dropped under it
// only when the lookup holds another, and the lookup's is dropped after
// it. The wd of a mark is written under idr_lock and read without it by
// event delivery (-1: leaving the idr, no event).
//
// Lifetimes: an instance's group lives from inotify_init1 (its file's
// reference) to the release of the file, which destroys the group
// (fsnotify_destroy_group: every mark, then the reaper waited for, then
// the queue), plus one reference per mark until the reaper frees it; its
// ucounts reference, and the user's instance count, go at its last put
// (inotify_free_group_priv). A watch's mark holds one reference from its
// creator (dropped when inotify_new_watch returns), one from the group's
// list while attached, and one from the idr while it has a wd; rm_watch,
// IN_ONESHOT, the inode's death, unmount and release all end in
// fsnotify_destroy_mark (detach, then free: IN_IGNORED, out of the idr,
// the user's watch uncounted), and the last put hands it to the reaper.
// Each watch holds a ucounts reference for its count. The inode is
// pinned by the mark's connector, not by the mark. An event lives from
// inotify_handle_inode_event to a read or the group's flush.
package inotifyfs
