package inotify

import (
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

var _ vfs.PollWaiter = (*inotifyDevice)(nil)

// PollWait is inotify_poll with its poll_wait on the queue's wait queue:
// readable iff an event is queued; the channel closes when the next event
// is queued (not when one merges or is lost to overflow, as
// fsnotify_insert_event wakes only after a list_add). The sleeper counts
// as a waiter until done.
func (dev *inotifyDevice) PollWait(cur *lockdep.Task, f *vfs.File, events uint32) (uint32, <-chan struct{}, func(*lockdep.Task)) {
	q := dev.queue
	q.EvMutex.Lock(cur)
	defer q.EvMutex.Unlock(cur)
	w := q.wq.PrepareChan(cur)
	var mask uint32
	if q.head != nil {
		mask = uapi.POLLIN | uapi.POLLRDNORM
	}
	return mask, w.Chan(), func(cur *lockdep.Task) {
		q.EvMutex.Lock(cur)
		q.wq.Finish(cur, w)
		q.EvMutex.Unlock(cur)
	}
}
