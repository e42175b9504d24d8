package sched

import (
	"context"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/wait"
)

// WaitQueue is a wait_queue_head_t: threads sleep on it until it is woken.
// Without a scheduler a sleeper blocks on a channel and a context's
// cancellation interrupts it (a signal); under one it is blocked in the
// scheduler, which runs it again after the next wake-up. The lock given to
// Init protects the queue (the condition's lock, as dev->ev_mutex guards
// the event queue): Prepare, Finish and WakeUp are called with it held,
// Sleep without.
type WaitQueue struct {
	name    string
	lock    *lockdep.Mutex
	gen     uint64        // wake-ups so far
	ch      chan struct{} // closed at a wake-up with unscheduled waiters
	waiters int           // unscheduled waiters
}

// Init names the queue for reports ("dev->wq") and gives the lock that
// protects it.
func (q *WaitQueue) Init(name string, lock *lockdep.Mutex) { q.name, q.lock = name, lock }

// Name is the queue's name.
func (q *WaitQueue) Name() string { return q.name }

// Waiters returns the number of unscheduled waiters registered now.
// Precondition: the queue's lock is held.
func (q *WaitQueue) Waiters(cur *lockdep.Task) int {
	lockdep.AssertHeld(cur, q.lock)
	return q.waiters
}

// Waiter is one thread's registration on a queue, from Prepare to Finish.
type Waiter struct {
	q   *WaitQueue
	t   *Thread // nil without a scheduler run
	gen uint64
	ch  chan struct{}
}

// Prepare registers cur as a waiter (prepare_to_wait): a wake-up after it
// is not lost. Precondition: the lock protecting the queue is held.
func (q *WaitQueue) Prepare(cur *lockdep.Task) Waiter {
	lockdep.AssertHeld(cur, q.lock)
	if t := ThreadOf(cur); t != nil && t.inRun() {
		return Waiter{q: q, t: t, gen: q.gen}
	}
	if q.ch == nil {
		q.ch = make(chan struct{})
	}
	q.waiters++
	return Waiter{q: q, gen: q.gen, ch: q.ch}
}

// Sleep sleeps until the queue is woken after Prepare (schedule()), or,
// without a scheduler, ctx is done; it reports whether ctx ended it (a
// signal). Without a scheduler the sleep is internal/wait's Schedule, so
// its sleep hooks and the Go clock (a synctest bubble's) apply; under a
// scheduler, signals are not modelled. Call it with the queue's lock
// dropped.
func (w Waiter) Sleep(ctx context.Context, cur *lockdep.Task) (interrupted bool) {
	if t := w.t; t != nil {
		s := t.s
		if s.abort {
			panic(abortRun{})
		}
		t.state, t.wq, t.wqGen, t.where, t.step = sleeping, w.q, w.gen, callerOutside(), s.steps
		for w.q.gen == w.gen {
			s.point(t)
		}
		t.state, t.wq, t.where = runnable, nil, ""
		return false
	}
	return wait.Schedule(ctx, cur, []<-chan struct{}{w.ch}, wait.Forever) == wait.Interrupted
}

// PrepareChan registers a waiter that is told by a channel even under a
// scheduler (poll_wait for poll and epoll, which sleep on several queues
// through internal/wait): the channel is closed at the next wake-up. The
// waiter ends with Finish. Precondition: the queue's lock is held.
func (q *WaitQueue) PrepareChan(cur *lockdep.Task) Waiter {
	lockdep.AssertHeld(cur, q.lock)
	if q.ch == nil {
		q.ch = make(chan struct{})
	}
	q.waiters++
	return Waiter{q: q, gen: q.gen, ch: q.ch}
}

// Chan is the channel of a waiter from PrepareChan (or from Prepare
// without a scheduler): closed at the next wake-up.
func (w Waiter) Chan() <-chan struct{} { return w.ch }

// Finish ends the registration (finish_wait). Precondition: the queue's
// lock is held.
func (q *WaitQueue) Finish(cur *lockdep.Task, w Waiter) {
	lockdep.AssertHeld(cur, q.lock)
	if w.t == nil {
		q.waiters--
	}
}

// WakeUp wakes every sleeper (wake_up_interruptible). Precondition: the
// queue's lock is held.
func (q *WaitQueue) WakeUp(cur *lockdep.Task) {
	lockdep.AssertHeld(cur, q.lock)
	q.gen++
	if q.ch != nil && q.waiters > 0 {
		close(q.ch) // the next Prepare makes a new one
		q.ch = nil
	}
}
