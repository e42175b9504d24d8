// Package fsnotify is today's fs/notify (fs/notify/fsnotify.c, group.c,
// mark.c, notification.c, fsnotify.h and include/linux/fsnotify_backend.h)
// as inotify uses it: groups (one per listener) with their event queue,
// marks (one group's interest in one inode) hung on the inode through a
// connector, the walk of an event over the marks of an inode and of its
// parent inside an SRCU read-side section, and the reaper that frees
// marks and connectors once a grace period has passed. Package inotifyfs
// (fs/notify/inotify/) is the backend on top. Mount and super block marks,
// fanotify's permission events and ignore masks, and group priorities are
// not modelled: inotify has none of them.
//
// Lock order (mark.c's LOCKING block, with the rest of fs/notify around
// it):
//
//	[a hook's caller: i_mutex, iprune_mutex; any lock may enter the read side]
//	  fsnotify_mark_srcu        (read side: fsnotify(), fsnotify_grab_connector)
//	    group->mark_mutex       (IN_ONESHOT: fsnotify_destroy_mark inside fsnotify())
//	      mark->lock
//	        mark->connector->lock
//	      mark->connector->lock (fsnotify_put_mark's last put, under refcount_dec_and_lock)
//	      dcache_lock           (fsnotify_set_children_dentry_flags; i_lock today)
//	        dentry->d_lock
//	    mark->lock
//	    mark->connector->lock   (fsnotify_grab_connector returns with it held)
//	    group->notification_lock (fsnotify_insert_event, IN_IGNORED)
//	    destroy_lock            (a last put queues the mark and its connector)
//	  group->mark_mutex         (rm_watch, release, inode death, unmount)
//	    mark->lock
//	      mark->connector->lock
//	    mark->connector->lock
//	    dcache_lock
//	      dentry->d_lock
//	  mark->lock
//	    mark->connector->lock
//	  mark->connector->lock
//	  group->notification_lock
//	  destroy_lock
//	  dentry->d_lock            (fsnotify_parent: dget_parent, the name, the lazy flag clear)
//	reaper_work                 (the kernel thread: fsnotify_mark_destroy_workfn)
//	  destroy_lock
//	  fsnotify_mark_srcu        (synchronize_srcu: nothing a reader takes may be held)
//	connector_reaper_work       (fsnotify_connector_destroy_workfn)
//	  destroy_lock
//	  fsnotify_mark_srcu
//
// The read side of fsnotify_mark_srcu is a lockdep map taken for reading
// (package srcu): a section may be entered under any lock, mark_mutex and
// mark->lock included (fsnotify_find_mark, fsnotify_add_mark_list), since
// a reader never waits for a reader; what matters is what a section takes,
// and that nothing a reader takes is held around synchronize_srcu, which
// only the reaper calls, holding nothing but its work.
//
// Lifetimes: a Group lives from AllocGroup (the creator's reference) to
// its last Put; each mark holds a reference on it from InitMark until the
// reaper frees the mark. A Mark starts with the creator's reference; while
// attached, its group's list holds one (AddInodeMarkLocked to DetachMark),
// and a backend may hold more (inotify's idr). At its last PutMark the mark
// leaves its connector's list (readers already on it walk on) and waits on
// destroy_list; the reaper frees it after a grace period (kref's InitRCU:
// "free" in a history). A Connector is made at an inode's first mark; it
// pins the inode (fsnotify_get_inode_ref) while a mark attached to it wants
// that, which for inotify is while it has any; it is detached from the
// inode when its last mark leaves (or at once when the inode dies:
// fsnotify_destroy_marks), dropping the inode reference then, and freed
// by the reaper after a grace period. Events live from the backend's
// allocation to a read or the group's flush; the overflow event lives as
// long as the group and is queued at most once.
//
// The reaper: the kernel queues its two work items (queue_work) and a
// worker thread runs them later. The simulated kernel runs queued work on
// a kernel thread of its own at the end of every system call and at
// shutdown (hooks.Kthread), and fsnotify_wait_marks_destroyed runs it at
// once while the caller waits; so when a mark is freed never depends on
// a goroutine's timing. A grace period still waits for every reader that
// entered before it, which only concurrent tasks ever see.
package fsnotify
