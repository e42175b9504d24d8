// Package inotifyfem is the backend of seed 004: illumos's inotify driver,
// usr/src/uts/common/io/inotify.c (2015, Joyent and The MathWorks) as
// written, for personality illumos. It is named for what it is built on:
// file event monitoring. The driver has no hooks in the file system; it
// installs a monitor (inotify_femp, vfs.Fem) on every vnode it watches,
// and every vnode operation on that vnode runs through it
// (inotify_fop_*): the monitor lets the operation run (vnext_*) and then
// queues an event, only on success for most, whatever the result for
// read, readdir and write; vnevents (VOP_VNEVENT) tell it of renames,
// removals, links and truncations the file system made.
//
// A watch on a directory with events in IN_CHILD_EVENTS puts a child
// watch (named, with a parent) on each of its entries, and keeps them as
// entries are created, linked, renamed in and out and removed
// (inotify_watch_insert, inotify_watch_delete); an event on a child watch
// is queued on its parent, named. Hard links break this and the seed says
// so: one child watch per vnode, named after the first name it was found
// by, orphaned (not removed) when one of its names goes.
//
// In the seed text (its own line numbers, 1-1500): the structures and
// tunables at lines 53-124; the monitors inotify_fop_* and their template
// at 132-359; the watches (compare, hold, release, event, destroy,
// zombify, add, remove, delete, insert) at 361-825; the ioctls' bodies
// (add_watch, add_child, rm_watch, activate) at 828-975; the cleaner at
// 977-1036; the device (open, read, poll, ioctl, close), attach and the
// module linkage at 1038-1500. In Go: watch.go has the watches and the
// monitors, state.go the instance, its ioctls, the cleaner and the device,
// libc.go the library routines (illumos's libc builds inotify_add_watch
// from open, getdents and the ioctls), inotify.go the driver's globals.
//
// What seed 004 does that a reader of Linux's inotify would not expect,
// all modelled: an event seen through a child watch carries the child
// watch's wd, which is never set (0), not the parent's (line 418 reads it
// before line 437 moves to the parent; fixed later); names are padded to
// sizeof (uintptr_t), 8 bytes, not 16 (lines 419, 491); a full queue turns
// events into IN_Q_OVERFLOW but keeps their names, so overflow events of
// different names do not coalesce (lines 465-495); the test of the tail
// event reads len before it is set (line 479), which GCC folds into the
// overflow branch's 0; cookies are the renaming thread's id, so every
// rename of a thread has the same one; IN_ATTRIB on a removal reaches only
// an explicit watch on the file (lines 290-305); IN_DELETE_SELF of an
// rmdir has no IN_ISDIR (lines 311-319); a watch replaced without child
// events keeps child watches with their old masks, which still queue on
// it (lines 862-871 say they "won't fire"; inotify_watch_event checks only
// the child's mask); a watch is inactive, and drops every event, from
// INOTIFYIOC_ADD_WATCH until libc's INOTIFYIOC_ACTIVATE; and the limits
// are per instance (ins_maxwatches) and per cred_t (instances), copied or
// read from kernel variables at open.
//
// Lock order (the seed states none; this is what its code takes):
//
//	inotify_lock              (the list of instances; inotify_open, inotify_close; nothing inside)
//	ins_lock                  (an instance: its trees, wd arena, queue, orphans, zombies; every watch's flags)
//	  femh_lock               (fem_install, fem_uninstall on a watched vnode)
//	    inw_lock              (FEM's hold and release of a watch, under femh_lock)
//	  inw_lock                (inotify_watch_zombify, inotify_clean's zombies)
//	  inode_lock              (VN_HOLD, VN_RELE: the inode's igrab and iput)
//	  dcache_lock             (inotify_clean's v_count: the vnode's names)
//	femh_lock                 (vhead_*: a reference on the vnode's monitors, taken before any inotify lock)
//	inw_lock                  (fem_release once an operation is done; inotify_close waiting on a zombie)
//
// The monitors run with no FEM lock held and take ins_lock; the VFS may
// hold i_mutex around the vnode operation, so i_mutex comes before all of
// these. inotify_watch_event is called with ins_lock held only for the
// IN_IGNORED of a removal (IN_REMOVAL); otherwise it takes ins_lock
// itself. inw_lock protects only inw_refcnt and inw_cv: the flags
// (zombie, fired, active, orphaned), the mask, the children, the names
// and the links of a watch are its instance's ins_lock's. The seed reads
// inw_mask, inw_parent and inw_wd at the top of inotify_watch_event
// without a lock; they are atomics here, so Go's race detector agrees.
//
// Lifetimes. An instance (inotify_state_t, the soft state of a clone
// minor, a checked object "inotify_state") lives from inotify_open to
// inotify_close. A watch (inotify_watch_t, checked refcount
// "inotify_watch", inw_refcnt) starts at 1, the instance's reference; FEM
// holds it once for each monitor list it is on (fem_install's hold, let
// go by fem_uninstall, or, for a list an operation in flight still uses,
// by that operation's fem_release); each child holds its parent. A
// removed watch is zombified (inotify_watch_zombify): out of every tree,
// destroyed at once if only the instance's reference is left, else put on
// the zombie list (linked through inw_parent) until the cleaner or
// inotify_close find it at 1. A child watch whose file is removed is not
// removed but orphaned (unless the parent has IN_EXCL_UNLINK): it stays
// installed, holding the vnode, so events through files still open reach
// its parent, until the cleaner sees that the watch's hold is the only
// one left on the vnode (v_count == 1) and zombifies it. The vnode is held
// (VN_HOLD) by each live watch from inotify_watch_add to its removal. An
// event (inotify_kevent_t) lives from inotify_watch_event to the read that
// copies it out or inotify_close.
//
// The cleaner. The seed runs inotify_clean from a one-second ddi_periodic
// cyclic per instance. The simulator has no clock that runs by itself: it
// runs each open instance's cleaner once per simulated second, and a
// second passes only when the kernel is told so (sim's Kernel.Tick, a
// scenario's tick command). Between ticks orphans and zombies wait, as
// they would on a real system between two firings of the cyclic, so
// no goroutine's timing can change what happens.
package inotifyfem
