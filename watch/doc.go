// Package watch models struct inotify_watch (seed 001): one watch of one
// inotify handle on one inode.
//
// Locking (seed 001): the i_list entry and the mask are protected by
// inode->inotify_mutex; the h_list entry by ih->mutex; Ih, Inode and Wd
// never change once the watch is added.
//
// Lifetime (seed 001): from inotify_add_watch() to the final
// put_inotify_watch(). The watch starts with one reference (the "initial
// get"); the consumer drops it when it receives IN_IGNORED (or, with
// IN_ONESHOT, its event), and inotify_destroy() drops it for watches that
// never get one. Other paths hold temporary references across lock
// changes. The final put drops the inode reference taken by igrab, calls
// the owner's destroy_watch op, then puts the handle.
package watch
