package inotifydev

import (
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

var _ vfs.PollWaiter = (*inotifyDevice)(nil)

// PollWait is inotify_poll (lines 655-667) with its poll_wait on dev->wq:
// readable iff an event is queued; the channel closes when the next event
// is queued. The sleeper counts as a waiter until done.
func (dev *inotifyDevice) PollWait(cur *lockdep.Task, f *vfs.File, events uint32) (uint32, <-chan struct{}, func(*lockdep.Task)) {
	dev.sem.Lock(cur)
	defer dev.sem.Unlock(cur)
	w := dev.wq.PrepareChan(cur)
	var mask uint32
	if dev.head != nil {
		mask = uapi.POLLIN | uapi.POLLRDNORM
	}
	return mask, w.Chan(), func(cur *lockdep.Task) {
		dev.sem.Lock(cur)
		dev.wq.Finish(cur, w)
		dev.sem.Unlock(cur)
	}
}
