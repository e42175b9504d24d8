package inotify

import (
	"context"
	"syscall"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/internal/sched"
	"github.com/inosim/inosim/uapi"
)

// EvMutexClass is dev->ev_mutex.
var EvMutexClass = lockdep.NewClass("dev->ev_mutex")

// Kevent is one queued event (struct inotify_kernel_event).
type Kevent struct {
	Wd     int32
	Mask   uapi.Mask
	Cookie uint32
	Name   string
	next   *Kevent
}

// Size is the event's size on the read ABI: 16 bytes plus the padded name.
func (e *Kevent) Size() int { return uapi.EventHeaderSize + uapi.PaddedNameLen(len(e.Name)) }

// Result says what became of an event offered to the queue.
type Result int

const (
	Queued     Result = iota
	Merged            // coalesced with the event it was compared to
	Overflowed        // not queued; the queue was full (an IN_Q_OVERFLOW may have been queued in its place)
	Shutdown          // the instance is being released
)

// Queue is the event queue of one inotify instance.
type Queue struct {
	// EvMutex (dev->ev_mutex) protects the following fields.
	EvMutex    lockdep.Mutex
	head, tail *Kevent
	eventCount int // event_count / q_len, the overflow event included
	queueSize  int // queue_size in bytes, for FIONREAD
	maxEvents  int
	shutdown   bool
	wq         sched.WaitQueue // dev->wq: readers sleep here
	stats      hooks.QueueStats
	free       *Kevent // read events kept for reuse (the kernel's event cache)
	nfree      int

	p *personality.P
}

// NewQueue returns an empty queue holding at most maxEvents events (the
// max_queued_events sysctl copied at inotify_init). id names its lock.
func NewQueue(p *personality.P, maxEvents int, id uint64) *Queue {
	q := &Queue{maxEvents: maxEvents, p: p}
	q.EvMutex.Init(EvMutexClass, id)
	q.wq.Init("dev->wq", &q.EvMutex)
	return q
}

// QueueEventLocked offers an event to the queue: seed 002's
// inotify_dev_queue_event() body.
// Precondition: EvMutex is held.
func (q *Queue) QueueEventLocked(cur *lockdep.Task, wd int32, mask uapi.Mask, cookie uint32, name string) Result {
	lockdep.AssertHeld(cur, &q.EvMutex)
	q.stats.Offered++
	if q.shutdown {
		q.stats.Dropped++
		return Shutdown
	}
	r := q.insertSeedLocked(cur, wd, mask, cookie, name)
	switch r {
	case Queued:
		q.stats.Queued++
	case Merged:
		q.stats.Merged++
	default:
		q.stats.Dropped++
	}
	return r
}

// maxFree bounds the events kept for reuse per queue.
const maxFree = 256

// newKeventLocked allocates an event (kernel_event), from the free list
// when it can (kmem_cache_alloc(event_cachep) in the seeds).
func (q *Queue) newKeventLocked(wd int32, mask uapi.Mask, cookie uint32, name string) *Kevent {
	e := q.free
	if e == nil {
		return &Kevent{Wd: wd, Mask: mask, Cookie: cookie, Name: name}
	}
	q.free, q.nfree = e.next, q.nfree-1
	*e = Kevent{Wd: wd, Mask: mask, Cookie: cookie, Name: name}
	return e
}

// freeKeventLocked returns a read event for reuse (kmem_cache_free).
func (q *Queue) freeKeventLocked(e *Kevent) {
	if q.nfree >= maxFree {
		return
	}
	*e = Kevent{next: q.free}
	q.free = e
	q.nfree++
}

// mergeTarget is the queued event a new one is compared with: the newest
// (seed 002's inotify_dev_get_last_event) or, in 2.6.18 and with
// BugHeadMerge, the oldest (inotify_dev_get_event).
func (q *Queue) mergeTarget() *Kevent {
	if q.p.Merge == personality.MergeHead || q.p.Has(personality.BugHeadMerge) {
		return q.head
	}
	return q.tail
}

// insertSeedLocked is seed 002's inotify_dev_queue_event(): coalesce first,
// then event_count > max drops and == max queues an overflow event that
// carries the incoming cookie.
func (q *Queue) insertSeedLocked(cur *lockdep.Task, wd int32, mask uapi.Mask, cookie uint32, name string) Result {
	if last := q.mergeTarget(); last != nil && q.mergeable(last, wd, mask, cookie, name) {
		return Merged
	}
	if q.eventCount > q.maxEvents {
		return Overflowed
	}
	if q.eventCount == q.maxEvents {
		q.appendLocked(cur, q.newKeventLocked(-1, uapi.IN_Q_OVERFLOW, cookie, ""))
		q.stats.Overflows++
		return Overflowed
	}
	q.appendLocked(cur, q.newKeventLocked(wd, mask, cookie, name))
	return Queued
}

