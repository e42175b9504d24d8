package vfs

import (
	"context"
	"encoding/binary"
	"math"
	"syscall"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/wait"
	"github.com/inosim/inosim/uapi"
)

// EventfdLockClass is ctx->wqh.lock, the lock of an eventfd's counter and
// wait queue.
var EventfdLockClass = lockdep.NewClass("ctx->wqh.lock")

// eventfdCtx is struct eventfd_ctx (fs/eventfd.c). The kernel has one wait
// queue and filters wake-ups by their key; here readers and writers wait
// on a queue each, and a sleeper for both on a third.
type eventfdCtx struct {
	semaphore bool

	// lock (ctx->wqh.lock) protects the following fields.
	lock                     lockdep.Mutex
	count                    uint64
	inWait, outWait, anyWait wait.Queue
}

var (
	_ FileOperations = (*eventfdCtx)(nil)
	_ Reader         = (*eventfdCtx)(nil)
	_ Writer         = (*eventfdCtx)(nil)
	_ PollWaiter     = (*eventfdCtx)(nil)
)

// NewEventfd makes an eventfd whose counter starts at initval
// (do_eventfd): its file, with one reference. flags may hold
// EFD_SEMAPHORE and EFD_NONBLOCK.
func (v *VFS) NewEventfd(cur *lockdep.Task, initval uint64, flags int) *File {
	ctx := &eventfdCtx{count: initval, semaphore: flags&uapi.EFD_SEMAPHORE != 0}
	ctx.lock.Init(EventfdLockClass, v.NewID())
	ctx.inWait.Init(&ctx.lock)
	ctx.outWait.Init(&ctx.lock)
	ctx.anyWait.Init(&ctx.lock)
	return v.NewAnonFile(cur, ctx, uapi.O_RDWR|flags&uapi.O_NONBLOCK)
}

// IsEventfd reports whether f is an eventfd.
func IsEventfd(f *File) bool { _, ok := f.Ops.(*eventfdCtx); return ok }

// Release is eventfd_release.
func (c *eventfdCtx) Release(cur *lockdep.Task, f *File) {}

// wakeLocked wakes the sleepers concerned by key (wake_up_locked_poll).
func (c *eventfdCtx) wakeLocked(cur *lockdep.Task, key uint32) {
	if key&uapi.POLLIN != 0 {
		c.inWait.WakeLocked(cur)
	}
	if key&uapi.POLLOUT != 0 {
		c.outWait.WakeLocked(cur)
	}
	c.anyWait.WakeLocked(cur)
}

// Read is eventfd_read: EINVAL for fewer than 8 bytes; the counter (or 1
// with EFD_SEMAPHORE) as 8 bytes in host order, taken from the counter;
// EAGAIN with O_NONBLOCK, else a sleep, while it is 0.
func (c *eventfdCtx) Read(ctx context.Context, cur *lockdep.Task, f *File, n int) ([]byte, error) {
	if n < 8 {
		return nil, syscall.EINVAL
	}
	for {
		c.lock.Lock(cur)
		if c.count > 0 {
			v := c.count
			if c.semaphore {
				v = 1
			}
			c.count -= v
			c.wakeLocked(cur, uapi.POLLOUT)
			c.lock.Unlock(cur)
			return binary.NativeEndian.AppendUint64(nil, v), nil
		}
		if f.Flags&uapi.O_NONBLOCK != 0 {
			c.lock.Unlock(cur)
			return nil, syscall.EAGAIN
		}
		ch := c.inWait.ChanLocked(cur)
		c.lock.Unlock(cur)
		if wait.Schedule(ctx, cur, []<-chan struct{}{ch}, wait.Forever) == wait.Interrupted {
			return nil, syscall.EINTR
		}
	}
}

// Write is eventfd_write: EINVAL for fewer than 8 bytes or the value
// 2^64-1; adds the value, waiting (or EAGAIN) while the sum would pass
// 2^64-2. Every write wakes the readers.
func (c *eventfdCtx) Write(ctx context.Context, cur *lockdep.Task, f *File, data []byte) (int, error) {
	if len(data) < 8 {
		return 0, syscall.EINVAL
	}
	v := binary.NativeEndian.Uint64(data)
	if v == math.MaxUint64 {
		return 0, syscall.EINVAL
	}
	for {
		c.lock.Lock(cur)
		if math.MaxUint64-c.count > v {
			c.count += v
			c.wakeLocked(cur, uapi.POLLIN)
			c.lock.Unlock(cur)
			return 8, nil
		}
		if f.Flags&uapi.O_NONBLOCK != 0 {
			c.lock.Unlock(cur)
			return 0, syscall.EAGAIN
		}
		ch := c.outWait.ChanLocked(cur)
		c.lock.Unlock(cur)
		if wait.Schedule(ctx, cur, []<-chan struct{}{ch}, wait.Forever) == wait.Interrupted {
			return 0, syscall.EINTR
		}
	}
}

// PollWait is eventfd_poll: EPOLLIN while the counter is above 0, EPOLLOUT
// while a write of 1 would not block, EPOLLERR at 2^64-1 (only reachable
// through the kernel's own eventfd_signal, so never here).
func (c *eventfdCtx) PollWait(cur *lockdep.Task, f *File, events uint32) (uint32, <-chan struct{}, func(*lockdep.Task)) {
	c.lock.Lock(cur)
	defer c.lock.Unlock(cur)
	var mask uint32
	if c.count > 0 {
		mask |= uapi.POLLIN | uapi.POLLRDNORM
	}
	if c.count < math.MaxUint64-1 {
		mask |= uapi.POLLOUT | uapi.POLLWRNORM
	}
	if c.count == math.MaxUint64 {
		mask |= uapi.POLLERR
	}
	in, out := events&(uapi.POLLIN|uapi.POLLRDNORM) != 0, events&(uapi.POLLOUT|uapi.POLLWRNORM) != 0
	switch {
	case in && !out:
		return mask, c.inWait.ChanLocked(cur), nil
	case out && !in:
		return mask, c.outWait.ChanLocked(cur), nil
	}
	return mask, c.anyWait.ChanLocked(cur), nil
}
