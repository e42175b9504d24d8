// Package kevent models inotify_kernel_event and an inotify instance's event
// queue: the half of seed 002's struct inotify_device that dev->ev_mutex
// protects (events, event_count, queue_size, max_events), with today's
// fsnotify_insert_event()/inotify_merge() rules or the seeds' rules, as the
// personality says; and the read ABI (inotify_read, FIONREAD, poll).
//
// Lock order: dev->ev_mutex is the innermost inotify lock (seed 002):
//
//	dev->up_mutex
//	  inode->inotify_mutex
//	    ih->mutex
//	      dev->ev_mutex
//
// Lifetimes: a Kevent lives from QueueEventLocked to the read that copies it
// out or to Flush at release; the overflow event of today's kernel is one
// preallocated Kevent per queue, on the list at most once.
package kevent