// mergeable is the seeds' event_compare: same wd, mask, cookie and name.
func (q *Queue) mergeable(old *Kevent, wd int32, mask uapi.Mask, cookie uint32, name string) bool {
	return old.Mask == mask && old.Wd == wd && old.Cookie == cookie && old.Name == name
}

func (q *Queue) appendLocked(cur *lockdep.Task, e *Kevent) {
	e.next = nil
	if q.tail == nil {
		q.head = e
	} else {
		q.tail.next = e
	}
	q.tail = e
	q.eventCount++
	q.queueSize += e.Size()
	q.wq.WakeUp(cur) // wake_up_interruptible(&dev->wq)
}

// removeFirstLocked pops the oldest event (remove_kevent /
// fsnotify_remove_first_event).
func (q *Queue) removeFirstLocked() *Kevent {
	e := q.head
	q.head = e.next
	if q.head == nil {
		q.tail = nil
	}
	e.next = nil
	q.eventCount--
	q.queueSize -= e.Size()
	return e
}

// Read models inotify_read(): wait for an event unless nonblock (EAGAIN),
// honouring ctx as a signal (EINTR); then copy out whole events while they
// fit in count bytes. If the first event does not fit, the personality's
// ReadTooSmall is returned (EINVAL from 2.6.21, 0 bytes before), except
// that seed 002 returns 0 for a read of 0 bytes (ReadZeroIsZero).
func (q *Queue) Read(ctx context.Context, cur *lockdep.Task, count int, nonblock bool) ([]byte, error) {
	for {
		q.EvMutex.Lock(cur)
		if q.head != nil {
			break
		}
		if nonblock {
			q.EvMutex.Unlock(cur)
			return nil, syscall.EAGAIN
		}
		w := q.wq.Prepare(cur)
		q.EvMutex.Unlock(cur)
		w.Sleep(ctx, cur) // schedule()
		q.EvMutex.Lock(cur)
		q.wq.Finish(cur, w)
		q.EvMutex.Unlock(cur)
		if ctx.Err() != nil {
			return nil, syscall.EINTR
		}
	}
	defer q.EvMutex.Unlock(cur)
	size := 0 // the bytes that fit: one allocation for the whole read
	for e := q.head; e != nil && size+e.Size() <= count; e = e.next {
		size += e.Size()
	}
	var buf []byte
	if size > 0 {
		buf = make([]byte, 0, size)
	}
	for len(buf) < size {
		e := q.removeFirstLocked()
		buf = uapi.Event{Wd: e.Wd, Mask: e.Mask, Cookie: e.Cookie, Name: e.Name}.AppendEncode(buf)
		q.freeKeventLocked(e)
	}
	if len(buf) == 0 && q.p.ReadTooSmall != 0 && !(count == 0 && q.p.ReadZeroIsZero) {
		return nil, syscall.Errno(q.p.ReadTooSmall)
	}
	return buf, nil
}

// Fionread is the FIONREAD ioctl: the bytes a large read would return now.
func (q *Queue) Fionread(cur *lockdep.Task) int {
	q.EvMutex.Lock(cur)
	defer q.EvMutex.Unlock(cur)
	return q.queueSize
}

// Poll is inotify_poll(): readable iff an event is queued.
func (q *Queue) Poll(cur *lockdep.Task) bool {
	q.EvMutex.Lock(cur)
	defer q.EvMutex.Unlock(cur)
	return q.head != nil
}

// Flush frees every queued event and stops queueing: release
// (inotify_release's loop of inotify_dev_event_dequeue).
func (q *Queue) Flush(cur *lockdep.Task) {
	q.EvMutex.Lock(cur)
	defer q.EvMutex.Unlock(cur)
	q.shutdown = true
	for q.head != nil {
		q.removeFirstLocked()
	}
	q.free, q.nfree = nil, 0
}

// Snapshot returns a copy of the queue's state.
func (q *Queue) Snapshot(cur *lockdep.Task) hooks.QueueSnapshot {
	q.EvMutex.Lock(cur)
	defer q.EvMutex.Unlock(cur)
	s := hooks.QueueSnapshot{EventCount: q.eventCount, QueueSize: q.queueSize, MaxEvents: q.maxEvents, Stats: q.stats}
	for e := q.head; e != nil; e = e.next {
		s.Events = append(s.Events, uapi.Event{Wd: e.Wd, Mask: e.Mask, Cookie: e.Cookie, Name: e.Name})
	}
	return s
}
