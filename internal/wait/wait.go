package wait

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/inosim/inosim/internal/lockdep"
)

// Queue is a wait queue (wait_queue_head_t) whose sleepers wait on a
// channel: ChanLocked returns it, WakeLocked closes it and the next
// ChanLocked makes a new one.
type Queue struct {
	lock *lockdep.Mutex

	// lock protects the following field.
	ch chan struct{}
}

// Init names the lock that protects q (init_waitqueue_head).
func (q *Queue) Init(lock *lockdep.Mutex) { q.lock = lock }

// ChanLocked returns a channel closed by the next WakeLocked
// (prepare_to_wait / poll_wait): a sleeper takes it under the lock with
// its test of the condition, so a wake-up after the test is not lost.
// Precondition: q's lock is held.
func (q *Queue) ChanLocked(cur *lockdep.Task) <-chan struct{} {
	lockdep.AssertHeld(cur, q.lock)
	if q.ch == nil {
		q.ch = make(chan struct{})
	}
	return q.ch
}

// WakeLocked wakes every sleeper (wake_up_all).
// Precondition: q's lock is held.
func (q *Queue) WakeLocked(cur *lockdep.Task) {
	lockdep.AssertHeld(cur, q.lock)
	if q.ch != nil {
		close(q.ch)
		q.ch = nil
	}
}

// Closed reports whether ch has been closed (a wake-up happened since it
// was taken), without blocking.
func Closed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

type hooksKey struct{}

type hooks struct{ release, reacquire func() }

// WithSleepHooks returns a context whose sleeps (Schedule) call release
// before sleeping and reacquire after waking.
func WithSleepHooks(ctx context.Context, release, reacquire func()) context.Context {
	return context.WithValue(ctx, hooksKey{}, hooks{release, reacquire})
}

// Why says what ended a Schedule.
type Why int

const (
	Woken       Why = iota // one of the channels was closed
	TimedOut               // the timeout passed
	Interrupted            // the context was done (a signal: EINTR)
)

// Forever is the timeout of a sleep with no timeout.
const Forever time.Duration = -1

// Schedule sleeps until one of chans is closed, timeout passes (Forever:
// never) or ctx is done, in that order of precedence when several hold.
// cur must hold no lock: a sleep with a lock held is reported, as the
// kernel's might_sleep would, and the locks are released.
func Schedule(ctx context.Context, cur *lockdep.Task, chans []<-chan struct{}, timeout time.Duration) Why {
	if h := cur.Held(); len(h) > 0 {
		cur.CheckNoneHeld()
		panic(fmt.Sprintf("wait: %s sleeps holding %v", cur.Name(), h))
	}
	for _, ch := range chans {
		if Closed(ch) {
			return Woken
		}
	}
	if ctx.Err() != nil {
		return Interrupted
	}
	if timeout == 0 {
		return TimedOut
	}
	var cases []reflect.SelectCase
	for _, ch := range chans {
		if ch != nil {
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)})
		}
	}
	timerCase, doneCase := -1, -1
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timerCase = len(cases)
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(t.C)})
	}
	if done := ctx.Done(); done != nil {
		doneCase = len(cases)
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done)})
	}
	h, _ := ctx.Value(hooksKey{}).(hooks)
	if h.release != nil {
		h.release()
	}
	var chosen int
	if len(cases) > 0 {
		chosen, _, _ = reflect.Select(cases)
	} else {
		select {} // no wake-up can come: the kernel's task would sleep forever
	}
	if h.reacquire != nil {
		h.reacquire()
	}
	switch chosen {
	case timerCase:
		for _, ch := range chans {
			if Closed(ch) {
				return Woken
			}
		}
		return TimedOut
	case doneCase:
		return Interrupted
	}
	return Woken
}
