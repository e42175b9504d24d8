package eventpoll

import (
	"context"
	"syscall"
	"time"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/wait"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// MtxClass is ep->mtx.
var MtxClass = lockdep.NewClass("ep->mtx")

// Event is struct epoll_event: the events and the caller's data word.
type Event struct {
	Events uint32
	Data   uint64
}

// EP_MAX_EVENTS bounds epoll_wait's maxevents (INT_MAX / sizeof(struct
// epoll_event)).
const EP_MAX_EVENTS = (1<<31 - 1) / 12

// privateBits are EP_PRIVATE_BITS: what stays of a fired one-shot item.
const privateBits = uapi.EPOLLWAKEUP | uapi.EPOLLONESHOT | uapi.EPOLLET | uapi.EPOLLEXCLUSIVE

// exclusiveOK are EPOLLEXCLUSIVE_OK_BITS.
const exclusiveOK = uapi.POLLIN | uapi.POLLOUT | uapi.POLLERR | uapi.POLLHUP |
	uapi.EPOLLWAKEUP | uapi.EPOLLET | uapi.EPOLLEXCLUSIVE

// Eventpoll is struct eventpoll, an epoll instance's file operations.
type Eventpoll struct {
	id uint64

	// mtx (ep->mtx) protects the following fields.
	mtx   lockdep.Mutex
	items []*epitem // the red-black tree, in order of registration
	ready []*epitem // rdllist
	wq    wait.Queue
}

// epitem is struct epitem: one file watched by an instance.
type epitem struct {
	file   *vfs.File
	fd     int
	event  Event
	linked bool // on ready
	wake   <-chan struct{}
	done   func(*lockdep.Task)
}

var _ vfs.FileOperations = (*Eventpoll)(nil)

// New makes an epoll instance (do_epoll_create): its file with one
// reference.
func New(cur *lockdep.Task, v *vfs.VFS, id uint64) *vfs.File {
	ep := &Eventpoll{id: id}
	ep.mtx.Init(MtxClass, id)
	ep.wq.Init(&ep.mtx)
	return v.NewAnonFile(cur, ep, uapi.O_RDWR)
}

// Of returns the instance behind f, or nil (is_file_epoll).
func Of(f *vfs.File) *Eventpoll { ep, _ := f.Ops.(*Eventpoll); return ep }

// Release is ep_free: every item goes.
func (ep *Eventpoll) Release(cur *lockdep.Task, f *vfs.File) {
	ep.mtx.Lock(cur)
	defer ep.mtx.Unlock(cur)
	for _, it := range ep.items {
		it.unregister(cur)
	}
	ep.items, ep.ready = nil, nil
}

func (it *epitem) unregister(cur *lockdep.Task) {
	if it.done != nil {
		it.done(cur)
	}
	it.wake, it.done = nil, nil
}

func dead(f *vfs.File) bool { return f.Count.Count() <= 0 }

// pollLocked is ep_item_poll with the callback's part: it polls the item's
// file, arming a new wake-up channel, and, if the old one was closed (the
// file woke), links the item on the ready list as ep_poll_callback would.
// It returns the ready events the item waits for.
// Precondition: ep->mtx is held.
func (ep *Eventpoll) pollLocked(cur *lockdep.Task, it *epitem) uint32 {
	lockdep.AssertHeld(cur, &ep.mtx)
	mask, wake, done, _ := vfs.PollFile(cur, it.file, it.event.Events)
	if wait.Closed(it.wake) {
		ep.callbackLocked(cur, it)
	}
	it.unregister(cur)
	it.wake, it.done = wake, done
	return mask & it.event.Events
}

// callbackLocked is ep_poll_callback: a disabled (fired one-shot) item is
// not linked. Precondition: ep->mtx is held.
func (ep *Eventpoll) callbackLocked(cur *lockdep.Task, it *epitem) {
	lockdep.AssertHeld(cur, &ep.mtx)
	if it.event.Events&^privateBits == 0 || it.linked {
		return
	}
	it.linked = true
	ep.ready = append(ep.ready, it)
	ep.wq.WakeLocked(cur)
}

// scanLocked drops the items whose files are gone and runs the callback of
// every item whose file woke since it was armed.
// Precondition: ep->mtx is held.
func (ep *Eventpoll) scanLocked(cur *lockdep.Task) {
	lockdep.AssertHeld(cur, &ep.mtx)
	live := ep.items[:0]
	for _, it := range ep.items {
		if dead(it.file) {
			ep.unlinkLocked(cur, it)
			it.unregister(cur)
			continue
		}
		live = append(live, it)
		if wait.Closed(it.wake) {
			ep.pollLocked(cur, it)
		}
	}
	clear(ep.items[len(live):])
	ep.items = live
}

// unlinkLocked takes it off the ready list. Precondition: ep->mtx is held.
func (ep *Eventpoll) unlinkLocked(cur *lockdep.Task, it *epitem) {
	lockdep.AssertHeld(cur, &ep.mtx)
	if !it.linked {
		return
	}
	it.linked = false
	for i, x := range ep.ready {
		if x == it {
			ep.ready = append(ep.ready[:i], ep.ready[i+1:]...)
			return
		}
	}
}

// findLocked is ep_find. Precondition: ep->mtx is held.
func (ep *Eventpoll) findLocked(cur *lockdep.Task, f *vfs.File, fd int) *epitem {
	lockdep.AssertHeld(cur, &ep.mtx)
	for _, it := range ep.items {
		if it.file == f && it.fd == fd {
			return it
		}
	}
	return nil
}

// Ctl is do_epoll_ctl after the two fdgets: ep is the instance of epf, tf
// the target file at fd; ev is nil for EPOLL_CTL_DEL (EFAULT for the
// others). Errors in the kernel's order: EPERM for a file that cannot be
// polled, EINVAL for an instance watching itself or a non-epoll epf,
// EPOLLEXCLUSIVE's EINVALs, then EEXIST or ENOENT.
func Ctl(cur *lockdep.Task, epf *vfs.File, op, fd int, tf *vfs.File, ev *Event) error {
	hasEvent := op != uapi.EPOLL_CTL_DEL
	if hasEvent && ev == nil {
		return syscall.EFAULT
	}
	_, _, done, canPoll := vfs.PollFile(cur, tf, 0)
	if done != nil {
		done(cur)
	}
	if !canPoll {
		return syscall.EPERM
	}
	ep := Of(epf)
	if epf == tf || ep == nil {
		return syscall.EINVAL
	}
	if Of(tf) != nil {
		return syscall.EPERM // nesting instances is not modelled (see the package doc)
	}
	var e Event
	if hasEvent {
		e = *ev
		if e.Events&uapi.EPOLLEXCLUSIVE != 0 {
			if op == uapi.EPOLL_CTL_MOD || (op == uapi.EPOLL_CTL_ADD && e.Events&^exclusiveOK != 0) {
				return syscall.EINVAL
			}
		}
	}
	ep.mtx.Lock(cur)
	defer ep.mtx.Unlock(cur)
	ep.scanLocked(cur)
	it := ep.findLocked(cur, tf, fd)
	switch op {
	case uapi.EPOLL_CTL_ADD:
		if it != nil {
			return syscall.EEXIST
		}
		e.Events |= uapi.POLLERR | uapi.POLLHUP
		it = &epitem{file: tf, fd: fd, event: e}
		ep.items = append(ep.items, it)
		if ep.pollLocked(cur, it) != 0 {
			ep.callbackLocked(cur, it)
		}
	case uapi.EPOLL_CTL_DEL:
		if it == nil {
			return syscall.ENOENT
		}
		ep.unlinkLocked(cur, it)
		it.unregister(cur)
		for i, x := range ep.items {
			if x == it {
				ep.items = append(ep.items[:i], ep.items[i+1:]...)
				break
			}
		}
	case uapi.EPOLL_CTL_MOD:
		if it == nil {
			return syscall.ENOENT
		}
		if it.event.Events&uapi.EPOLLEXCLUSIVE != 0 {
			return syscall.EINVAL
		}
		e.Events |= uapi.POLLERR | uapi.POLLHUP
		it.event = e
		if ep.pollLocked(cur, it) != 0 {
			ep.callbackLocked(cur, it)
		}
	default:
		return syscall.EINVAL
	}
	return nil
}

// sendLocked is ep_send_events: up to max ready items are polled again and
// those still ready reported; a level-triggered one goes back to the tail
// of the ready list, a one-shot one is disabled, an edge-triggered one
// waits for its file's next wake-up. Precondition: ep->mtx is held.
func (ep *Eventpoll) sendLocked(cur *lockdep.Task, max int) []Event {
	lockdep.AssertHeld(cur, &ep.mtx)
	tx := ep.ready
	ep.ready = nil
	var out []Event
	var requeue []*epitem
	i := 0
	for ; i < len(tx) && len(out) < max; i++ {
		it := tx[i]
		it.linked = false
		revents := ep.pollLocked(cur, it)
		if it.linked { // woke since it was linked: the callback linked it again
			ep.unlinkLocked(cur, it)
		}
		if revents == 0 {
			continue
		}
		out = append(out, Event{Events: revents, Data: it.event.Data})
		switch {
		case it.event.Events&uapi.EPOLLONESHOT != 0:
			it.event.Events &= privateBits
		case it.event.Events&uapi.EPOLLET == 0:
			requeue = append(requeue, it)
		}
	}
	// The unprocessed rest goes back first, then what woke meanwhile,
	// then the level-triggered items just reported (ep_done_scan).
	rest := append([]*epitem(nil), tx[i:]...)
	woke := ep.ready
	ep.ready = append(rest, woke...)
	for _, it := range requeue {
		if !it.linked {
			it.linked = true
			ep.ready = append(ep.ready, it)
		}
	}
	return out
}

// Wait is do_epoll_wait after the fdget: up to max events, sleeping until
// one is ready, timeout passes (wait.Forever: no timeout; 0: do not sleep)
// or ctx is done (EINTR). EINVAL for max outside 1..EP_MAX_EVENTS or a
// file that is not an epoll instance.
func Wait(ctx context.Context, cur *lockdep.Task, epf *vfs.File, max int, timeout time.Duration) ([]Event, error) {
	if max <= 0 || max > EP_MAX_EVENTS {
		return nil, syscall.EINVAL
	}
	ep := Of(epf)
	if ep == nil {
		return nil, syscall.EINVAL
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		ep.mtx.Lock(cur)
		ep.scanLocked(cur)
		if out := ep.sendLocked(cur, max); len(out) > 0 {
			ep.mtx.Unlock(cur)
			return out, nil
		}
		if timeout == 0 {
			ep.mtx.Unlock(cur)
			return nil, nil
		}
		chans := []<-chan struct{}{ep.wq.ChanLocked(cur)}
		for _, it := range ep.items {
			chans = append(chans, it.wake)
		}
		ep.mtx.Unlock(cur)
		left := wait.Forever
		if timeout > 0 {
			left = max0(time.Until(deadline))
		}
		switch wait.Schedule(ctx, cur, chans, left) {
		case wait.Interrupted:
			return nil, syscall.EINTR
		case wait.TimedOut:
			timeout = 0 // one last look, as ep_poll makes after its timeout
		}
	}
}

func max0(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}

// Ready reports whether an item of ep is ready now, without consuming
// anything (ep_eventpoll_poll's question), for poll(2) of an epoll fd.
func (ep *Eventpoll) Ready(cur *lockdep.Task) bool {
	ep.mtx.Lock(cur)
	defer ep.mtx.Unlock(cur)
	ep.scanLocked(cur)
	for _, it := range ep.ready {
		mask, _, done, _ := vfs.PollFile(cur, it.file, it.event.Events)
		if done != nil {
			done(cur)
		}
		if mask&it.event.Events != 0 {
			return true
		}
	}
	return false
}

var _ vfs.Poller = (*Eventpoll)(nil)

// Poll is ep_eventpoll_poll without its wait: readable when an item is
// ready. A sleeping poll(2) is not woken by the instance's items.
func (ep *Eventpoll) Poll(cur *lockdep.Task, f *vfs.File) bool { return ep.Ready(cur) }
