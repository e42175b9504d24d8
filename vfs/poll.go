package vfs

import (
	"context"
	"syscall"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
)

// PollWaiter is implemented by the FileOperations of a file whose readiness
// a sleeper can wait for (f_op->poll with a poll_table): PollWait returns
// the uapi.POLL* bits ready now and, with them, a channel that the file's
// next wake-up closes (poll_wait's entry on the file's wait queue) and a
// function that removes that entry (poll_freewait, ep_remove). events are
// the bits the sleeper waits for (the poll_table's _key): a file with
// several wait queues picks the one whose wake-ups concern them, as a
// wake-up's key filters epoll's callback. The file takes all three under
// its lock with its readiness, so no wake-up is lost. done may be nil.
type PollWaiter interface {
	PollWait(cur *lockdep.Task, f *File, events uint32) (mask uint32, wake <-chan struct{}, done func(cur *lockdep.Task))
}

// Writer is implemented by the FileOperations of a special file that can be
// written (f_op->write): a pipe's write end, an eventfd. ctx carries the
// cancellation and sleep hooks of a write that may block.
type Writer interface {
	Write(ctx context.Context, cur *lockdep.Task, f *File, data []byte) (int, error)
}

// PollFile is vfs_poll: the readiness of f and its wake-up channel, and
// whether f can be polled at all (file_can_poll). A file with only the
// simple Poller reports POLLIN or nothing, with no wake-up; a file with
// neither is DEFAULT_POLLMASK (a tmpfs file or directory is always ready)
// and cannot be polled (epoll_ctl refuses it).
func PollFile(cur *lockdep.Task, f *File, events uint32) (mask uint32, wake <-chan struct{}, done func(cur *lockdep.Task), canPoll bool) {
	switch ops := f.Ops.(type) {
	case PollWaiter:
		mask, wake, done = ops.PollWait(cur, f, events)
		return mask, wake, done, true
	case Poller:
		if ops.Poll(cur, f) {
			return uapi.POLLIN | uapi.POLLRDNORM, nil, nil, true
		}
		return 0, nil, nil, true
	}
	return uapi.DEFAULT_POLLMASK, nil, nil, false
}

// WriteFile writes data to f: through its Writer if it is a special file
// that has one, else as a tmpfs file or fifo (Write). It is vfs_write's
// dispatch on f_op->write.
func (v *VFS) WriteFile(gctx context.Context, ctx *Context, f *File, data []byte) (int, error) {
	if f.Ops != nil {
		if !f.Writable() {
			return 0, syscall.EBADF
		}
		if w, ok := f.Ops.(Writer); ok {
			return w.Write(gctx, ctx.Cur, f, data)
		}
		return 0, syscall.EINVAL
	}
	return v.Write(ctx, f, data)
}

// NewID returns a number no other file, pipe or eventfd of v has, for
// naming a new special file's lock.
func (v *VFS) NewID() uint64 { return v.fileIDs.Add(1) }
